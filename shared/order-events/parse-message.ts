import { AppError } from '#shared/errors.js';
import { type Order, orderSchema } from '#shared/orders/order.js';
import type { RefundPart } from '#shared/orders/refund-orders.js';
import { text } from '#shared/schemas/z.js';
import {
  DEFAULT_ORDER_EVENTS_MAPPING,
  ORDER_EVENT_FIELDS,
  type OrderEventField,
  type OrderEventMapping,
  readJsonPath,
} from './mapping.js';

/** What one SQS message asks for. */
export type OrderMessage =
  | { kind: 'placed'; order: Order }
  /** With `part`: a partial refund (the event carried an amount). */
  | { kind: 'refunded'; orderId: string; part?: RefundPart };

export type PoisonCode = 'not_json' | 'not_an_event' | 'unknown_detail_type' | 'invalid_fields';

/**
 * A message no retry can fix: it goes to the DLQ straight away. `problems` lists every invalid
 * field as `field (path): reason`; values are never echoed beyond short type descriptions.
 */
export class PoisonMessageError extends AppError {
  override readonly name = 'PoisonMessageError';
  declare readonly code: PoisonCode;
  readonly problems: readonly string[];
  constructor(code: PoisonCode, message: string, problems: readonly string[] = []) {
    super(code, problems.length ? `${message}: ${problems.join('; ')}` : message);
    this.problems = problems;
  }
}

const NUMERIC = /^\s*-?\d+(\.\d+)?\s*$/;
const REQUIRED: ReadonlySet<OrderEventField> = new Set(['orderId', 'customerId', 'amount', 'currency']);
/** What a placed event is read for (a refund id means nothing there). */
const PLACED_FIELDS = ORDER_EVENT_FIELDS.filter((f) => f !== 'refundId');
const refundIdSchema = text(1, 256);
/** orderSchema's field names → the mapping's. */
const MAPPED_NAME: Record<string, OrderEventField> = { customerKey: 'customerId' };

const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const quote = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);

/** Ids may come as integers in foreign shapes; amounts as numeric strings ("49.90"). */
function coerce(field: OrderEventField, value: unknown): unknown {
  if (value === null) return undefined;
  if ((field === 'orderId' || field === 'customerId' || field === 'refundId') && Number.isSafeInteger(value))
    return String(value);
  if (field === 'amount' && typeof value === 'string' && NUMERIC.test(value)) return Number(value);
  return value;
}

type Problems = Map<OrderEventField, string>;

/** `field (path): reason`, in the canonical field order. */
const listed = (problems: Problems, mapping: OrderEventMapping) =>
  ORDER_EVENT_FIELDS.filter((f) => problems.has(f)).map(
    (f) => `${f} (${mapping.fields[f].source}): ${problems.get(f)}`,
  );

function readFields(
  event: Record<string, unknown>,
  mapping: OrderEventMapping,
  fields: readonly OrderEventField[],
  required: ReadonlySet<OrderEventField> = REQUIRED,
) {
  const values: Partial<Record<OrderEventField, unknown>> = {};
  const problems: Problems = new Map();
  for (const field of fields) {
    const value = coerce(field, readJsonPath(event, mapping.fields[field]));
    if (value === undefined) {
      if (required.has(field)) problems.set(field, 'missing');
    } else if (field === 'amount' && typeof value === 'string') {
      problems.set(field, 'expected a number or a numeric string such as "49.90"');
    } else if (typeof value === 'object') {
      problems.set(field, `expected a ${field === 'amount' ? 'number' : 'string'}, got ${describe(value)}`);
    } else {
      values[field] = value;
    }
  }
  return { values, problems };
}

/** Adds zod's reasons for fields not already listed (a missing field is reported once, as missing). */
function addIssues(
  problems: Problems,
  issues: readonly { path: PropertyKey[]; message: string }[],
  root: OrderEventField,
) {
  for (const issue of issues) {
    const name = issue.path.length ? String(issue.path[0]) : root;
    const field = MAPPED_NAME[name] ?? (name as OrderEventField);
    if (!problems.has(field)) problems.set(field, issue.message);
  }
}

