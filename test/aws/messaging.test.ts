/**
 * SQS and EventBridge as far as the code relies on them, checked against moto:
 * - SQS: visibility timeout and redelivery, the receive count, the redrive policy's move to the DLQ
 *   (same message id), the consumer's own SendMessage calls (parking in the DLQ, a delayed re-enqueue)
 *   with their attributes and checksums, and the errors of stale receipt handles; the same sequence of
 *   calls against our local endpoint and moto, answers compared. (Partial batch failures belong to
 *   Lambda's event source mapping, which moto cannot run: test/integration/local covers them in our twin.)
 * - EventBridge: the stack's order rule and a rule on the webhook source, put in moto with PutRule and
 *   an SQS target; the same PutEvents entries (matching and not) go to moto and to our local bus, and
 *   both must deliver exactly the matching ones.
 */
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { SQSRecord } from 'aws-lambda';
import { eventBridgeService } from '#local/aws/eventbridge.js';
import { QueueRegistry } from '#local/aws/queue-registry.js';
import { createAwsEndpoint } from '#local/aws/server.js';
import { sqsService } from '#local/aws/sqs.js';
import { ActivityLog } from '#local/bus/activity-log.js';
import type { EventBridgeEvent } from '#local/bus/event.js';
import { LocalEventBus } from '#local/bus/event-bus.js';
import { orderRulePattern } from '#local/bus/order-rule.js';
import { LocalQueue } from '#local/bus/queue.js';
import { STACK_DEFAULTS } from '#local/config.js';
import { closeServer, listen } from '#local/listen.js';
import { parkMessageInput, requeueInput } from '#shared/order-events/send-back.js';
import { parseDelivery } from '#shared/webhooks/parse-delivery.js';
import { eventEntry } from '#shared/webhooks/publish.js';
import { describeWithTool, type MotoServer, startMoto } from '#test/support/moto-server.js';

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const REGION = 'us-east-1';
const MAX_RECEIVES = 2;
const BUS = 'referrals-test';
const { source, placedDetailType, refundedDetailType } = STACK_DEFAULTS.orderEvents;
const WEBHOOK_SOURCE = STACK_DEFAULTS.webhookEventSource;

/** One side: an SQS client and the URLs of a queue with a redrive policy to its DLQ. */
interface Side {
  sqs: SQSClient;
  queue: string;
  dlq: string;
}

/** What a received message tells, with the message id replaced by the label of the send that made it. */
const view = (ids: Map<string, string>) => (m: Message) => ({
  message: ids.get(m.MessageId ?? '') ?? `unknown id ${m.MessageId}`,
  body: m.Body,
  receiveCount: m.Attributes?.ApproximateReceiveCount,
  md5OfBody: m.MD5OfBody,
  md5OfMessageAttributes: m.MD5OfMessageAttributes,
  messageAttributes: m.MessageAttributes,
});

const errorName = (e: unknown) => (e as { name?: string }).name ?? String(e);

