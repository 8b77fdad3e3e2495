// `npm run doctor`: is the stack (or the local system) wired up? One pass/fail line per check, with the fix.
import { Command } from 'commander';
import { createAwsClients } from '#tools/cli/aws-clients.js';
import { addTargetOptions, runMain, targetOptionsOf } from '#tools/cli/command.js';
import { createPartneroAdmin } from '#tools/cli/partnero-webhooks.js';
import { resolveTarget } from '#tools/cli/target.js';
import { connectCommandFor } from '#tools/cli/target-flags.js';
import { exitCodeOf, runDoctor } from './doctor.js';
import { formatResult, summaryOf } from './report.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const program = addTargetOptions(new Command('npm run doctor --')).description(
  'Checks a deployed stack (or the local system): the API key, the webhook, a signed test delivery, the order DLQ, the alarms and the reconciler. Exits 1 when a check fails.',
);

async function main(): Promise<number> {
  program.parse();
  const options = targetOptionsOf(program);
  const { target, clients } = await resolveTarget(options, {
    env: process.env,
    makeClients: createAwsClients,
  });
  console.log(`Checking ${target.stackName} (${target.source})`);
  try {
    const results = await runDoctor(
      {
        target,
        clients,
        partnero: (apiKey) => createPartneroAdmin({ baseUrl: target.partneroUrl, apiKey }),
        connectCommand: connectCommandFor(options),
      },
      (result) => console.log(formatResult(result)),
    );
    console.log(summaryOf(results));
    return exitCodeOf(results);
  } finally {
    clients.destroy();
  }
}

runMain(main);
