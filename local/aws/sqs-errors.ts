import { AwsError } from './json-protocol.js';

/** SQS's errors (JSON 1.0, query-compatible: each also names its legacy code). */
export const nonExistentQueue = () =>
  new AwsError(
    400,
    'com.amazonaws.sqs#QueueDoesNotExist',
    'The specified queue does not exist.',
    'AWS.SimpleQueueService.NonExistentQueue;Sender',
  );

export const invalidParameter = (message: string) =>
  new AwsError(400, 'com.amazonaws.sqs#InvalidParameterValue', message, 'InvalidParameterValue;Sender');

export const missingParameter = (message: string) =>
  new AwsError(400, 'com.amazonaws.sqs#MissingParameter', message, 'MissingParameter;Sender');

export const invalidReceiptHandle = () =>
  new AwsError(
    400,
    'com.amazonaws.sqs#ReceiptHandleIsInvalid',
    'The input receipt handle is invalid.',
    'ReceiptHandleIsInvalid;Sender',
  );
