import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CliError, DEFAULT_STATE_FILE, parseCli } from '#local/cli.js';
import { PortInUseError } from '#local/listen.js';
import { startLocalSystem } from '#local/system.js';
import { spawnScript } from '#test/support/spawn-script.js';
import { call, login } from './helpers.js';

describe('command line', () => {
  it('takes ports from flags over environment variables over the defaults', () => {
    expect(parseCli([], {})).toMatchObject({
      port: 3000,
      sandboxPort: 4010,
      awsPort: 4566,
      host: '127.0.0.1',
      quiet: false,
    });
    expect(parseCli([], { PORT: '3100', SANDBOX_PORT: '4100', AWS_PORT: '4600' })).toMatchObject({
      port: 3100,
      sandboxPort: 4100,
      awsPort: 4600,
    });
    expect(
      parseCli(['--port', '0', '--sandbox-port=0', '--aws-port', '1234'], { PORT: '3100' }),
    ).toMatchObject({
      port: 0,
      sandboxPort: 0,
      awsPort: 1234,
    });
  });

  it('reads --persist with or without a file, and SANDBOX_STATE_FILE', () => {
    expect(parseCli(['--persist'], {}).stateFile).toBe(DEFAULT_STATE_FILE);
    expect(parseCli(['--persist', 'state.json', '--quiet'], {})).toMatchObject({
      stateFile: 'state.json',
      quiet: true,
    });
    expect(parseCli(['--persist', '--quiet'], {})).toMatchObject({
      stateFile: DEFAULT_STATE_FILE,
      quiet: true,
    });
    expect(parseCli([], { SANDBOX_STATE_FILE: 'x.json' }).stateFile).toBe('x.json');
  });

  it('rejects bad ports and unknown options', () => {
    expect(() => parseCli(['--port', 'abc'], {})).toThrow(CliError);
    expect(() => parseCli(['--port'], {})).toThrow(CliError);
    expect(() => parseCli([], { PORT: '70000' })).toThrow(CliError);
    expect(() => parseCli(['--nope'], {})).toThrow(CliError);
  });
});

describe('startLocalSystem', () => {
  let blocker: Server;
  let busyPort: number;
  let dir: string;
  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    busyPort = (blocker.address() as AddressInfo).port;
    dir = mkdtempSync(join(tmpdir(), 'local-system-'));
  });
  afterAll(() => {
    blocker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails with PortInUseError naming the setting when a port is taken, and leaves nothing running', async () => {
    for (const [option, setting] of [
      ['port', 'PORT'],
      ['sandboxPort', 'SANDBOX_PORT'],
      ['awsPort', 'AWS_PORT'],
    ] as const) {
      const error = await startLocalSystem({ port: 0, sandboxPort: 0, awsPort: 0, [option]: busyPort }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(PortInUseError);
      expect((error as Error).message).toContain(`Port ${busyPort}`);
      expect((error as Error).message).toContain(setting);
    }
    const system = await startLocalSystem({ port: 0, sandboxPort: 0, awsPort: 0 });
    await system.close();
  });

  it('keeps the sandbox state across restarts with a state file', async () => {
    const stateFile = join(dir, 'nested', 'sandbox.json');
    const first = await startLocalSystem({ port: 0, sandboxPort: 0, awsPort: 0, stateFile });
    const token = await login(first, { user_id: 'carol', email: 'carol@example.com' });
    expect((await call(first, 'POST', '/referrals/signup', { token, body: {} })).status).toBe(201);
    await first.close();

    const second = await startLocalSystem({ port: 0, sandboxPort: 0, awsPort: 0, stateFile });
    try {
      const again = await login(second, { user_id: 'carol' });
      const me = await call(second, 'GET', '/referrals/me', { token: again });
      expect(me.status).toBe(200);
      expect(me.body.customer.key).toBe('carol');
    } finally {
      await second.close();
    }
  });

  it('refuses a second system in the same process (the functions share process.env)', async () => {
    const system = await startLocalSystem({ port: 0, sandboxPort: 0, awsPort: 0 });
    try {
      await expect(startLocalSystem({ port: 0, sandboxPort: 0, awsPort: 0 })).rejects.toThrow(
        /already running/,
      );
    } finally {
      await system.close();
    }
  });

  it('restores the environment it changed when it stops', async () => {
    const before = process.env.AWS_ENDPOINT_URL_SQS;
    const system = await startLocalSystem({ port: 0, sandboxPort: 0, awsPort: 0 });
    expect(process.env.AWS_ENDPOINT_URL_SQS).toBe(system.urls.aws);
    await system.close();
    expect(process.env.AWS_ENDPOINT_URL_SQS).toBe(before);
  });
});

describe('local/start.ts', () => {
  const start = (args: string[]) => spawnScript('local/start.ts', args, { ...process.env, NODE_OPTIONS: '' });

  it('prints the URLs, demo users, sandbox key and AWS credentials, serves the page, and stops on SIGINT', async () => {
    const proc = start(['--port', '0', '--sandbox-port', '0', '--aws-port', '0', '--quiet']);
    const demo = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const match = /Demo shop\s+(http:\/\/\S+)/.exec(proc.out());
        if (match?.[1]) {
          clearInterval(timer);
          resolve(match[1]);
        }
      }, 50);
      proc.exited.then(() => {
        clearInterval(timer);
        reject(new Error(`exited early: ${proc.err()}`));
      });
    });
    const text = proc.out();
    for (const expected of [
      'Partnero sandbox',
      'AWS endpoint',
      'alice',
      'bob',
      'AWS_ACCESS_KEY_ID=',
      'AWS_SECRET_ACCESS_KEY=',
      'AWS_REGION=us-east-1',
      'sandbox_secret_key',
      'curl --aws-sigv4',
      'aws events put-events',
    ]) {
      expect(text).toContain(expected);
    }
    const page = await fetch(demo);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/js/partnero.js');
    proc.child.kill('SIGINT');
    expect(await proc.exited).toBe(0);
  });

  it('exits 1 with a one-line message when a port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const proc = start(['--port', String(port), '--sandbox-port', '0', '--aws-port', '0']);
      expect(await proc.exited).toBe(1);
      expect(proc.err().trim().split('\n')).toEqual([
        expect.stringMatching(new RegExp(`^Port ${port} .*already in use.*PORT=`)),
      ]);
    } finally {
      blocker.close();
    }
  });
});
