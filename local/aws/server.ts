import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HOST_REFUSED_STATUS, hostRefusal, sendJson } from '#local/http-util.js';
import { listenHostOf } from '#local/listen.js';
import type { AwsService } from './json-protocol.js';
import { type CallCounts, operationDispatcher } from './operation-dispatch.js';

export type { CallCounts } from './operation-dispatch.js';

export interface AwsEndpoint {
  server: Server;
  calls: CallCounts;
  resetCalls(): void;
}

const describeServices = (services: AwsService[]) => ({
  name: 'referrals-local-aws',
  services: services.map((s) => ({
    name: s.name,
    target: s.targetPrefix,
    operations: Object.keys(s.operations),
  })),
});

/**
 * One endpoint for every local AWS service (as LocalStack does): requests are routed by their
 * `X-Amz-Target` header, so `AWS_ENDPOINT_URL_SECRETS_MANAGER`, `_EVENTBRIDGE` and `_SQS` can all
 * point here. Any credentials are accepted. `GET /_local/calls` reports the call counts (the
 * benchmark reads GetSecretValue's), `POST /_local/calls/reset` clears them.
 */
export function createAwsEndpoint(
  services: AwsService[],
  extraRoutes: Record<string, () => unknown> = {},
): AwsEndpoint {
  const calls: CallCounts = {};
  const resetCalls = () => {
    for (const key of Object.keys(calls)) delete calls[key];
  };
  const dispatch = operationDispatcher(services, calls);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // No DNS rebinding: only a Host that names this machine (docs/local.md, "Safety").
    const wrongHost = hostRefusal(req, listenHostOf(server));
    if (wrongHost) {
      req.resume();
      return sendJson(res, HOST_REFUSED_STATUS, { __type: 'MisdirectedRequest', message: wrongHost });
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && path === '/_local/calls') return sendJson(res, 200, calls);
    if (req.method === 'POST' && path === '/_local/calls/reset') {
      resetCalls();
      return sendJson(res, 200, calls);
    }
    const extra = req.method === 'GET' ? extraRoutes[path] : undefined;
    if (extra) return sendJson(res, 200, extra());
    if (req.method === 'GET' && path === '/') return sendJson(res, 200, describeServices(services));
    await dispatch(req, res);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      console.error('[local-aws] unexpected error', e);
      sendJson(res, 500, { __type: 'InternalFailure', message: 'Internal error' });
    });
  });
  return { server, calls, resetCalls };
}
