import type { RunningSandbox } from '#local/sandbox/index.js';
import type { LocalSystemOptions } from './options.js';
import { startLinkedSandbox } from './sandbox.js';

/** The Partnero the functions call: the embedded sandbox, or another one (`partnero` option). */
export interface PartneroInUse {
  apiUrl: string;
  apiKey: string;
  /** The sandbox, when it is the one in use. */
  sandbox?: RunningSandbox;
  close(): Promise<void>;
}

/** Starts the linked sandbox, unless the options name another Partnero (then nothing starts). */
export async function startPartnero(
  options: Pick<LocalSystemOptions, 'sandboxPort' | 'stateFile' | 'sandbox' | 'partnero'>,
  gateway: { demoUrl: string; webhookUrl: string },
  settings: { host: string; webhookSecret: string; connected: boolean },
): Promise<PartneroInUse> {
  if (options.partnero) {
    const { apiUrl, apiKey } = options.partnero;
    return { apiUrl: apiUrl.replace(/\/+$/, ''), apiKey, close: async () => {} };
  }
  const sandbox = await startLinkedSandbox(options, gateway, settings);
  return { apiUrl: sandbox.apiUrl, apiKey: sandbox.apiKey, sandbox, close: () => sandbox.close() };
}

/** What a sandbox-only part of the system throws when another Partnero is in use. */
export class NoSandboxError extends Error {
  override readonly name = 'NoSandboxError';
  constructor(what: string, apiUrl: string) {
    super(`${what} belongs to the Partnero sandbox, which does not run: this local system uses ${apiUrl}`);
  }
}
