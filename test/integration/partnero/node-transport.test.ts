import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createPartneroClient, isPartneroError, nodeHttpTransport } from '#shared/partnero/index.js';

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
  return { seen, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
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

  it("stops at once when the caller's signal aborts mid-body", async () => {
    const controller = new AbortController();
    const { url } = await serve((_req, res) => {
      res.writeHead(200);
      res.write('{');
      controller.abort();
    });
    const send = nodeHttpTransport();
    await expect(
      send(`${url}/v1/x`, { method: 'GET', headers: {}, signal: controller.signal }),
    ).rejects.toBeDefined();
  });

  it('reports a connection dropped mid-answer as a network error, retried for a read', async () => {
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
