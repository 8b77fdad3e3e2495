import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readRequestBody, sendJson } from '#local/http-util.js';
import { functionOfPort, recordAwsCall } from './call-recording.js';
import { AwsError, type AwsService, type Operation } from './json-protocol.js';

/** Calls per `X-Amz-Target` (e.g. `secretsmanager.GetSecretValue`), failed ones included. */
export type CallCounts = Record<string, number>;

const MAX_BODY_BYTES = 1024 * 1024;

/** How a reply is shaped for the service a request addressed. */
interface ReplyFormat {
  contentType: string;
  messageKey: string;
  requestId: string;
}

function sendAwsError(
  res: ServerResponse,
  error: AwsError,
  { contentType, messageKey, requestId }: ReplyFormat,
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

/** The request body as a JSON object, or the error to answer with when it is none. */
async function readJsonInput(req: IncomingMessage): Promise<Record<string, unknown> | AwsError> {
  try {
    const text = (await readRequestBody(req, MAX_BODY_BYTES)).toString('utf8');
    const parsed: unknown = text.trim() === '' ? {} : JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new SyntaxError('not an object');
    return parsed as Record<string, unknown>;
  } catch (e) {
    return e instanceof BodyTooLargeError
      ? new AwsError(413, 'RequestEntityTooLarge', 'Request body too large')
      : new AwsError(400, 'SerializationException', 'The request body is not a JSON object');
  }
}

async function runOperation(
  res: ServerResponse,
  operation: Operation,
  input: Record<string, unknown>,
  target: string,
  format: ReplyFormat,
) {
  try {
    const output = await operation(input);
    sendJson(res, 200, output ?? {}, {
      'content-type': format.contentType,
      'x-amzn-requestid': format.requestId,
    });
  } catch (e) {
    const error =
      e instanceof AwsError
        ? e
        : new AwsError(500, 'InternalFailure', 'Internal error in the local AWS endpoint');
    if (!(e instanceof AwsError)) console.error(`[local-aws] ${target} failed`, e);
    sendAwsError(res, error, format);
  }
}

/** Answers an AWS JSON-protocol request with the operation its `X-Amz-Target` names, counting the call. */
export function operationDispatcher(services: AwsService[], calls: CallCounts) {
  const byPrefix = new Map(services.map((s) => [s.targetPrefix, s]));
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const [prefix = '', operationName = ''] = target.split('.');
    const service = byPrefix.get(prefix);
    const format: ReplyFormat = {
      contentType: service ? `application/x-amz-json-${service.jsonVersion}` : 'application/x-amz-json-1.1',
      messageKey: service?.errorMessageKey ?? 'message',
      requestId: randomUUID(),
    };
    const operation =
      service && Object.hasOwn(service.operations, operationName)
        ? service.operations[operationName]
        : undefined;
    if (req.method !== 'POST' || !operation) {
      req.resume();
      const what = target ? `Operation ${target}` : 'A request without X-Amz-Target';
      const message = `${what} is not supported by the local AWS endpoint.`;
      return sendAwsError(res, new AwsError(400, 'UnknownOperationException', message), format);
    }
    calls[target] = (calls[target] ?? 0) + 1;
    const input = await readJsonInput(req);
    if (input instanceof AwsError) return sendAwsError(res, input, format);
    const caller = functionOfPort(req.socket.remotePort);
    recordAwsCall({ target, input, ...(caller ? { function: caller } : {}) });
    await runOperation(res, operation, input, target, format);
  };
}
