/**
 * The AWS JSON protocols (awsJson1_0 / awsJson1_1): a POST to `/` with `X-Amz-Target:
 * <TargetPrefix>.<Operation>` and a JSON body; errors are `{"__type": ..., "message": ...}` with a
 * 4xx/5xx status. SQS (JSON 1.0, query-compatible) also names its legacy error code in
 * `x-amzn-query-error`.
 */

export type Operation = (input: Record<string, unknown>) => unknown | Promise<unknown>;

export interface AwsService {
  /** Shown in logs and `/_local/calls`, e.g. `secretsmanager`. */
  name: string;
  /** The part of X-Amz-Target before the dot, e.g. `secretsmanager`, `AWSEvents`, `AmazonSQS`. */
  targetPrefix: string;
  jsonVersion: '1.0' | '1.1';
  operations: Record<string, Operation>;
  /** Secrets Manager spells it `Message`; most services `message`. @default 'message' */
  errorMessageKey?: 'message' | 'Message';
}

export class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    /** `x-amzn-query-error` value for query-compatible services, e.g. `AWS.SimpleQueueService.NonExistentQueue;Sender`. */
    readonly queryError?: string,
    /** More members of the error body, e.g. DynamoDB's `Item` on a ConditionalCheckFailedException. */
    readonly fields?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const validationError = (message: string) => new AwsError(400, 'ValidationException', message);

export function requireString(
  input: Record<string, unknown>,
  field: string,
  error = validationError,
): string {
  const value = input[field];
  if (typeof value !== 'string' || value === '') {
    throw error(
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}
