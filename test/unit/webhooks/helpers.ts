import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { signBody } from '#shared/webhooks/index.js';
import { httpEvent } from '#test/support/events.js';

export const SECRET = 'whsec_test';
export const BUS = 'test-bus';

let counter = 0;

/** A Partnero-shaped payload with a fresh `webhook_key` and a current `created_at`. */
export function payload(overrides: Record<string, unknown> = {}, now = Date.now()) {
  counter += 1;
  return {
    event: 'reward.approved',
    data: { customer_key: 'bob', amount: 2, amount_units: 'usd', status: 'approved' },
    created_at: new Date(now).toISOString(),
    webhook_key: `whk_${now}_${counter}`,
    ...overrides,
  };
}

export interface SignOptions {
  secret?: string;
  /** Header to carry the signature (default `Signature`). */
  header?: string;
  /** Overrides the computed signature (or `null` for none). */
  signature?: string | null;
  base64?: boolean;
}

/** An API Gateway v2 event for `POST /webhooks/partnero` whose body is `body` exactly, signed as asked. */
export function signedEvent(body: string | object, options: SignOptions = {}): APIGatewayProxyEventV2 {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const signature =
    options.signature === undefined ? signBody(options.secret ?? SECRET, raw) : options.signature;
  const headers: Record<string, string> = { 'user-agent': 'partnero' };
  if (signature !== null) headers[options.header ?? 'Signature'] = signature;
  return httpEvent({
    method: 'POST',
    path: '/webhooks/partnero',
    rawBody: raw,
    headers,
    ...(options.base64 ? { base64: true } : {}),
  });
}

/** PutEvents entries the mock received, with `Detail` parsed. */
export function putEntries(eb: AwsClientStub<EventBridgeClient>) {
  return eb
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry) => ({ ...entry, Detail: JSON.parse(entry.Detail ?? '{}') }));
}

export const ok = (eventId = 'evt-1') => ({ FailedEntryCount: 0, Entries: [{ EventId: eventId }] });

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
