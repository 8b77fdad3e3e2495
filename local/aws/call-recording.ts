/**
 * Which function made each AWS call the local endpoint serves, for the IAM proof (test/aws/iam): every
 * call is evaluated against that function's policy in the synthesized stack.
 *
 * The functions run in this process, so an invocation runs inside `invocationScope` (local/functions.ts).
 * When its SDK client opens an HTTP request, the request's socket is tagged with the function's name;
 * the endpoint, serving the request on the other end of that socket (same process), reads the tag by
 * the client's port. A socket carries one request at a time (no pipelining), and the tag is set before
 * the request's bytes can be read, so each call gets its own invocation's name. Calls made outside any
 * invocation (the demo shop, a test's own client) carry none.
 *
 * Listeners get every call (`onAwsCall`); with `LOCAL_AWS_CALL_LOG=<file>` each call is also appended
 * to that file as one JSON line, so a whole test or e2e run can be checked afterwards.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { type Channel, channel, subscribe } from 'node:diagnostics_channel';
import { appendFileSync } from 'node:fs';
import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';

/**
 * The tagging state, one per process, kept on the diagnostics channel itself: the channel is
 * process-wide, while a test runner may load this module once per test file, each in its own global
 * scope; a subscriber per load would add its own listener to every socket.
 */
interface Tagging {
  scope: AsyncLocalStorage<string>;
  /**
   * Client port → the socket of ours bound to it and the function whose request it carries. The socket is
   * kept so a tag dies with it: once ours is closed, another process (a CLI the test spawned) may connect
   * from the same port, and its calls are no function's.
   */
  tags: Map<number, { socket: Socket; name: string }>;
  /** The name a still-connecting socket gets once connected (the last request queued on it wins). */
  connecting: WeakMap<Socket, string>;
}
const TAGGING = Symbol.for('partnero-referrals.local.call-recording');
const requestStart = channel('http.client.request.start') as Channel & { [TAGGING]?: Tagging };
const firstLoad = requestStart[TAGGING] === undefined;
if (firstLoad)
  requestStart[TAGGING] = {
    scope: new AsyncLocalStorage<string>(),
    tags: new Map(),
    connecting: new WeakMap(),
  };
const tagging = requestStart[TAGGING] as Tagging;

/** The function (LOCAL_FUNCTIONS key, e.g. `orderConsumer`) an invocation runs. */
export const invocationScope = tagging.scope;

export interface RecordedCall {
  /** `X-Amz-Target`, e.g. `DynamoDB_20120810.UpdateItem`. */
  target: string;
  /** The function whose invocation made the call; absent outside any invocation. */
  function?: string;
  /** The request as sent (the partition keys, table, queue URL, event sources are read from it). */
  input: Record<string, unknown>;
}

function tag(socket: Socket, name: string): void {
  const { connecting } = tagging;
  if (socket.localPort !== undefined && !socket.connecting) {
    setTag(socket, name);
    return;
  }
  // One listener per socket, however many requests queue on it before it connects.
  const listening = connecting.has(socket);
  connecting.set(socket, name);
  if (listening) return;
  socket.once('connect', () => {
    const last = connecting.get(socket);
    connecting.delete(socket);
    if (last !== undefined) setTag(socket, last);
  });
}

function setTag(socket: Socket, name: string): void {
  const port = socket.localPort;
  if (port === undefined) return;
  const { tags } = tagging;
  const known = tags.get(port)?.socket === socket;
  tags.set(port, { socket, name });
  if (!known) socket.once('close', () => tags.get(port)?.socket === socket && tags.delete(port));
}

if (firstLoad) {
  subscribe('http.client.request.start', (message) => {
    const request = (message as { request: ClientRequest }).request;
    const name = tagging.scope.getStore() ?? '';
    if (request.socket) tag(request.socket, name);
    else request.once('socket', (socket: Socket) => tag(socket, name));
  });
}

/** The function that sent the request arriving from `remotePort` on this host, if any. */
export function functionOfPort(remotePort: number | undefined): string | undefined {
  const tagged = remotePort === undefined ? undefined : tagging.tags.get(remotePort);
  // A destroyed socket of ours no longer holds its port: a request from it now is another process's.
  if (!tagged || tagged.socket.destroyed || tagged.socket.localPort !== remotePort) return undefined;
  return tagged.name || undefined;
}

const listeners = new Set<(call: RecordedCall) => void>();

/** Calls `listener` with every call the local endpoint serves; returns the unsubscribe. */
export function onAwsCall(listener: (call: RecordedCall) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function recordAwsCall(call: RecordedCall): void {
  for (const listener of listeners) listener(call);
  const file = process.env.LOCAL_AWS_CALL_LOG;
  if (file) appendFileSync(file, `${JSON.stringify(call)}\n`);
}