/**
 * Reads one SQS message body, which is the whole EventBridge event as the rule delivered it, through
 * `mapping`. Throws PoisonMessageError when the body is not JSON, not an event, of an unknown
 * detail-type, or has missing or invalid fields (all of them listed).
 */
export function parseOrderMessage(
  body: string,
  mapping: OrderEventMapping = DEFAULT_ORDER_EVENTS_MAPPING,
): OrderMessage {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    throw new PoisonMessageError('not_json', 'message body is not JSON');
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new PoisonMessageError(
      'not_an_event',
      `message body is a JSON ${describe(event)}, not an EventBridge event`,
    );
  }
  const record = event as Record<string, unknown>;
  const detailType = Object.hasOwn(record, 'detail-type') ? record['detail-type'] : undefined;
  if (typeof detailType !== 'string') {
    throw new PoisonMessageError(
      'not_an_event',
      'message body has no "detail-type" string, not an EventBridge event',
    );
  }

  if (detailType === mapping.refunded) return refundedMessage(record, mapping);

  if (detailType !== mapping.placed) {
    throw new PoisonMessageError(
      'unknown_detail_type',
      `detail-type ${quote(detailType)} is neither ${quote(mapping.placed)} nor ${quote(mapping.refunded)}`,
    );
  }

  const { values, problems } = readFields(record, mapping, PLACED_FIELDS);
  const candidate = {
    orderId: values.orderId,
    customerKey: values.customerId,
    amount: values.amount,
    currency: values.currency,
    ...(values.action === undefined ? {} : { action: values.action }),
    ...(values.productId === undefined ? {} : { productId: values.productId }),
    ...(values.productType === undefined ? {} : { productType: values.productType }),
  };
  const parsed = orderSchema.safeParse(candidate);
  if (!parsed.success) addIssues(problems, parsed.error.issues, 'orderId');
  if (problems.size > 0 || !parsed.success) {
    throw new PoisonMessageError(
      'invalid_fields',
      `"${mapping.placed}" event has invalid fields`,
      listed(problems, mapping),
    );
  }
  return { kind: 'placed', order: parsed.data };
}

const REFUND_REQUIRED: ReadonlySet<OrderEventField> = new Set(['orderId']);

/**
 * A refund: of the whole order, or (with an amount) of part of it. A partial refund counts once per
 * refund id: the mapped `refundId`, else the EventBridge event's own `id` (the same on every redelivery).
 */
function refundedMessage(record: Record<string, unknown>, mapping: OrderEventMapping): OrderMessage {
  const { values, problems } = readFields(
    record,
    mapping,
    ['orderId', 'amount', 'refundId'],
    REFUND_REQUIRED,
  );
  const orderId = orderSchema.shape.orderId.safeParse(values.orderId);
  if (!orderId.success) addIssues(problems, orderId.error.issues, 'orderId');
  let part: RefundPart | undefined;
  if (values.amount !== undefined) {
    const amount = orderSchema.shape.amount.safeParse(values.amount);
    if (!amount.success) addIssues(problems, amount.error.issues, 'amount');
    const eventId = typeof record.id === 'string' ? record.id : undefined;
    const refundId = refundIdSchema.safeParse(values.refundId ?? eventId);
    if (!refundId.success) {
      if (values.refundId === undefined && eventId === undefined)
        problems.set('refundId', 'missing (a partial refund needs a refund id, or the event its id)');
      else addIssues(problems, refundId.error.issues, 'refundId');
    }
    if (amount.success && refundId.success) part = { refundId: refundId.data, amount: amount.data };
  }
  if (problems.size > 0 || !orderId.success) {
    throw new PoisonMessageError(
      'invalid_fields',
      `"${mapping.refunded}" event has invalid fields`,
      listed(problems, mapping),
    );
  }
  return { kind: 'refunded', orderId: orderId.data, ...(part ? { part } : {}) };
}
