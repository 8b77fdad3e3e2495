import { jest } from '@jest/globals';
import { createPartneroClient, type PartneroClientOptions } from '#shared/partnero/index.js';

export const KEY = 'sk_test_SECRET_0123456789';
export const BASE = 'https://api.partnero.com/v1';

export interface Call {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: unknown;
  signal: AbortSignal;
}

/** A reply: a Response, an error to throw, or a function of the call. */
export type Reply = Response | Error | ((call: Call) => Response | Promise<Response>);

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

export function ok(data: unknown, status = 200): Response {
  return json(status, { status: 1, data });
}

export const noContent = (): Response => new Response(null, { status: 204 });

/** Never settles until the request's signal aborts, then rejects like fetch does. */
export function hang(call: Call): Promise<Response> {
  return new Promise((_, reject) => {
    call.signal.addEventListener('abort', () => reject(call.signal.reason), { once: true });
  });
}

/** A fetch that answers with the given replies in order and records every call. */
export function fakeFetch(...replies: Reply[]) {
  const calls: Call[] = [];
  const fetch = jest.fn(async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const call: Call = {
      url: new URL(String(input)),
      method: init?.method ?? 'GET',
      headers: { ...(init?.headers as Record<string, string>) },
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
      signal: init?.signal as AbortSignal,
    };
    calls.push(call);
    const reply = replies.shift();
    if (reply === undefined) throw new Error(`unexpected request ${call.method} ${call.url}`);
    if (reply instanceof Error) throw reply;
    return typeof reply === 'function' ? reply(call) : reply;
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls };
}

/** A client with instant, deterministic sleep and jitter. */
export function setup(replies: Reply[], opts: Partial<PartneroClientOptions> = {}) {
  const { fetch, calls } = fakeFetch(...replies);
  const sleep = jest.fn(async (_ms: number, _signal?: AbortSignal) => {});
  const client = createPartneroClient({ apiKey: KEY, fetch, sleep, random: () => 0.5, ...opts });
  return { client, calls, sleep };
}

/** Runs a promise expected to reject and returns the rejection. */
export async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail');
}
