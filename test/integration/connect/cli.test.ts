import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runTool, secretOf, startOutputsSystem, subscriptionsFor } from './helpers.js';

let env: Awaited<ReturnType<typeof startOutputsSystem>>;
beforeAll(async () => {
  env = await startOutputsSystem();
});
afterAll(() => env.close());

const local = () => ['--local', '--outputs-file', env.outputsFile];
const versions = () => [
  secretOf(env.system, env.system.secretName).versionId,
  secretOf(env.system, env.system.webhookSecretName).versionId,
];

describe('the connect and doctor commands (tools/*/main.ts as npm runs them)', () => {
  it('exits 1 with one line saying what to do for a wrong key, shows no key, and writes nothing', async () => {
    const before = versions();
    const secretKey = 'pk_wrong_key_never_printed';
    const run = await runTool('connect', local(), { PARTNERO_API_KEY: secretKey });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^error: Partnero refused the API key \(401\): copy the key of your refer-a-friend program/,
      ),
    ]);
    expect(`${run.stdout}${run.stderr}`).not.toContain(secretKey);
    expect(versions()).toEqual(before);
    expect(subscriptionsFor(env.system)).toEqual([]);
  });

  it('exits 1 asking for the key when there is neither PARTNERO_API_KEY nor a terminal', async () => {
    const run = await runTool('connect', local());
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(/^error: No Partnero API key: set PARTNERO_API_KEY/);
  });

  it('exits 1 saying how to start the local system when there is none', async () => {
    const run = await runTool('doctor', [
      '--local',
      '--outputs-file',
      join(env.outputsFile, '..', 'nope', 'outputs.json'),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(/^error: No local system found .*start it with npm start/);
  });

  it('refuses a grace period it cannot read as a usage error', async () => {
    const run = await runTool('connect', [...local(), '--grace', 'a while'], { PARTNERO_API_KEY: 'x' });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toMatch(/^error: --grace takes a duration such as 30m/);
  });

  it('connects with the key from PARTNERO_API_KEY, prints its table, and doctor then exits 0', async () => {
    const run = await runTool('connect', local(), { PARTNERO_API_KEY: env.system.sandboxApiKey });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/webhook\s+created\s+whk_/);
    expect(run.stdout).toMatch(/signing secret\s+written\s+referrals\/partnero-webhook/);
    expect(run.stdout).toContain('Check it with: npm run doctor -- --local');
    expect(run.stdout).not.toContain(env.system.sandboxApiKey);
    expect(subscriptionsFor(env.system)).toHaveLength(1);

    const doctor = await runTool('doctor', local());
    expect(doctor.code).toBe(0);
    expect(doctor.stdout).toMatch(/PASS {2}webhook/);
    expect(doctor.stdout).toContain('doctor: 4 checks passed, 0 failed, 2 skipped');
  });

  it('doctor exits 1 and prints the fix when a check fails', async () => {
    const { system } = env;
    const saved = secretOf(system, system.webhookSecretName).json;
    system.secrets.put(system.webhookSecretName, JSON.stringify({ webhookSecret: '' }));
    try {
      const doctor = await runTool('doctor', local());
      expect(doctor.code).toBe(1);
      expect(doctor.stdout).toMatch(
        /FAIL {2}test delivery\s+referrals\/partnero-webhook holds no signing secret/,
      );
      expect(doctor.stdout).toMatch(/fix: run npm run connect -- --local/);
    } finally {
      system.secrets.put(system.webhookSecretName, JSON.stringify(saved));
    }
  });
});
