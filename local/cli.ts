import { DEFAULT_PORTS } from './config.js';
import { DEFAULT_OUTPUTS_FILE } from './system/stack-outputs.js';

export interface CliOptions {
  help: boolean;
  host: string;
  port: number;
  sandboxPort: number;
  awsPort: number;
  stateFile?: string;
  /** Where the stack outputs go for `npm run connect -- --local` (none when empty). */
  outputsFile?: string;
  /** Start as a fresh `cdk deploy` leaves a stack: empty secrets, no webhook subscription. */
  fresh: boolean;
  quiet: boolean;
  /** Also print the demo page's polling and static files (`--verbose`). */
  verbose: boolean;
  /** `--partnero-url`: another Partnero instead of the sandbox, with its key from `PARTNERO_API_KEY`. */
  partnero?: { apiUrl: string; apiKey: string };
  /** `--sandbox-variants [seed]`: the sandbox answers any plausible reading where Partnero is silent. */
  variantsSeed?: number;
}

export const DEFAULT_STATE_FILE = '.local-state/sandbox.json';

export const USAGE = `Usage: npm start -- [options]

Runs the whole referral system locally: demo shop + API gateway, Partnero sandbox, local AWS endpoint.

Options (environment variable in brackets):
  --port <n>           demo page and API gateway            [PORT]          default ${DEFAULT_PORTS.gateway}
  --sandbox-port <n>   Partnero sandbox                     [SANDBOX_PORT]  default ${DEFAULT_PORTS.sandbox}
  --aws-port <n>       local Secrets Manager/EventBridge/SQS [AWS_PORT]      default ${DEFAULT_PORTS.aws}
  --host <address>     interface to listen on; requests must name it, localhost,
                       127.0.0.1 or [::1] in their Host header              default 127.0.0.1
  --persist [file]     keep the sandbox state in a file     [SANDBOX_STATE_FILE] (default file ${DEFAULT_STATE_FILE})
  --sandbox-variants [seed]  the sandbox also answers the readings Partnero leaves open (seeded, default 1)
  --outputs <file>     stack outputs for connect/doctor     [LOCAL_OUTPUTS_FILE] default ${DEFAULT_OUTPUTS_FILE}
  --fresh              start unconnected (empty secrets, no webhook): try \`npm run connect -- --local\`
  --partnero-url <url> run against another Partnero (its API base URL) instead of the sandbox;
                       the API key comes from PARTNERO_API_KEY. Use a test program: the demo's
                       "Buy" creates real transactions there
  --quiet              do not print each request
  --verbose            also print the demo page's polling and static files
  -h, --help           show this help
Port 0 picks a free port.`;

export class CliError extends Error {
  override readonly name = 'CliError';
  /** Whether the usage text helps (a mistyped flag), or the message says everything (a missing key). */
  readonly showUsage: boolean;
  constructor(message: string, { showUsage = true }: { showUsage?: boolean } = {}) {
    super(message);
    this.showUsage = showUsage;
  }
}

/** The base URL of a Partnero API: absolute http(s), without a trailing slash. */
function partneroUrl(value: string | undefined): string {
  let url: URL | undefined;
  try {
    url = value?.trim() ? new URL(value.trim()) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    throw new CliError(
      `--partnero-url must be the http(s) base URL of a Partnero API (e.g. https://api.partnero.com/v1), got ${JSON.stringify(value ?? '')}`,
    );
  }
  return url.href.replace(/\/+$/, '');
}

/** The key for `--partnero-url`: only ever from the environment, so it stays out of shell history and `ps`. */
function partneroKey(env: NodeJS.ProcessEnv, apiUrl: string): string {
  const key = env.PARTNERO_API_KEY?.trim();
  if (!key) {
    throw new CliError(
      `--partnero-url ${apiUrl} needs that Partnero's API key in PARTNERO_API_KEY (it is never taken as a flag), e.g. PARTNERO_API_KEY=<key> npm start -- --partnero-url ${apiUrl}`,
      { showUsage: false },
    );
  }
  return key;
}

