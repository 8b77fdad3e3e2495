import {
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { type AddressInfo, connect, Server as NetServer } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { parseCli } from '#local/cli.js';
import type { AccessEntry } from '#local/gateway/server.js';
import { startSandbox } from '#local/sandbox/index.js';
import type { LocalSystem } from '#local/system.js';
import { spawnScript } from '#test/support/spawn-script.js';
import { call, login, startTestSystem } from './helpers.js';

interface RawAnswer {
  status: number;
  headers: IncomingMessage['headers'];
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers field by field
  body: any;
}

/** A request with any Host header (fetch sets its own), answered as JSON when it can be. */
function raw(
  url: string,
  {
    method = 'GET',
    headers = {},
    body,
  }: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
      });
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** An HTTP/1.0 request without a Host header, as a raw socket sends it; resolves with the status line. */
function withoutHost(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write('GET / HTTP/1.0\r\n\r\n'));
    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString();
    });
    socket.on('end', () => resolve(text.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

const portOf = (url: string) => new URL(url).port;

describe('every local server listens on 127.0.0.1 unless told otherwise', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('binds the gateway, the sandbox and the AWS endpoint to 127.0.0.1, and the sandbox on its own too', async () => {
    const listen = jest.spyOn(NetServer.prototype, 'listen');
    const { system } = await startTestSystem();
    const sandbox = await startSandbox({ port: 0 });
    try {
      const hosts = listen.mock.calls.map((args) => args[1]);
      expect(hosts.length).toBeGreaterThanOrEqual(4);
      expect(new Set(hosts)).toEqual(new Set(['127.0.0.1']));
      expect(parseCli([], {}).host).toBe('127.0.0.1');
    } finally {
      await sandbox.close();
      await system.close();
    }
  });
});

describe('a local system safe on a laptop', () => {
  let system: LocalSystem;
  const access: AccessEntry[] = [];
  beforeAll(async () => {
    ({ system } = await startTestSystem({ onAccess: (e) => access.push(e) }));
  });
  afterAll(() => system.close());

  const servers = () =>
    [
      ['gateway', system.urls.api],
      ['sandbox', system.urls.sandbox as string],
      ['AWS endpoint', system.urls.aws],
    ] as const;

  describe('Host header (no DNS rebinding)', () => {
    it('refuses a Host that is not a loopback name with the port, with 421 and a JSON error', async () => {
      for (const [, url] of servers()) {
        const port = portOf(url);
        for (const host of [
          `rebind.attacker.example:${port}`,
          `localhost.attacker.example:${port}`,
          'localhost:1',
        ]) {
          const res = await raw(`${url}/`, { headers: { host } });
          expect({ url, host, status: res.status }).toEqual({ url, host, status: 421 });
          expect(res.headers['content-type']).toMatch(/^application\/json/);
          expect(JSON.stringify(res.body)).toContain('is not served here');
        }
      }
    });

    it('serves localhost, 127.x.x.x and [::1] with the port', async () => {
      for (const [, url] of servers()) {
        const port = portOf(url);
        for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `127.1.2.3:${port}`, `[::1]:${port}`]) {
          const res = await raw(`${url}/`, { headers: { host } });
          expect({ url, host, status: res.status }).not.toEqual({ url, host, status: 421 });
        }
      }
    });

    it('refuses a request without a Host header (HTTP/1.0)', async () => {
      for (const [, url] of servers()) expect(await withoutHost(url)).toMatch(/^HTTP\/1\.[01] 421 /);
    });

    it('keeps the secret-bearing endpoints from a rebinding page', async () => {
      for (const url of [
        `${system.urls.api}/local/events/recent`,
        `${system.urls.sandbox}/__sandbox/state`,
        `${system.urls.sandbox}/__sandbox/webhooks/config`,
      ]) {
        const res = await raw(url, { headers: { host: `rebind.attacker.example:${portOf(url)}` } });
        expect(res.status).toBe(421);
        expect(JSON.stringify(res.body)).not.toContain(system.webhookSecret);
      }
    });
  });

  describe('cross-site requests to /local/* and /__sandbox/* must be JSON', () => {
    const textPlain = { 'content-type': 'text/plain' };

    it('refuses a text/plain POST to /local/login with 415', async () => {
      const res = await call(system, 'POST', '/local/login', {
        rawBody: JSON.stringify({ user_id: 'mallory' }),
        headers: { ...textPlain, origin: 'https://attacker.example' },
      });
      expect(res.status).toBe(415);
      expect(res.body.message).toContain('application/json');
      const noOrigin = await call(system, 'POST', '/local/login', {
        rawBody: JSON.stringify({ user_id: 'mallory' }),
        headers: textPlain,
      });
      expect(noOrigin.status).toBe(415);
    });

    it('refuses text/plain and form posts to the sandbox controls with 415, and changes nothing', async () => {
      const before = (await raw(`${system.urls.sandbox}/__sandbox/webhooks/config`, {})).body;
      const put = await raw(`${system.urls.sandbox}/__sandbox/webhooks/config`, {
        method: 'PUT',
        headers: { ...textPlain, origin: 'https://attacker.example' },
        body: JSON.stringify({ urls: ['https://attacker.example/hook'] }),
      });
      expect(put.status).toBe(415);
      expect(put.headers['content-type']).toMatch(/^application\/json/);
      const form = await raw(`${system.urls.sandbox}/__sandbox/latency`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'ms=5000',
      });
      expect(form.status).toBe(415);
      expect((await raw(`${system.urls.sandbox}/__sandbox/webhooks/config`, {})).body).toEqual(before);
      expect((await raw(`${system.urls.sandbox}/__sandbox/latency`, {})).body).toEqual({ ms: 0 });
    });

    it('refuses a bodiless POST that a page on another site sends (no-cors fetch) with 415', async () => {
      for (const [url, headers] of [
        [`${system.urls.sandbox}/__sandbox/requests/reset`, { origin: 'https://attacker.example' }],
        [`${system.urls.sandbox}/__sandbox/requests/reset`, { 'sec-fetch-site': 'cross-site' }],
        [`${system.urls.api}/local/orders`, { origin: 'http://localhost:1' }],
      ] as const) {
        expect((await raw(url, { method: 'POST', headers })).status).toBe(415);
      }
    });

    it('serves JSON, the demo page on its own origin, and bodiless tool calls', async () => {
      const token = await login(system, { user_id: 'safety-alice' });
      const own = new URL(system.urls.api).origin;
      // The demo page's refund is a bodiless POST from its own origin.
      const refund = await call(system, 'POST', '/local/orders/nope/refund', {
        token,
        headers: { origin: own },
      });
      expect(refund.status).toBe(404);
      const sameOriginLogin = await call(system, 'POST', '/local/login', {
        rawBody: JSON.stringify({ user_id: 'safety-bob' }),
        headers: { ...textPlain, origin: own.replace('localhost', '127.0.0.1') },
      });
      expect(sameOriginLogin.status).toBe(200);
      expect((await raw(`${system.urls.sandbox}/__sandbox/requests/reset`, { method: 'POST' })).status).toBe(
        200,
      );
      const json = await raw(`${system.urls.sandbox}/__sandbox/latency`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ ms: 0 }),
      });
      expect(json.status).toBe(200);
    });

    it('keeps the referral script and its click beacon working from another origin', async () => {
      const shop = 'http://shop.example';
      const script = await raw(`${system.urls.sandbox}/js/partnero.js`, { headers: { origin: shop } });
      expect(script.status).toBe(200);
      expect(script.headers['access-control-allow-origin']).toBe('*');
      const beacon = await raw(`${system.urls.sandbox}/__sandbox/click?key=nobody`, {
        headers: { origin: shop, 'sec-fetch-site': 'cross-site' },
      });
      expect(beacon.status).toBe(204);
    });
  });

  describe('no permissive CORS where secrets or emails are', () => {
    // The stack's default origin, http://localhost:3000, is not this gateway (it runs on another port).
    const otherOrigins = ['http://localhost:3000', 'https://attacker.example'];

    it('gives /local/* no CORS headers, to any origin, and no preflight', async () => {
      for (const origin of otherOrigins) {
        const recent = await raw(`${system.urls.api}/local/events/recent`, { headers: { origin } });
        expect(recent.status).toBe(200);
        expect(recent.headers['access-control-allow-origin']).toBeUndefined();
        const preflight = await raw(`${system.urls.api}/local/login`, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'content-type',
          },
        });
        expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      }
    });

    it('gives the sandbox state and webhook config no CORS headers', async () => {
      for (const path of ['/__sandbox/state', '/__sandbox/webhooks/config']) {
        const res = await raw(`${system.urls.sandbox}${path}`, {
          headers: { origin: 'https://attacker.example' },
        });
        expect(res.status).toBe(200);
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
      }
    });

    it('keeps the API routes’ CORS as the stack configures it', async () => {
      const res = await raw(`${system.urls.api}/referrals/me`, {
        headers: { origin: 'http://localhost:3000' },
      });
      expect(res.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    });
  });

  describe('the request log', () => {
    it('marks the demo page’s polling and static files, answered without error, as polls', async () => {
      const token = await login(system, { user_id: 'safety-poller' });
      access.length = 0;
      await call(system, 'GET', '/');
      await call(system, 'GET', '/app.js');
      await call(system, 'GET', '/local/events/recent?after=0');
      await call(system, 'GET', '/local/orders', { token });
      await call(system, 'GET', '/local/config');
      await call(system, 'GET', '/referrals/me');
      await call(system, 'POST', '/local/login', { body: { user_id: 'safety-poller' } });
      const polls = Object.fromEntries(access.map((e) => [`${e.method} ${e.path} ${e.status}`, e.poll]));
      expect(polls).toEqual({
        'GET / 200': true,
        'GET /app.js 200': true,
        'GET /local/events/recent 200': true,
        'GET /local/orders 200': true,
        'GET /local/config 200': true,
        // A refusal is news, even on a polled path.
        'GET /referrals/me 401': false,
        'POST /local/login 200': false,
      });
    });

    it('reads --verbose', () => {
      expect(parseCli([], {}).verbose).toBe(false);
      expect(parseCli(['--verbose'], {}).verbose).toBe(true);
    });
  });
});

