/**
 * A recorded AWS call as the IAM requests AWS would authorize: the action, the resource ARN and the
 * condition keys the stack's policies use (`dynamodb:LeadingKeys`, `events:source`). TransactWriteItems
 * is authorized per contained action, PutEvents per entry.
 */
import type { RecordedCall } from '#local/aws/call-recording.js';
import { SWEEP_INDEX } from '#shared/orders/ledger-store.js';
import { busArn, queueArn, secretArn, tableArn } from './stack-policies.js';

export interface IamRequest {
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
  /** One line saying what the call was, for failure messages. */
  describe: string;
}

type Input = Record<string, unknown>;
type Value = { S?: string; N?: string };

/** The partition key attribute of each table and index the code uses. */
const PARTITION_KEYS: Record<string, string> = { '': 'id', [SWEEP_INDEX]: 'sweepShard' };

const text = (value: unknown) => {
  const v = value as Value | undefined;
  return v?.S ?? v?.N;
};

/** The partition key value of a Query: the `<key> = :value` part of its KeyConditionExpression. */
function queriedPartition(input: Input): string[] {
  const key = PARTITION_KEYS[String(input.IndexName ?? '')];
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  const expression = String(input.KeyConditionExpression ?? '');
  for (const [, name, value] of expression.matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
    const attribute = name?.startsWith('#') ? names[name] : name;
    if (attribute === key) return [text(values[value as string]) ?? ''];
  }
  throw new Error(`cannot find the partition key ${key} in the Query ${JSON.stringify(input)}`);
}

function dynamo(operation: string, input: Input): { action: string; input: Input; keys: string[] }[] {
  if (operation === 'TransactWriteItems') {
    const kinds: Record<string, string> = {
      Put: 'PutItem',
      Update: 'UpdateItem',
      Delete: 'DeleteItem',
      ConditionCheck: 'ConditionCheckItem',
    };
    return (input.TransactItems as Record<string, Input>[]).flatMap((item) =>
      Object.entries(item).flatMap(([kind, action]) => dynamo(kinds[kind] ?? kind, action)),
    );
  }
  if (operation === 'PutItem')
    return [{ action: operation, input, keys: [text((input.Item as Input).id) ?? ''] }];
  if (['GetItem', 'UpdateItem', 'DeleteItem', 'ConditionCheckItem'].includes(operation))
    return [{ action: operation, input, keys: [text((input.Key as Input).id) ?? ''] }];
  if (operation === 'Query') return [{ action: operation, input, keys: queriedPartition(input) }];
  // Scan, batch and control-plane calls: no partition key to check (the policies grant none of them).
  return [{ action: operation, input, keys: [] }];
}

const queueName = (url: unknown) => String(url).split('/').pop() ?? '';
/** A secret's name, from its name or ARN (whose last six characters after a dash are random). */
function secretName(id: unknown): string {
  const value = String(id);
  if (!value.startsWith('arn:')) return value;
  return value.replace(/^arn:[^:]+:secretsmanager:[^:]*:\d{12}:secret:/, '').replace(/-[A-Za-z0-9]{6}$/, '');
}

/** The IAM requests one recorded call makes. */
export function iamRequests(call: RecordedCall): IamRequest[] {
  const [prefix = '', operation = ''] = call.target.split('.');
  const input = call.input;
  if (prefix === 'DynamoDB_20120810') {
    return dynamo(operation, input).map(({ action, input: part, keys }) => {
      const index = part.IndexName ? `/index/${String(part.IndexName)}` : '';
      return {
        action: `dynamodb:${action}`,
        resource: `${tableArn(String(part.TableName))}${index}`,
        context: (keys.length ? { 'dynamodb:LeadingKeys': keys } : {}) as IamRequest['context'],
        describe: `dynamodb:${action} on ${String(part.TableName)}${index}${keys.length ? ` with partition key ${keys.join(', ')}` : ''}`,
      };
    });
  }
  if (prefix === 'AWSEvents' && operation === 'PutEvents') {
    // One request per bus, with every entry's source and detail-type (both keys are multivalued).
    const byBus = new Map<string, Input[]>();
    for (const entry of input.Entries as Input[]) {
      const bus = String(entry.EventBusName ?? 'default').replace(/^arn:.*:event-bus\//, '');
      byBus.set(bus, [...(byBus.get(bus) ?? []), entry]);
    }
    return [...byBus].map(([bus, entries]) => {
      const sources = [...new Set(entries.map((e) => String(e.Source)))];
      return {
        action: 'events:PutEvents',
        resource: busArn(bus),
        context: {
          'events:source': sources,
          'events:detail-type': [...new Set(entries.map((e) => String(e.DetailType)))],
        },
        describe: `events:PutEvents on bus ${bus} with source ${sources.join(', ')}`,
      };
    });
  }
  if (prefix === 'AmazonSQS') {
    const name = operation === 'GetQueueUrl' ? String(input.QueueName) : queueName(input.QueueUrl);
    return [
      {
        action: `sqs:${operation}`,
        resource: queueArn(name),
        context: {},
        describe: `sqs:${operation} on ${name}`,
      },
    ];
  }
  if (prefix === 'secretsmanager') {
    const name = secretName(input.SecretId);
    return [
      {
        action: `secretsmanager:${operation}`,
        resource: secretArn(name),
        context: {},
        describe: `secretsmanager:${operation} on ${name}`,
      },
    ];
  }
  throw new Error(`no IAM mapping for ${call.target}`);
}
