// `npm run doctor`: is the stack (or the local system) wired up? One pass/fail line per check, with the fix.
// `npm run doctor -- --contract`: does a live Partnero program answer as the client assumes? (opt-in, writes)
import { Command, Option } from 'commander';
import { nodeHttpTransport, partneroHttpHandler } from '#shared/partnero/index.js';
import { createAwsClients } from '#tools/cli/aws-clients.js';
import { addTargetOptions, targetOptionsOf } from '#tools/cli/command.js';
import { runMain, ToolError } from '#tools/cli/errors.js';
import { createPartneroAdmin } from '#tools/cli/partnero-webhooks.js';
import { resolveTarget, type TargetOptions } from '#tools/cli/target.js';
import { connectCommandFor } from '#tools/cli/target-flags.js';
import { contractCommand } from './contract/command.js';
import { exitCodeOf, runDoctor } from './doctor.js';
import { formatResult, summaryOf } from './report.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const program = addTargetOptions(new Command('npm run doctor --'))
  .description(
    'Checks a deployed stack (or the local system): the API key, the webhook, a signed test delivery, the order DLQ, the alarms and the reconciler. Exits 1 when a check fails.',
  )
  .addOption(
    new Option(
      '--contract',
      'instead, check a live Partnero program against every assumption the client makes: creates two customers and a transaction, then deletes them (needs --yes; use a test program). The key: PARTNERO_API_KEY, else the stack’s secret',
    ),
  )
  .addOption(
    new Option(
      '--yes',
      'with --contract: write to the program (without it the plan is shown and nothing is written)',
    ),
  )
  .addOption(new Option('--list', 'with --contract: print the assumptions it checks, and exit'))
  .addHelpText('after', '\nSee docs/doctor.md for the checks and the contract assumptions.');

async function contract(options: TargetOptions, flags: { yes?: boolean; list?: boolean }): Promise<number> {
  const handler = partneroHttpHandler();
  const controller = new AbortController();
  const onSigint = () => {
    console.error('Interrupted: deleting what was created (Ctrl-C again to quit at once)…');
    controller.abort(new ToolError('Interrupted', 130));
  };
  process.once('SIGINT', onSigint);
  try {
    return await contractCommand(
      options,
      { yes: Boolean(flags.yes), list: Boolean(flags.list) },
      {
        env: process.env,
        print: (line) => console.log(line),
        makeClients: createAwsClients,
        fetch: nodeHttpTransport(handler),
        run: { signal: controller.signal },
      },
    );
  } finally {
    process.off('SIGINT', onSigint);
    handler.destroy();
  }
}

async function main(): Promise<number> {
  program.parse();
  const options = targetOptionsOf(program);
  const flags = program.opts<{ contract?: boolean; yes?: boolean; list?: boolean }>();
  if (flags.contract) return contract(options, flags);
  if (flags.yes || flags.list) throw new ToolError('--yes and --list go with --contract', 2);
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
