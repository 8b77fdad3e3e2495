import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { FunctionName } from '#local/functions.js';
import { type LocalSystem, type LocalSystemOptions, startLocalSystem } from '#local/system.js';
import { sandboxMode } from '#test/support/sandbox-mode.js';

/** The parts of an API Gateway event's requestContext the tests read. */
export interface EventContext extends Record<string, unknown> {
  requestId: string;
  time: string;
  timeEpoch: number;
  authorizer?: {
    jwt?: { claims: Record<string, string>; scopes: string[] | null };
    iam?: Record<string, unknown>;
  };
}

export interface Invocation {
  fn: FunctionName;
  event: Record<string, unknown> & {
    headers?: Record<string, string>;
    requestContext?: EventContext;
  };
}

/** A local system on ephemeral ports with a fast pipeline (short batching window and retry delay). */
export async function startTestSystem(options: Partial<LocalSystemOptions> = {}) {
  const invocations: Invocation[] = [];
  const system = await startLocalSystem({
    port: 0,
    sandboxPort: 0,
    awsPort: 0,
    orderPipeline: { maxBatchingWindowMs: 50, retryDelayMs: 100 },
    sandbox: { webhookBaseDelayMs: 50, ...sandboxMode() },
    // Tests poll dashboards far more often than a person: the per-account limit is not what they check.
    partneroBudget: { callsPerSecond: 10_000, customerCallsPerMinute: 100_000 },
    onInvoke: (fn, event) => invocations.push({ fn, event: event as Invocation['event'] }),
    ...options,
  });
  const lastInvocation = (fn: FunctionName) => invocations.filter((i) => i.fn === fn).at(-1);
  /** The event of the latest invocation of `fn`; throws when there was none. */
  const lastEvent = (fn: FunctionName) => {
    const found = lastInvocation(fn);
    if (!found) throw new Error(`${fn} was not invoked`);
    return found.event;
  };
  return { system, invocations, lastInvocation, lastEvent };
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers field by field
  body: any;
  text: string;
}

/** A request to the gateway (the API and /local routes), JSON in and out. */
export async function call(
  system: LocalSystem,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | Uint8Array<ArrayBuffer> | undefined =
    typeof options.rawBody === 'string' || options.rawBody === undefined
      ? options.rawBody
      : new Uint8Array(options.rawBody);
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${system.urls.api}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

export async function login(system: LocalSystem, user: { user_id: string; email?: string; name?: string }) {
  const res = await call(system, 'POST', '/local/login', { body: user });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
  return res.body.token as string;
}

export interface SignOptions {
  body?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  region?: string;
  service?: string;
  signingDate?: Date;
}

/** A SigV4-signed request (service execute-api), as the AWS SDKs and Signature V4 clients make it. */
export async function signedRequest(
  system: LocalSystem,
  method: string,
  path: string,
  options: SignOptions = {},
) {
  const url = new URL(`${system.urls.api}${path}`);
  const signer = new SignatureV4({
    credentials: options.credentials ?? system.credentials,
    region: options.region ?? system.region,
    service: options.service ?? 'execute-api',
    sha256: Sha256,
  });
  const signed = await signer.sign(
    {
      method,
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: options.query ?? {},
      headers: {
        host: url.host,
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { body: options.body }),
    },
    options.signingDate ? { signingDate: options.signingDate } : {},
  );
  const qs = new URLSearchParams(options.query ?? {}).toString().replace(/\+/g, '%20');
  return {
    url: `${url.origin}${url.pathname}${qs ? `?${qs}` : ''}`,
    init: {
      method,
      headers: signed.headers as Record<string, string>,
      ...(options.body === undefined ? {} : { body: options.body }),
    },
  };
}

export async function send(request: { url: string; init: RequestInit }): Promise<CallResult> {
  const res = await fetch(request.url, request.init);
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body, text };
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 25_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