describeWithTool('moto_server', 'SQS and EventBridge against moto', () => {
  let moto: MotoServer;
  let twinServer: ReturnType<typeof createAwsEndpoint>;
  let twinUrl: string;
  let twinQueues: { queue: LocalQueue; dlq: LocalQueue };
  const twinDelivered: Record<string, EventBridgeEvent[]> = { orders: [], webhooks: [] };
  const clients: { destroy(): void }[] = [];

  beforeAll(async () => {
    moto = await startMoto();
    const registry = new QueueRegistry();
    const bus = new LocalEventBus(REGION, new ActivityLog());
    twinServer = createAwsEndpoint([sqsService(registry), eventBridgeService(bus)]);
    const port = await listen(twinServer.server, 0, '127.0.0.1', { what: 'twin', setting: '-' });
    twinUrl = `http://127.0.0.1:${port}`;
    const dlq = registry.add(new LocalQueue({ name: 'orders-dlq', endpointUrl: twinUrl, region: REGION }));
    const queue = registry.add(
      new LocalQueue({
        name: 'orders',
        endpointUrl: twinUrl,
        region: REGION,
        redrive: { deadLetterQueue: dlq, maxReceiveCount: MAX_RECEIVES },
      }),
    );
    twinQueues = { queue, dlq };
    bus.createBus(BUS);
    bus.addRule({
      name: 'orders',
      bus: BUS,
      pattern: orderRulePattern({ source, placedDetailType, refundedDetailType }),
      target: (event) => twinDelivered.orders?.push(event),
    });
    bus.addRule({
      name: 'webhooks',
      bus: BUS,
      pattern: { source: [WEBHOOK_SOURCE] },
      target: (event) => twinDelivered.webhooks?.push(event),
    });
  }, 60_000);

  afterAll(async () => {
    for (const client of clients) client.destroy();
    twinQueues?.queue.close();
    twinQueues?.dlq.close();
    if (twinServer) await closeServer(twinServer.server);
    await moto?.stop();
  });

  const sqsClient = (endpoint: string) => {
    const client = new SQSClient({ endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
    clients.push(client);
    return client;
  };

  async function motoSide(): Promise<Side> {
    const sqs = sqsClient(moto.url);
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'orders-dlq' }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'orders',
        Attributes: {
          VisibilityTimeout: '30',
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: Attributes?.QueueArn,
            maxReceiveCount: MAX_RECEIVES,
          }),
        },
      }),
    );
    return { sqs, queue: queue.QueueUrl as string, dlq: dlq.QueueUrl as string };
  }

  /**
   * The sequence the order pipeline puts a queue through, on one side; returns every answer, with
   * message ids and receipt handles replaced by labels.
   */
  async function sqsSequence(side: Side) {
    const ids = new Map<string, string>();
    const answers: Record<string, unknown> = {};
    const handles: Record<string, string> = {};
    const receive = async (label: string, url: string, visibility?: number) => {
      const out = await side.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          MessageAttributeNames: ['All'],
          ...(visibility === undefined ? {} : { VisibilityTimeout: visibility }),
        }),
      );
      const messages = out.Messages ?? [];
      for (const m of messages) handles[`${ids.get(m.MessageId ?? '')}@${label}`] = m.ReceiptHandle ?? '';
      answers[label] = messages.map(view(ids)).sort((a, b) => a.message.localeCompare(b.message));
    };
    const attempt = async (label: string, call: () => Promise<unknown>) => {
      answers[label] = await call().then(
        () => 'ok',
        (e: unknown) => errorName(e),
      );
    };
    const send = async (label: string, input: ConstructorParameters<typeof SendMessageCommand>[0]) => {
      const out = await side.sqs.send(new SendMessageCommand(input));
      ids.set(out.MessageId ?? '', label);
      answers[`send ${label}`] = {
        md5OfBody: out.MD5OfMessageBody,
        md5OfAttributes: out.MD5OfMessageAttributes,
      };
    };

    const orderEvent = JSON.stringify({
      source,
      'detail-type': placedDetailType,
      detail: { orderId: 'o-1' },
    });
    await send('m1', { QueueUrl: side.queue, MessageBody: orderEvent });
    await send('m2', {
      QueueUrl: side.queue,
      MessageBody: '{"refund":true}',
      MessageAttributes: { origin: { DataType: 'String', StringValue: 'shop' } },
    });
    await receive('first receive', side.queue);
    await receive('while hidden (visibility timeout 30 s)', side.queue);
    await attempt('m1 visible again (ChangeMessageVisibility 0)', () =>
      side.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: side.queue,
          ReceiptHandle: handles['m1@first receive'],
          VisibilityTimeout: 0,
        }),
      ),
    );
    await receive('redelivered, visible at once (VisibilityTimeout 0)', side.queue, 0);
    await attempt('delete m2 with its receipt handle', () =>
      side.sqs.send(
        new DeleteMessageCommand({ QueueUrl: side.queue, ReceiptHandle: handles['m2@first receive'] }),
      ),
    );
    await receive(`past maxReceiveCount ${MAX_RECEIVES}: moved to the DLQ`, side.queue);
    await receive('the DLQ (same message id)', side.dlq, 0);
    await attempt('ChangeMessageVisibility with a handle of a message now in the DLQ', () =>
      side.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: side.queue,
          ReceiptHandle: handles['m1@first receive'],
          VisibilityTimeout: 0,
        }),
      ),
    );
    // The consumer parks a message with its reason (shared/order-events/send-back.ts) …
    const record = {
      messageId: 'original-1',
      body: orderEvent,
      eventSourceARN: `arn:aws:sqs:${REGION}:000000000000:orders`,
      messageAttributes: {},
    } as unknown as SQSRecord;
    await send(
      'parked',
      parkMessageInput(side.dlq, record, { code: 'unknown_customer', reason: 'no such customer' }),
    );
    // … and re-enqueues a copy with a delay (shared/order-events/send-back.ts): not receivable before it.
    await send('requeued', requeueInput(side.queue, record, 900));
    await receive('the DLQ after parking', side.dlq);
    await receive('the queue while the copy is delayed', side.queue);
    return answers;
  }

  it('answers the pipeline’s SQS calls as moto does', async () => {
    const twin = await sqsSequence({
      sqs: sqsClient(twinUrl),
      queue: twinQueues.queue.url,
      dlq: twinQueues.dlq.url,
    });
    const other = await sqsSequence(await motoSide());
    expect(twin).toEqual(other);
    // The sequence did what it is meant to show.
    expect(twin['redelivered, visible at once (VisibilityTimeout 0)']).toEqual([
      expect.objectContaining({ message: 'm1', receiveCount: '2' }),
    ]);
    expect(twin['the DLQ (same message id)']).toEqual([expect.objectContaining({ message: 'm1' })]);
  });

  const entries = () => {
    const order = (detailType: string, overrides: Record<string, unknown> = {}) => ({
      EventBusName: BUS,
      Source: source,
      DetailType: detailType,
      Detail: JSON.stringify({ orderId: `o-${detailType}`, customerId: 'bob', amount: 100, currency: 'USD' }),
      ...overrides,
    });
    const webhook = (event: string) =>
      eventEntry(
        parseDelivery(
          Buffer.from(
            JSON.stringify({
              event,
              url: 'https://example.com/webhooks/partnero',
              webhook_key: 'whk_1',
              created_at: '2026-06-01T00:00:00Z',
              data: { key: 'alice' },
            }),
          ),
        ),
        { eventBusName: BUS, source: WEBHOOK_SOURCE },
      );
    return {
      'order placed': order(placedDetailType),
      'order refunded': order(refundedDetailType),
      'detail-type in other case': order(placedDetailType.toLowerCase()),
      'other detail-type': order('Order Shipped'),
      'source with a suffix': order(placedDetailType, { Source: `${source}.eu` }),
      'source in other case': order(placedDetailType, { Source: source.toUpperCase() }),
      'the default bus': order(placedDetailType, { EventBusName: undefined }),
      'webhook customer.rewarded': webhook('customer.rewarded'),
      'webhook transaction.created': webhook('transaction.created'),
      'webhook detail-type from another source': order('customer.rewarded', { Source: 'shop.crm' }),
    };
  };

  it('delivers what the order rule and the webhook-source rule match, and nothing else, as moto does', async () => {
    const events = new EventBridgeClient({ endpoint: moto.url, region: REGION, credentials: CREDENTIALS });
    clients.push(events);
    const sqs = sqsClient(moto.url);
    await events.send(new CreateEventBusCommand({ Name: BUS }));
    const targets: Record<string, string> = {};
    for (const [rule, pattern] of [
      ['orders', orderRulePattern({ source, placedDetailType, refundedDetailType })],
      ['webhooks', { source: [WEBHOOK_SOURCE] }],
    ] as const) {
      const queue = await sqs.send(new CreateQueueCommand({ QueueName: `rule-${rule}` }));
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      await events.send(
        new PutRuleCommand({ Name: rule, EventBusName: BUS, EventPattern: JSON.stringify(pattern) }),
      );
      await events.send(
        new PutTargetsCommand({
          Rule: rule,
          EventBusName: BUS,
          Targets: [{ Id: 'queue', Arn: Attributes?.QueueArn }],
        }),
      );
      targets[rule] = queue.QueueUrl as string;
    }
    const all = entries();
    const twinEvents = new EventBridgeClient({ endpoint: twinUrl, region: REGION, credentials: CREDENTIALS });
    clients.push(twinEvents);
    for (const client of [events, twinEvents]) {
      for (const entry of Object.values(all)) {
        const out = await client.send(new PutEventsCommand({ Entries: [entry] }));
        expect(out.FailedEntryCount).toBe(0);
      }
    }
    const labelOf = (e: { source?: string; 'detail-type'?: string; detail?: unknown }) =>
      Object.entries(all).find(
        ([, entry]) =>
          entry.Source === e.source &&
          entry.DetailType === e['detail-type'] &&
          JSON.stringify(JSON.parse(entry.Detail ?? '{}')) === JSON.stringify(e.detail) &&
          (entry.EventBusName ?? 'default') === BUS,
      )?.[0] ?? `unexpected ${JSON.stringify(e)}`;
    const motoDelivered: Record<string, string[]> = {};
    for (const [rule, url] of Object.entries(targets)) {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
      motoDelivered[rule] = (out.Messages ?? []).map((m) => labelOf(JSON.parse(m.Body ?? '{}'))).sort();
    }
    const twin = Object.fromEntries(
      Object.entries(twinDelivered).map(([rule, list]) => [rule, list.map(labelOf).sort()]),
    );
    expect(motoDelivered).toEqual({
      orders: ['order placed', 'order refunded'],
      webhooks: ['webhook customer.rewarded', 'webhook transaction.created'],
    });
    expect(twin).toEqual(motoDelivered);
  });
});
