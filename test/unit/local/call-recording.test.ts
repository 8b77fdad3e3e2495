import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { functionOfPort, invocationScope } from '#local/aws/call-recording.js';

/**
 * A server that answers each request with the function `functionOfPort` names for its client port,
 * and closes the connection itself (so the client's port is free at once, with no TIME_WAIT on it).
 */
async function namingServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    req.resume();
    const name = functionOfPort(req.socket.remotePort) ?? '(none)';
    res.writeHead(200, { connection: 'close', 'content-length': Buffer.byteLength(name) }).end(name);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

/** One request over Node's HTTP client, as the SDK sends it: its body, and the client port it used. */
async function viaHttpClient(port: number): Promise<{ name: string; clientPort: number }> {
  const req = request({ host: '127.0.0.1', port, method: 'POST', agent: false });
  const clientPort = new Promise<number>((resolve) =>
    req.once('socket', (socket) => socket.once('connect', () => resolve(socket.localPort as number))),
  );
  req.end('{}');
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let name = '';
  for await (const chunk of res) name += chunk;
  await once(req.socket as NonNullable<typeof req.socket>, 'close');
  return { name, clientPort: await clientPort };
}

/** A request over a bare socket bound to `localPort`: what another process's client looks like here. */
async function fromOtherClient(port: number, localPort: number): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1', localPort });
  socket.end('POST / HTTP/1.1\r\nhost: local\r\ncontent-length: 0\r\n\r\n');
  let answer = '';
  for await (const chunk of socket) answer += chunk;
  return answer.slice(answer.indexOf('\r\n\r\n') + 4);
}

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

describe('which function made a call to the local endpoint', () => {
  it('is the invocation whose scope sent the request, and none outside any invocation', async () => {
    const { server, port } = await namingServer();
    servers.push(server);
    expect((await invocationScope.run('signup', () => viaHttpClient(port))).name).toBe('signup');
    expect((await viaHttpClient(port)).name).toBe('(none)');
  });

  it('dies with the socket: another client later connecting from the same port is no function', async () => {
    const { server, port } = await namingServer();
    servers.push(server);
    const { name, clientPort } = await invocationScope.run('me', () => viaHttpClient(port));
    expect(name).toBe('me');
    // A CLI spawned by a test reached the endpoint from a port a function's socket had used before.
    expect(await fromOtherClient(port, clientPort)).toBe('(none)');
  });
});
