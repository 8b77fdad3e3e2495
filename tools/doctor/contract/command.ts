import { parseConfig } from '#infra/config.js';
import type { PartneroFetch } from '#shared/partnero/index.js';
import { isSecretError, parsePartneroSecret } from '#shared/secrets/secret-value.js';
import type { AwsClients, AwsSettings } from '#tools/cli/aws-clients.js';
import { ToolError } from '#tools/cli/errors.js';
import { readSecret } from '#tools/cli/secrets.js';
import { requireOutput } from '#tools/cli/stack-outputs.js';
import { resolveTarget, type TargetOptions } from '#tools/cli/target.js';
import { commandFor } from '#tools/cli/target-flags.js';
import { ASSUMPTIONS } from './assumptions.js';
import {
  type AssumptionResult,
  type ContractOptions,
  type ContractRun,
  DEFAULT_LOOKUP_DELAY_MS,
  DEFAULT_LOOKUP_TRIES,
  LEFTOVER_MIN_AGE_MS,
  planOf,
  runContract,
} from './exercise.js';
import { RUN_PREFIX } from './names.js';

/** `npm run doctor -- --contract`: the plan, the refusal without `--yes`, the run and its report. */

export interface ContractFlags {
  /** Write: without it the check prints its plan and refuses. */
  yes: boolean;
  /** Print the assumptions and exit, touching nothing. */
  list: boolean;
}

export interface ContractDeps {
  env: NodeJS.ProcessEnv;
  print: (line: string) => void;
  makeClients: (aws: AwsSettings) => Pick<AwsClients, 'cloudFormation' | 'secrets'> & { destroy(): void };
  fetch: PartneroFetch;
  /** For tests: the clock, the look-up's sleep and bound, an abort. */
  run?: Pick<ContractOptions, 'now' | 'sleep' | 'lookupTries' | 'lookupDelayMs' | 'signal'>;
}

/** Partnero's URL when nothing names one: the stack's own default (infra/config.ts). */
const DEFAULT_PARTNERO_URL = parseConfig({}).partneroApiUrl;

interface Program {
  baseUrl: string;
  apiKey: string;
  /** Where the key came from, for the header ("PARTNERO_API_KEY", "secret referrals/partnero"). */
  keyFrom: string;
}

/**
 * The program to check and its key: `PARTNERO_API_KEY` with `--partnero-url`/`PARTNERO_API_URL` (no AWS
 * needed); with `--local`, the local system's sandbox; else the key in the target stack's secret, as the
 * doctor's other checks read it.
 */
async function programOf(options: TargetOptions, deps: ContractDeps): Promise<Program> {
  const envKey = deps.env.PARTNERO_API_KEY?.trim();
  if (envKey && !options.local) {
    const baseUrl = options.partneroUrl ?? (deps.env.PARTNERO_API_URL?.trim() || DEFAULT_PARTNERO_URL);
    return { baseUrl, apiKey: envKey, keyFrom: 'PARTNERO_API_KEY' };
  }
  const { target, clients } = await resolveTarget(options, { env: deps.env, makeClients: deps.makeClients });
  try {
    if (envKey) return { baseUrl: target.partneroUrl, apiKey: envKey, keyFrom: 'PARTNERO_API_KEY' };
    const secretName = requireOutput(target.outputs, 'SecretName', target.stackName);
    const aws = target.local
      ? { localEndpoint: target.aws.endpoint ?? '' }
      : target.aws.region
        ? { region: target.aws.region }
        : {};
    try {
      const { apiKey } = parsePartneroSecret(secretName, await readSecret(clients.secrets, secretName, aws));
      return { baseUrl: target.partneroUrl, apiKey, keyFrom: `secret ${secretName}` };
    } catch (e) {
      if (!isSecretError(e)) throw e;
      throw new ToolError(
        `${secretName} holds no usable API key: set PARTNERO_API_KEY, or run ${commandFor('connect', options)}`,
      );
    }
  } finally {
    clients.destroy();
  }
}

