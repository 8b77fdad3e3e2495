import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DEFAULT_PORTS } from '#local/config.js';
import { PortInUseError } from '#local/listen.js';
import { type RunningSandbox, startSandbox } from '#local/sandbox/index.js';
import type { LocalSystemOptions } from './options.js';

/**
 * The Partnero sandbox, linked to the gateway: its referral links point at the demo page, and (when the
 * system starts connected) it subscribes the gateway's webhook route to every refer-a-friend event,
 * signed with `webhookSecret`, as `npm run connect` would have.
 */
export async function startLinkedSandbox(
  options: Pick<LocalSystemOptions, 'sandboxPort' | 'stateFile' | 'sandbox'>,
  { demoUrl, webhookUrl }: { demoUrl: string; webhookUrl: string },
  { host, webhookSecret, connected }: { host: string; webhookSecret: string; connected: boolean },
): Promise<RunningSandbox> {
  const port = options.sandboxPort ?? DEFAULT_PORTS.sandbox;
  const tuning = options.sandbox ?? {};
  if (options.stateFile) mkdirSync(dirname(options.stateFile), { recursive: true });
  return startSandbox({
    host,
    port,
    siteUrl: `${demoUrl}/`,
    ...(options.stateFile ? { stateFile: options.stateFile } : {}),
    ...(tuning.rewardPercent === undefined ? {} : { rewardPercent: tuning.rewardPercent }),
    ...(tuning.referralPoints === undefined ? {} : { referralPoints: tuning.referralPoints }),
    ...(tuning.variants === undefined ? {} : { variants: tuning.variants }),
    ...(tuning.seed === undefined ? {} : { seed: tuning.seed }),
    ...(tuning.program === undefined ? {} : { program: tuning.program }),
    webhooks: {
      urls: connected ? [webhookUrl] : [],
      secret: webhookSecret,
      ...(tuning.webhookBaseDelayMs === undefined ? {} : { baseDelayMs: tuning.webhookBaseDelayMs }),
    },
  }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EADDRINUSE') throw e;
    throw new PortInUseError(port, 'Partnero sandbox', 'SANDBOX_PORT=<port> or --sandbox-port <port>');
  });
}