describe('npm start prints no polling unless --verbose', () => {
  const start = (args: string[]) =>
    spawnScript(
      'local/start.ts',
      ['--port', '0', '--sandbox-port', '0', '--aws-port', '0', '--outputs=', ...args],
      {
        ...process.env,
        NODE_OPTIONS: '',
      },
    );

  async function demoUrl(proc: ReturnType<typeof start>): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const match = /Demo shop\s+(http:\/\/\S+)/.exec(proc.out());
        if (match?.[1]) {
          clearInterval(timer);
          resolve(match[1].replace(/\/$/, ''));
        }
      }, 50);
      proc.exited.then(() => {
        clearInterval(timer);
        reject(new Error(`exited early: ${proc.err()}`));
      });
    });
  }

  /** Polls, then logs in; the login's line shows that every earlier request has been printed (or skipped). */
  async function pollThenLogin(proc: ReturnType<typeof start>): Promise<string> {
    const demo = await demoUrl(proc);
    await (await fetch(`${demo}/`)).text();
    await (await fetch(`${demo}/local/events/recent?after=0`)).text();
    await (await fetch(`${demo}/local/config`)).text();
    await (
      await fetch(`${demo}/local/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user_id: 'alice' }),
      })
    ).text();
    for (;;) {
      if (/POST \/local\/login → 200/.test(proc.out())) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.child.kill('SIGINT');
    await proc.exited;
    return proc.out();
  }

  it('prints the login but not the page, its polling or its config', async () => {
    const out = await pollThenLogin(start([]));
    expect(out).toContain('POST /local/login → 200');
    expect(out).not.toContain('GET /local/events/recent');
    expect(out).not.toContain('GET /local/config');
    expect(out).not.toMatch(/GET \/ →/);
  });

  it('prints them all with --verbose', async () => {
    const out = await pollThenLogin(start(['--verbose']));
    expect(out).toContain('GET /local/events/recent → 200');
    expect(out).toMatch(/GET \/ → 200/);
  });
});

describe('each function logs with its own name and request id', () => {
  /** A Partnero that holds its first request until released, and answers every request 500. */
  function holdingPartnero() {
    let release: () => void = () => undefined;
    const released = new Promise<void>((r) => {
      release = r;
    });
    let held: () => void = () => undefined;
    const firstHeld = new Promise<void>((r) => {
      held = r;
    });
    let first = true;
    const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      const answer = () => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 0, message: 'Server Error' }));
      };
      if (!first) return answer();
      first = false;
      held();
      void released.then(answer);
    });
    return { server, firstHeld, release };
  }

  it('keeps a function’s name on its logs while another function runs at the same time', async () => {
    const partnero = holdingPartnero();
    await new Promise<void>((r) => partnero.server.listen(0, '127.0.0.1', r));
    const apiUrl = `http://127.0.0.1:${(partnero.server.address() as AddressInfo).port}/v1`;
    const lines: string[] = [];
    // What the functions' Powertools logger prints (shared/lambda/runtime.ts), as it prints it.
    const printed = Logger.prototype as unknown as {
      printLog(level: number, log: { getAttributes(): Record<string, unknown> }): void;
    };
    const spies = [
      jest.spyOn(printed, 'printLog').mockImplementation((_level, log) => {
        lines.push(JSON.stringify(log.getAttributes()));
      }),
    ];
    const { system } = await startTestSystem({ partnero: { apiUrl, apiKey: 'held-key' } });
    // The test processes log nothing (test/support/setup-env.ts); this test reads the errors.
    const { logger } = await import('#shared/lambda/runtime.js');
    const level = logger.getLevelName();
    logger.setLogLevel('ERROR');
    try {
      const token = await login(system, { user_id: 'logs-alice', email: 'logs-alice@example.com' });
      // The sign-up waits on Partnero, inside its invocation…
      const signup = call(system, 'POST', '/referrals/signup', { token, body: {} });
      await partnero.firstHeld;
      // …while the webhook function runs and finishes.
      const webhook = await call(system, 'POST', '/webhooks/partnero', {
        body: { event: 'customer.created' },
        headers: { 'x-partnero-signature': 'nope' },
      });
      expect(webhook.status).toBeGreaterThanOrEqual(400);
      partnero.release();
      expect((await signup).status).toBeGreaterThanOrEqual(500);
    } finally {
      logger.setLogLevel(level);
      for (const spy of spies) spy.mockRestore();
      await system.close();
      await new Promise<void>((r) => partnero.server.close(() => r()));
    }
    const logs = lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const failed = logs.filter((l) => l.message === 'request failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const log of failed) {
      expect(log).toMatchObject({
        function_name: 'referrals-local-signup',
        function_request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
    }
  });
});
