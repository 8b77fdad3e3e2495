import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BodyTooLargeError, readRequestBody, sendJson } from '#local/http-util.js';
import { AwsError, type AwsService } from './json-protocol.js';

/** Calls per `X-Amz-Target` (e.g. `secretsmanager.GetSecretValue`), failed ones included. */
export type CallCounts = Record<string, number>;

export interface AwsEndpoint {
  server: Server;
  calls: CallCounts;
  resetCalls(): void;
}

const MAX_BODY_BYTES = 1024 * 1024;

function sendAwsError(
  res: ServerResponse,
  contentType: string,
  error: AwsError,
  messageKey: string,
  requestId: string,
) {
  sendJson(
    res,
    error.status,
    { ...error.fields, __type: error.type, [messageKey]: error.message },
    {
      'content-type': contentType,
      'x-amzn-requestid': requestId,
      ...(error.queryError ? { 'x-amzn-query-error': error.queryError } : {}),
    },
  );
}

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
  const byPrefix = new Map(services.map((s) => [s.targetPrefix, s]));
  const calls: CallCounts = {};

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && path === '/_local/calls') return sendJson(res, 200, calls);
    if (req.method === 'POST' && path === '/_local/calls/reset') {
      for (const key of Object.keys(calls)) delete calls[key];
      return sendJson(res, 200, calls);
    }
    const extra = req.method === 'GET' ? extraRoutes[path] : undefined;
    if (extra) return sendJson(res, 200, extra());
    if (req.method === 'GET' && path === '/') {
      return sendJson(res, 200, {
        name: 'referrals-local-aws',
        services: services.map((s) => ({
          name: s.name,
          target: s.targetPrefix,
          operations: Object.keys(s.operations),
        })),
      });
    }

    const target = String(req.headers['x-amz-target'] ?? '');
    const [prefix = '', operationName = ''] = target.split('.');
    const service = byPrefix.get(prefix);
    const contentType = service
      ? `application/x-amz-json-${service.jsonVersion}`
      : 'application/x-amz-json-1.1';
    const messageKey = service?.errorMessageKey ?? 'message';
    const operation =
      service && Object.hasOwn(service.operations, operationName)
        ? service.operations[operationName]
        : undefined;
    if (req.method !== 'POST' || !operation) {
      req.resume();
      const what = target ? `Operation ${target}` : 'A request without X-Amz-Target';
      return sendAwsError(
        res,
        contentType,
        new AwsError(400, 'UnknownOperationException', `${what} is not supported by the local AWS endpoint.`),
        messageKey,
        requestId,
      );
    }
    calls[target] = (calls[target] ?? 0) + 1;

    let input: Record<string, unknown>;
    try {
      const text = (await readRequestBody(req, MAX_BODY_BYTES)).toString('utf8');
      const parsed: unknown = text.trim() === '' ? {} : JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new SyntaxError('not an object');
      input = parsed as Record<string, unknown>;
    } catch (e) {
      const error =
        e instanceof BodyTooLargeError
          ? new AwsError(413, 'RequestEntityTooLarge', 'Request body too large')
          : new AwsError(400, 'SerializationException', 'The request body is not a JSON object');
      return sendAwsError(res, contentType, error, messageKey, requestId);
    }

    try {
      const output = await operation(input);
      sendJson(res, 200, output ?? {}, { 'content-type': contentType, 'x-amzn-requestid': requestId });
    } catch (e) {
      const error =
        e instanceof AwsError
          ? e
          : new AwsError(500, 'InternalFailure', 'Internal error in the local AWS endpoint');
      if (!(e instanceof AwsError)) console.error(`[local-aws] ${target} failed`, e);
      sendAwsError(res, contentType, error, messageKey, requestId);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      console.error('[local-aws] unexpected error', e);
      sendJson(res, 500, { __type: 'InternalFailure', message: 'Internal error' });
    });
  });
  return {
    server,
    calls,
    resetCalls: () => {
      for (const key of Object.keys(calls)) delete calls[key];
    },
  };
}
