import type { PartneroFetch } from '#shared/partnero/index.js';

/** One request of the contract check as it went on the wire, with the answer as Partnero gave it. */
export interface Exchange {
  method: string;
  /** The path below the base URL (`/customers/abc`), as sent. */
  path: string;
  query: URLSearchParams;
  /** null: no answer (the connection failed or timed out). */
  status: number | null;
  /** The answer's JSON, or undefined when it had no body or no JSON. */
  body: unknown;
  text: string;
}

export interface Recorder {
  /** The transport to give the client: it passes every request on and records its answer. */
  fetch: PartneroFetch;
  log: Exchange[];
}

function parse(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Wraps a transport so every answer the client reads is also kept raw: the checks look at the fields
 * Partnero actually sent, not only at what the client made of them.
 */
export function recordingFetch(inner: PartneroFetch, baseUrl: string): Recorder {
  const basePath = new URL(baseUrl.replace(/\/+$/, '')).pathname.replace(/\/+$/, '');
  const log: Exchange[] = [];
  const fetch: PartneroFetch = async (url, init) => {
    const target = new URL(url);
    const path = target.pathname.startsWith(basePath)
      ? target.pathname.slice(basePath.length)
      : target.pathname;
    const entry: Exchange = {
      method: init.method,
      path,
      query: target.searchParams,
      status: null,
      body: undefined,
      text: '',
    };
    log.push(entry);
    const res = await inner(url, init);
    const text = await res.text();
    entry.status = res.status;
    entry.text = text;
    entry.body = parse(text);
    return { status: res.status, headers: res.headers, text: async () => text };
  };
  return { fetch, log };
}
