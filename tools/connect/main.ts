// `npm run connect`: the stack (or the local system) connected to Partnero in one command. See README, "Deploy to AWS".
import password from '@inquirer/password';
import { Command } from 'commander';
import { createAwsClients } from '#tools/cli/aws-clients.js';
import { addTargetOptions, targetOptionsOf } from '#tools/cli/command.js';
import { parseDuration } from '#tools/cli/duration.js';
import { runMain, ToolError } from '#tools/cli/errors.js';
import { createPartneroAdmin } from '#tools/cli/partnero-webhooks.js';
import { resolveTarget } from '#tools/cli/target.js';
import { commandFor } from '#tools/cli/target-flags.js';
import { apiKeyFrom } from './api-key.js';
import { connect } from './connect.js';
import { formatTable, type Row } from './report.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const program = addTargetOptions(new Command('npm run connect --'))
  .description(
    "Puts the Partnero API key into the stack's secret, registers one webhook for its WebhookUrl with the refer-a-friend events and stores the webhook's signing secret. Safe to re-run.",
  )
  .option('--dry-run', 'show what would be done; write nothing')
  .option(
    '--rotate-webhook',
    'replace the webhook, so its signing secret; the old one stays valid for --grace',
  )
  .option(
    '--grace <duration>',
    'how long the previous signing secret is still accepted after it changes',
    '24h',
  )
  .option('--keep-key', 'use the API key already in the secret instead of PARTNERO_API_KEY or the prompt')
  .addHelpText(
    'after',
    '\nThe API key comes from PARTNERO_API_KEY or a hidden prompt; it is never printed.\nThen check everything with: npm run doctor -- <the same --stage/--local/--outputs-file>',
  );

/** A masked prompt; Ctrl-C ends the tool without a stack trace. */
const prompt = (message: string) =>
  password({ message, mask: '*' }).catch((e: unknown) => {
    if ((e as { name?: unknown }).name === 'ExitPromptError') throw new ToolError('Cancelled', 130);
    throw e;
  });

async function main(): Promise<number> {
  program.parse();
  const flags = program.opts<{
    dryRun?: boolean;
    rotateWebhook?: boolean;
    grace: string;
    keepKey?: boolean;
  }>();
  const graceMs = parseDuration(flags.grace, '--grace');
  const options = targetOptionsOf(program);
  const { target, clients } = await resolveTarget(options, {
    env: process.env,
    makeClients: createAwsClients,
  });
  const rows: Row[] = [];
  const dryRun = Boolean(flags.dryRun);
  console.log(`Connecting ${target.stackName} to Partnero${dryRun ? ' (dry run: nothing is written)' : ''}`);
  try {
    await connect(
      {
        target,
        clients,
        apiKey: apiKeyFrom({
          env: process.env,
          interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
          prompt,
          keepStored: Boolean(flags.keepKey),
        }),
        partnero: (apiKey) => createPartneroAdmin({ baseUrl: target.partneroUrl, apiKey }),
      },
      { dryRun, rotateWebhook: Boolean(flags.rotateWebhook), graceMs },
      rows,
    );
  } finally {
    if (rows.length > 0) console.log(formatTable(rows));
    clients.destroy();
  }
  console.log(
    dryRun ? 'Dry run: nothing was written.' : `Done. Check it with: ${commandFor('doctor', options)}`,
  );
  return 0;
}

runMain(main);