/** What the check will write and what stays afterwards, printed before anything is written. */
export function planLines(program: Program, example: string): string[] {
  const plan = planOf(example);
  const minutes = LEFTOVER_MIN_AGE_MS / 60_000;
  return [
    `Contract check of the Partnero program at ${program.baseUrl} (API key from ${program.keyFrom})`,
    '',
    'Use a test program: this writes to the program the key belongs to (in Partnero, make a second',
    'refer-a-friend program for checks and use its key).',
    '',
    'It creates, and deletes again before it ends (also when a check fails):',
    `  - customer ${plan.referrer.id} (the referrer), ${plan.referrer.email}`,
    `  - customer ${plan.friend.id} (a friend referred by it), ${plan.friend.email}`,
    `  - transaction ${plan.transaction.key}: a sale of ${plan.transaction.amount} ${plan.transaction.amount_units} by the friend`,
    `  (<time> is when it runs; the addresses are under example.com, so no program email reaches anyone).`,
    `It first deletes customers named ${RUN_PREFIX}… that a killed run left (older than ${minutes} minutes).`,
    '',
    'What stays afterwards:',
    '  - Partnero fires its webhooks for these writes (customer.created, transaction.created, customer.rewarded,',
    '    transaction.deleted, customer.deleted) to every webhook of the program;',
    '  - a deployed stack (or npm start) subscribed to them republishes them on its event bus, so its consumers see',
    '    them; the referral and the sale were undone, but those events were still delivered.',
  ];
}

const LABEL = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;
const WIDTH = Math.max(...ASSUMPTIONS.map((a) => a.name.length));

export function formatAssumptionResult(result: AssumptionResult): string {
  const source = result.source === 'published' ? 'published' : 'ours     ';
  return `  ${LABEL[result.status]}  ${result.name.padEnd(WIDTH)}  ${source}  ${result.saw}`;
}

/** The report of a run: every assumption, then leftovers and cleanup, then the summary. */
export function reportLines(run: ContractRun): string[] {
  const count = (status: AssumptionResult['status']) => run.results.filter((r) => r.status === status).length;
  const { leftovers } = run;
  const removed =
    leftovers.customers + leftovers.transactions === 0
      ? 'none found'
      : `removed ${leftovers.customers} customer(s) and ${leftovers.transactions} transaction(s) of earlier runs`;
  const recent =
    leftovers.recent > 0 ? `; left ${leftovers.recent} of a run started in the last minutes` : '';
  return [
    ...(run.interrupted
      ? ['interrupted: the checks stopped; what they did not reach is not checked', '']
      : []),
    ...run.results.map(formatAssumptionResult),
    '',
    `leftovers: ${removed}${recent}`,
    ...leftovers.problems.map((p) => `leftovers: ${p}`),
    ...run.cleanup.map((c) => `cleanup: ${c}`),
    `contract: ${count('pass')} assumptions hold, ${count('fail')} failed, ${count('skip')} not checked`,
  ];
}

/** `--contract --list`: every assumption, published or our reading, and what it rests on. */
export function listLines(): string[] {
  return ASSUMPTIONS.flatMap((a) => [`${a.name} [${a.source}]`, `    ${a.assumes}`, `    basis: ${a.basis}`]);
}

/** Exit code: 0 only when every assumption holds (a failed or unchecked one is 1). */
export const contractExitCode = (run: ContractRun) => (run.results.every((r) => r.status === 'pass') ? 0 : 1);

export async function contractCommand(
  options: TargetOptions,
  flags: ContractFlags,
  deps: ContractDeps,
): Promise<number> {
  if (flags.list) {
    for (const line of listLines()) deps.print(line);
    return 0;
  }
  const program = await programOf(options, deps);
  for (const line of planLines(program, `${RUN_PREFIX}<time>`)) deps.print(line);
  if (!flags.yes) {
    throw new ToolError(
      'Nothing was written: run this again with --yes to create and delete the customers and the transaction above',
      2,
    );
  }
  deps.print('');
  const run = await runContract({
    baseUrl: program.baseUrl,
    apiKey: program.apiKey,
    fetch: deps.fetch,
    lookupTries: DEFAULT_LOOKUP_TRIES,
    lookupDelayMs: DEFAULT_LOOKUP_DELAY_MS,
    ...deps.run,
    onProgress: (line) => deps.print(`  … ${line}`),
  });
  deps.print('');
  for (const line of reportLines(run)) deps.print(line);
  return contractExitCode(run);
}
