/** DynamoDB's errors as it spells them on the wire (`__type` and `message`). */
import { AwsError } from '#local/aws/json-protocol.js';

const DYNAMODB = 'com.amazonaws.dynamodb.v20120810';

export const validation = (message: string) =>
  new AwsError(400, 'com.amazon.coral.validate#ValidationException', message);

/** A parameter DynamoDB itself refuses ("One or more parameter values were invalid: ..."). */
export const invalidParameter = (message: string) =>
  validation(`One or more parameter values were invalid: ${message}`);

/** What this endpoint does not emulate: named, so a client relying on it is noticed. */
export const unsupported = (what: string) =>
  validation(`${what} is not supported by the local DynamoDB endpoint`);

export const tableNotFound = (table?: string) =>
  new AwsError(
    400,
    `${DYNAMODB}#ResourceNotFoundException`,
    table ? `Requested resource not found: Table: ${table} not found` : 'Requested resource not found',
  );

export const resourceInUse = (message: string) =>
  new AwsError(400, `${DYNAMODB}#ResourceInUseException`, message);

/** `Item` (the item as it was) only with ReturnValuesOnConditionCheckFailure=ALL_OLD. */
export const conditionalCheckFailed = (item?: Record<string, unknown>) =>
  new AwsError(
    400,
    `${DYNAMODB}#ConditionalCheckFailedException`,
    'The conditional request failed',
    undefined,
    item ? { Item: item } : undefined,
  );

export const throttled = () =>
  new AwsError(
    400,
    `${DYNAMODB}#ProvisionedThroughputExceededException`,
    'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  );

export const internalServerError = () =>
  new AwsError(500, `${DYNAMODB}#InternalServerError`, 'Internal server error');
