import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  createPartneroClient,
  isPartneroError,
  nodeHttpTransport,
  partneroHttpHandler,
} from '#shared/partnero/index.js';
import { attemptOnce } from '#shared/partnero/transport.js';

/** The default transport over real sockets: what `fetch` did for the client, the client still gets. */

interface Seen {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
  socket: unknown;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((done) => s.close(done));
  }
});

async function serve(answer: (req: IncomingMessage, res: ServerResponse, seen: Seen) => void) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      const entry = { method: req.method, url: req.url, headers: req.headers, body, socket: req.socket };
      seen.push(entry);
      answer(req, res, entry);
    });
  });
  servers.push(server);
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return { seen, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );

describe('nodeHttpTransport (the client default)', () => {
  it('sends method, path with query, headers and body, and reads status, headers and a UTF-8 body', async () => {
    const { seen, url } = await serve((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json', 'Retry-After': '7' });
      // A multi-byte character split across two chunks must still decode.
      const bytes = Buffer.from(JSON.stringify({ name: 'Zoë 😀' }));
      res.write(bytes.subarray(0, bytes.length - 4));
      res.end(bytes.subarray(bytes.length - 4));
    });
    const send = nodeHttpTransport();
    const body = JSON.stringify({ email: 'zoë@example.com' });
    const res = await send(`${url}/v1/customers?page=2&limit=5`, {
      method: 'POST',
      headers: { Authorization: 'Bearer k', 'Content-Type': 'application/json' },
      body,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('Retry-After')).toBe('7');
    expect(res.headers.get('x-missing')).toBeNull();
    expect(JSON.parse(await res.text())).toEqual({ name: 'Zoë 😀' });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/customers?page=2&limit=5', body });
    expect(seen[0]?.headers).toMatchObject({
      authorization: 'Bearer k',
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
    });
  });

  it('keeps the connection alive between calls', async () => {
    const { seen, url } = await serve((_req, res) => res.end('{}'));
    const client = createPartneroClient({ apiKey: 'k', baseUrl: `${url}/v1` });
    await client.customers.delete('a');
    await client.customers.delete('b');
    expect(seen).toHaveLength(2);
    expect(seen[1]?.socket).toBe(seen[0]?.socket);
    expect(seen[0]?.headers['user-agent']).toBe('partnero-referrals-aws');
  });

  it('drops a pooled connection once it has been idle, so a write never goes out on a stale one', async () => {
    const { seen, server, url } = await serve((_req, res) => res.end('{}'));
    const closed = new Promise<void>((done) =>
      server.once('connection', (socket) => socket.once('close', done)),
    );
    const send = nodeHttpTransport(partneroHttpHandler(50));
    await send(`${url}/v1/a`, { method: 'GET', headers: {} });
    await closed; // the client closed the idle socket (without the idle limit it never would)
    await send(`${url}/v1/b`, { method: 'POST', headers: {}, body: '{}' });
    expect(seen).toHaveLength(2);
    expect(seen[1]?.socket).not.toBe(seen[0]?.socket);
  });

  it('never follows a redirect, so the bearer key stays with Partnero', async () => {
    const elsewhere = await serve((_req, res) => res.end('{}'));
    const { url } = await serve((_req, res) => {
      res.writeHead(302, { location: `${elsewhere.url}/steal` });
      res.end();
    });
    const client = createPartneroClient({ apiKey: 'k', baseUrl: `${url}/v1` });
    const error = await failure(client.customers.get('alice'));
    expect(isPartneroError(error) && error.status).toBe(302);
    expect(elsewhere.seen).toHaveLength(0);
  });

  it('times out an answer whose body never finishes, and says timeout', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":'); // and never more
    });
    const client = createPartneroClient({
      apiKey: 'k',
      baseUrl: `${url}/v1`,
      attemptTimeoutMs: 50,
      maxAttempts: 1,
    });
    const error = await failure(client.customers.get('alice'));
    expect(isPartneroError(error) && error.code).toBe('timeout');
  });

  it("classifies a caller abort while the answer is in flight as aborted, not as Partnero's answer", async () => {
    const controller = new AbortController();
    const { url } = await serve((_req, res) => {
      res.writeHead(200);
      res.write('{');
      controller.abort();
    });
    const outcome = await attemptOnce(nodeHttpTransport(), {
      method: 'GET',
      url: `${url}/v1/x`,
      key: 'k',
      body: undefined,
      timeoutMs: 60_000,
      signal: controller.signal,
    });
    expect(outcome).toEqual({ kind: 'aborted' });
  });

  it('sends nothing when the caller aborts while the key is being read', async () => {
    const { seen, url } = await serve((_req, res) => res.end('{}'));
    const controller = new AbortController();
    const reason = new Error('the caller gave up');
    const keys = {
      get: async () => {
        controller.abort(reason);
        return 'k';
      },
      invalidate: () => {},
    };
    const client = createPartneroClient({ apiKey: keys, baseUrl: `${url}/v1` });
    const error = await failure(
      client.transactions.create(
        { key: 'order-1', customer: { key: 'bob' }, amount: 10, action: 'sale' },
        { signal: controller.signal },
      ),
    );
    expect(error).toBe(reason);
    expect(seen).toHaveLength(0);
  });

  it('reads a body with a byte-order mark or compressed though not asked for, as fetch does', async () => {
    const bodies = [Buffer.from('\uFEFF{"ok":1}'), gzipSync('{"ok":2}')];
    const { url } = await serve((_req, res) => {
      const gzip = bodies.length === 1;
      res.writeHead(200, gzip ? { 'content-encoding': 'gzip' } : {});
      res.end(bodies.shift());
    });
    const send = nodeHttpTransport();
    expect(JSON.parse(await (await send(`${url}/v1/a`, { method: 'GET', headers: {} })).text())).toEqual({
      ok: 1,
    });
    expect(JSON.parse(await (await send(`${url}/v1/b`, { method: 'GET', headers: {} })).text())).toEqual({
      ok: 2,
    });
  });

  it('reports a write whose connection drops mid-answer as unknown_outcome, sent exactly once', async () => {
    const { seen, url } = await serve((req, res) => {
      res.writeHead(201);
      res.write('{"data":');
      req.socket.destroy();
    });
    const client = createPartneroClient({ apiKey: 'k', baseUrl: `${url}/v1`, baseDelayMs: 0, maxDelayMs: 0 });
    const error = await failure(
      client.transactions.create({ key: 'order-1', customer: { key: 'bob' }, amount: 10, action: 'sale' }),
    );
    expect(isPartneroError(error) && error.code).toBe('unknown_outcome');
    expect(seen).toHaveLength(1);
  });

  it('retries an idempotent DELETE whose connection dropped mid-answer', async () => {
    let calls = 0;
    const { url } = await serve((req, res) => {
      calls++;
      if (calls === 1) {
        res.writeHead(200);
        res.write('{"da');
        req.socket.destroy();
        return;
      }
      res.writeHead(204);
      res.end();
    });
    const client = createPartneroClient({ apiKey: 'k', baseUrl: `${url}/v1`, baseDelayMs: 0, maxDelayMs: 0 });
    await client.customers.delete('alice');
    expect(calls).toBe(2);
  });
});
