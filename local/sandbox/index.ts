import type { AddressInfo } from 'node:net';
import { Faults } from './controls.js';
import type { Sandbox, SandboxConfig } from './http.js';
import { seededRandom } from './random.js';
import { createSandboxServer } from './server.js';
import { Store } from './store.js';
import { type WebhookOptions, Webhooks } from './webhooks.js';

export { sandboxClient } from './client.js';
export { seededRandom } from './random.js';
export { Store } from './store.js';
export type { Delivery, WebhookOptions } from './webhooks.js';
export { sign as signWebhookBody } from './webhooks.js';

export interface SandboxOptions {
  apiKey?: string;
  host?: string;
  port?: number;
  siteUrl?: string;
  rewardPercent?: number;
  referralParam?: string;
  cookieDays?: number;
  stateFile?: string;
  webhooks?: WebhookOptions;
  /** Seed for fault injection's random choices (default: Math.random). */
  seed?: number;
}

export interface RunningSandbox {
  url: string;
  apiUrl: string;
  apiKey: string;
  store: Store;
  close(): Promise<void>;
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<RunningSandbox> {
  const config: SandboxConfig = {
    apiKey: opts.apiKey ?? 'sandbox_secret_key',
    siteUrl: opts.siteUrl ?? 'http://localhost:3000/',
    rewardPercent: opts.rewardPercent ?? 10,
    referralParam: opts.referralParam ?? 'ref',
    cookieDays: opts.cookieDays ?? 30,
  };
  const store = new Store(opts.stateFile);
  const webhooks = new Webhooks(opts.webhooks);
  const faults = new Faults(opts.seed === undefined ? Math.random : seededRandom(opts.seed));
  const sb: Sandbox = {
    store,
    config,
    webhooks,
    faults,
    url: '',
    reset() {
      store.reset();
      webhooks.reset();
      faults.clear();
      faults.latencyMs = 0;
    },
  };
  const server = createSandboxServer(sb);
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  sb.url = `http://${displayHost(host)}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url: sb.url,
    apiUrl: `${sb.url}/v1`,
    apiKey: config.apiKey,
    store,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        webhooks.stop();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