function port(value: string | undefined, name: string): number {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new CliError(`${name} must be a port number (0–65535), got ${JSON.stringify(value ?? '')}`);
  }
  return n;
}

/** Flags win over environment variables, which win over the defaults. */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): CliOptions {
  const options: CliOptions = {
    help: false,
    host: '127.0.0.1',
    port: env.PORT ? port(env.PORT, 'PORT') : DEFAULT_PORTS.gateway,
    sandboxPort: env.SANDBOX_PORT ? port(env.SANDBOX_PORT, 'SANDBOX_PORT') : DEFAULT_PORTS.sandbox,
    awsPort: env.AWS_PORT ? port(env.AWS_PORT, 'AWS_PORT') : DEFAULT_PORTS.aws,
    quiet: false,
    verbose: false,
    fresh: false,
    ...(env.SANDBOX_STATE_FILE?.trim() ? { stateFile: env.SANDBOX_STATE_FILE.trim() } : {}),
  };
  const outputsFile =
    env.LOCAL_OUTPUTS_FILE === undefined ? DEFAULT_OUTPUTS_FILE : env.LOCAL_OUTPUTS_FILE.trim();
  if (outputsFile) options.outputsFile = outputsFile;
  const args = [...argv];
  let apiUrl: string | undefined;
  const sandboxFlags: string[] = [];
  while (args.length) {
    const arg = args.shift() as string;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = () => inline ?? args.shift();
    switch (flag) {
      case '-h':
      case '--help':
        options.help = true;
        break;
      case '--port':
        options.port = port(value(), '--port');
        break;
      case '--sandbox-port':
        options.sandboxPort = port(value(), '--sandbox-port');
        sandboxFlags.push('--sandbox-port');
        break;
      case '--aws-port':
        options.awsPort = port(value(), '--aws-port');
        break;
      case '--host': {
        const host = value();
        if (!host) throw new CliError('--host needs an address');
        options.host = host;
        break;
      }
      case '--persist': {
        const next = inline ?? (args[0] !== undefined && !args[0].startsWith('-') ? args.shift() : undefined);
        options.stateFile = next ?? DEFAULT_STATE_FILE;
        sandboxFlags.push('--persist');
        break;
      }
      case '--sandbox-variants': {
        const next = inline ?? (args[0] !== undefined && /^\d+$/.test(args[0]) ? args.shift() : undefined);
        const seed = next === undefined ? 1 : Number(next);
        if (!Number.isSafeInteger(seed))
          throw new CliError(`--sandbox-variants takes a whole-number seed, got ${next}`);
        options.variantsSeed = seed;
        sandboxFlags.push('--sandbox-variants');
        break;
      }
      case '--quiet':
        options.quiet = true;
        break;
      case '--verbose':
        options.verbose = true;
        break;
      case '--fresh':
        options.fresh = true;
        break;
      case '--outputs': {
        const file = value();
        if (file === undefined) throw new CliError('--outputs needs a file');
        if (file.trim()) options.outputsFile = file.trim();
        else delete options.outputsFile;
        break;
      }
      case '--partnero-url':
        apiUrl = partneroUrl(value());
        break;
      default:
        throw new CliError(`Unknown option ${arg} (see --help)`);
    }
  }
  if (apiUrl !== undefined && !options.help) {
    if (sandboxFlags.length > 0) {
      throw new CliError(
        `${sandboxFlags.join(' and ')} configure${sandboxFlags.length > 1 ? '' : 's'} the Partnero sandbox, which does not run with --partnero-url`,
      );
    }
    // SANDBOX_STATE_FILE may be set for ordinary runs; with another Partnero there is no sandbox state.
    delete options.stateFile;
    options.partnero = { apiUrl, apiKey: partneroKey(env, apiUrl) };
  }
  return options;
}
