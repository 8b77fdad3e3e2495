import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { nodeHttpTransport, partneroHttpHandler } from '#shared/partnero/index.js';
import { createAwsClients } from '#tools/cli/aws-clients.js';
import { ASSUMPTIONS } from '#tools/doctor/contract/assumptions.js';
import { contractCommand } from '#tools/doctor/contract/command.js';
import { RUN_PREFIX } from '#tools/doctor/contract/names.js';
import { runTool, startOutputsSystem } from '../connect/helpers.js';
import { lineOf, runCommand, statusesOf } from './contract-support.js';

// `npm run doctor -- --contract` against the other programs it may meet: the local system (`--local`),
// an independent double written from Partnero's published examples, and the CLI itself.
const handler = partneroHttpHandler();
const transport = nodeHttpTransport(handler);
afterAll(() => handler.destroy());

const allPass = Object.fromEntries(ASSUMPTIONS.map((a) => [a.name, 'PASS']));

describe('doctor --contract --local', () => {
  let env: Awaited<ReturnType<typeof startOutputsSystem>>;
  beforeAll(async () => {
    env = await startOutputsSystem({ connected: true });
  });
  afterAll(() => env.close());

  it("checks the local system's sandbox with the key in the local secret, and passes", async () => {
    const lines: string[] = [];
    const code = await contractCommand(
      { stage: 'dev', local: true, outputsFile: env.outputsFile },
      { yes: true, list: false },
      {
        env: {},
        print: (line) => lines.push(line),
        makeClients: createAwsClients,
        fetch: transport,
        run: { sleep: async () => undefined },
      },
    );
    expect(lines[0]).toBe(
      `Contract check of the Partnero program at ${env.system.sandbox.apiUrl} (API key from secret ${env.system.secretName})`,
    );
    expect(statusesOf(lines)).toEqual(allPass);
    expect(code).toBe(0);
    const left = env.system.sandbox.store.state.customers.filter(
      (c) => c.status === 'active' && c.name?.startsWith(RUN_PREFIX),
    );
    expect(left).toEqual([]);
  });
});

// The independent test double of Partnero's published answers.
const DOUBLE = new URL('../../support/published-partnero.ts', import.meta.url);

describe('doctor --contract against the published-answers double', () => {
  let double: { url: string; apiKey: string; customers: Map<string, unknown>; close(): Promise<void> };
  beforeAll(async () => {
    const { startPublishedPartnero } = (await import(DOUBLE.href)) as {
      startPublishedPartnero: () => Promise<typeof double>;
    };
    double = await startPublishedPartnero();
  });
  afterAll(() => double.close());

  it('passes every assumption against the double, naming its stat names', async () => {
    const run = await runCommand({ url: double.url, apiKey: double.apiKey }, transport);
    expect(statusesOf(run.lines)).toEqual(allPass);
    expect(lineOf(run.lines, 'stats')).toMatch(
      /Partnero's names: clicks_count, referrals_count, social_sharing_links;/,
    );
    expect(lineOf(run.lines, 'referring customer')).toMatch(/carrying the referrer's id$/);
    expect(run.code).toBe(0);
    expect(double.customers.size).toBe(0);
  });
});

describe('npm run doctor -- --contract (the CLI)', () => {
  it('--list prints every assumption, published or ours, and touches nothing', async () => {
    const run = await runTool('doctor', ['--contract', '--list']);
    expect(run.code).toBe(0);
    for (const a of ASSUMPTIONS) expect(run.stdout).toContain(`${a.name} [${a.source}]\n    ${a.assumes}\n`);
  }, 30_000);

  it('without --yes prints the plan, writes nothing and exits 2', async () => {
    const run = await runTool('doctor', ['--contract', '--partnero-url', 'http://127.0.0.1:9/v1'], {
      PARTNERO_API_KEY: 'pk_test',
    });
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(
      /^Contract check of the Partnero program at http:\/\/127\.0\.0\.1:9\/v1 \(API key from PARTNERO_API_KEY\)\n/,
    );
    expect(run.stderr.trim()).toMatch(/^error: Nothing was written: run this again with --yes/);
  }, 30_000);
});
