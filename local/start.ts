// `npm start`: the whole system in one process. See docs/local.md.
import { resolve } from 'node:path';
import { banner } from './banner.js';
import { CliError, parseCli, USAGE } from './cli.js';
import { PortInUseError } from './listen.js';
import { type LocalSystem, startLocalSystem } from './system.js';

/** Points the demo program gives a referrer for each referred sign-up. */
const DEMO_REFERRAL_POINTS = 50;

// The SDK warns once per process that its 2027 releases need Node 22; that is not news during a demo.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);

async function main(): Promise<void> {
  let cli: ReturnType<typeof parseCli>;
  try {
    cli = parseCli(process.argv.slice(2), process.env);
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    console.error(e.showUsage ? `${e.message}\n\n${USAGE}` : e.message);
    process.exit(2);
  }
  if (cli.help) {
    console.log(USAGE);
    return;
  }
  const stateFile = cli.stateFile ? resolve(cli.stateFile) : undefined;
  const outputsFile = cli.outputsFile ? resolve(cli.outputsFile) : undefined;

  let system: LocalSystem;
  try {
    system = await startLocalSystem({
      host: cli.host,
      port: cli.port,
      sandboxPort: cli.sandboxPort,
      awsPort: cli.awsPort,
      ...(stateFile ? { stateFile } : {}),
      ...(outputsFile ? { outputsFile } : {}),
      connected: !cli.fresh,
      sandbox: {
        // The demo's program also rewards each referred sign-up in points, so the dashboard shows money
        // and points side by side, as a Partnero balance can.
        referralPoints: DEMO_REFERRAL_POINTS,
        ...(cli.variantsSeed === undefined ? {} : { variants: true, seed: cli.variantsSeed }),
      },
      ...(cli.partnero ? { partnero: cli.partnero } : {}),
      ...(cli.quiet
        ? {}
        : {
            // The demo page's polling and static files only with --verbose: the rest stays readable.
            onAccess: (e) => {
              if (e.poll && !cli.verbose) return;
              console.log(
                dim(`  ${e.method} ${e.path} → ${e.status} (${e.ms} ms)${e.note ? ` — ${e.note}` : ''}`),
              );
            },
          }),
    });
  } catch (e) {
    if (e instanceof PortInUseError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  console.log(banner(system, stateFile));

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`\n${signal}: stopping the local system…`);
    system.close().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error('The local system could not start:', e);
  process.exit(1);
});
