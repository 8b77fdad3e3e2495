import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { ActivityLog } from '#local/bus/activity-log.js';
import {
  DEFAULT_PORTS,
  DEMO_USERS,
  LOCAL_BUS_NAME,
  LOCAL_JWT_AUDIENCE,
  STACK_DEFAULTS,
} from '#local/config.js';
import { DemoShop } from '#local/gateway/demo-shop.js';
import { LocalIssuer } from '#local/gateway/jwt-issuer.js';
import { LocalGateway } from '#local/gateway/server.js';
import { closeServer, listen } from '#local/listen.js';
import { internalHost, publicHost } from './hosts.js';
import type { LocalSystemOptions, SystemSettings } from './options.js';
import { ORDER_EVENT_TYPES } from './order-queues.js';
import type { PartneroInUse } from './partnero.js';

const WEBHOOK_PATH = '/webhooks/partnero';

export interface ListeningGateway {
  gateway: LocalGateway;
  port: number;
  /** The demo page and the API, as people open them. */
  demoUrl: string;
  /** Where the sandbox delivers its webhooks. */
  webhookUrl: string;
  close(): Promise<void>;
}

export interface LiveGateway {
  issuer: LocalIssuer;
  orders: DemoShop;
  /** Destroys the demo order system's EventBridge client. */
  close(): void;
}

/** The public URL of the webhook route (the stack's `WebhookUrl` output). */
export const publicWebhookUrl = (demoUrl: string) => `${demoUrl}${WEBHOOK_PATH}`;

/**
 * The gateway listens before the parts that need its URL start: its port is part of the issuer URL,
 * the referral links and the webhook URL. It answers 503 until `activateGateway`.
 */
export async function startGateway(
  options: Pick<LocalSystemOptions, 'port' | 'corsOrigins' | 'onAccess' | 'onInvoke'>,
  { host, region, credentials }: SystemSettings,
  activity: ActivityLog,
): Promise<ListeningGateway> {
  const gateway = new LocalGateway({
    host,
    region,
    credentials,
    corsOrigins: [...STACK_DEFAULTS.corsOrigins, ...(options.corsOrigins ?? [])],
    log: activity,
    ...(options.onAccess ? { onAccess: options.onAccess } : {}),
    ...(options.onInvoke ? { onInvoke: options.onInvoke } : {}),
  });
  const port = await listen(gateway.server, options.port ?? DEFAULT_PORTS.gateway, host, {
    what: 'demo page and API gateway',
    setting: 'PORT=<port> or --port <port>',
  });
  const demoUrl = `http://${publicHost(host)}:${port}`;
  const internalUrl = `http://${internalHost(host)}:${port}`;
  gateway.allowOrigin(demoUrl);
  gateway.allowOrigin(internalUrl);
  return {
    gateway,
    port,
    demoUrl,
    webhookUrl: `${internalUrl}${WEBHOOK_PATH}`,
    close: () => closeServer(gateway.server),
  };
}

/** Makes the issuer and the demo order system, and the gateway starts answering. */
export async function activateGateway(
  { gateway, port, demoUrl }: ListeningGateway,
  {
    awsUrl,
    region,
    credentials,
    partnero,
  }: Pick<SystemSettings, 'region' | 'credentials'> & {
    awsUrl: string;
    partnero: Pick<PartneroInUse, 'apiUrl' | 'sandbox'>;
  },
): Promise<LiveGateway> {
  const issuer = await LocalIssuer.create(`${demoUrl}/local`, LOCAL_JWT_AUDIENCE);
  const eventBridge = new EventBridgeClient({ endpoint: awsUrl, region, credentials });
  const orders = new DemoShop(eventBridge, { busName: LOCAL_BUS_NAME, ...ORDER_EVENT_TYPES });
  gateway.activate({
    issuer,
    orders,
    port,
    // Without the sandbox, the page names the Partnero in use; its PartneroJS-compatible script (served
    // by the sandbox) is then missing, and a referral cookie has to be set by hand (docs/local.md).
    pageVars: {
      SANDBOX_URL: partnero.sandbox?.url ?? partnero.apiUrl,
      PARTNERO_NAME: partnero.sandbox ? 'the Partnero sandbox' : 'the Partnero API',
      // Another Partnero serves no sandbox script: an empty one, so the page loads without an error.
      PARTNERO_SCRIPT_URL: partnero.sandbox
        ? `${partnero.sandbox.url}/js/partnero.js`
        : 'data:text/javascript,',
    },
    pageConfig: {
      sandboxUrl: partnero.sandbox?.url ?? null,
      partneroApiUrl: partnero.apiUrl,
      issuer: issuer.issuer,
      busName: LOCAL_BUS_NAME,
      orderSource: ORDER_EVENT_TYPES.source,
      webhookSource: STACK_DEFAULTS.webhookEventSource,
      demoUsers: DEMO_USERS,
    },
  });
  return { issuer, orders, close: () => eventBridge.destroy() };
}
