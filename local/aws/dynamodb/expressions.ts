/**
 * DynamoDB's expression language, as the local endpoint serves it: condition / filter / key
 * condition expressions (comparisons, BETWEEN, IN, AND / OR / NOT, attribute_exists,
 * attribute_not_exists, attribute_type, begins_with, contains, size), update expressions (SET with
 * `+`, `-`, if_not_exists and list_append; REMOVE; ADD; DELETE) and projection expressions, with
 * nested paths and placeholders. Whatever else a request uses (legacy parameters such as Expected or
 * AttributeUpdates, unknown functions) is refused with a ValidationException naming it.
 */
import { evaluate } from './conditions.js';
import { unsupported, validation } from './errors.js';
import { type Condition, parseCondition, parseProjection, parseUpdate, type UpdateAction } from './parser.js';
import { project } from './paths.js';
import { type ExpressionKind, type Path, Placeholders } from './syntax.js';
import { applyActions } from './updates.js';
import type { Item } from './values.js';

export type { Condition, UpdateAction } from './parser.js';
export type { ExpressionKind, Path } from './syntax.js';

export interface ExpressionContext {
  names?: Record<string, string>;
  /** Attribute values in wire form, e.g. `{ ':now': { N: '1000' } }`. */
  values?: Record<string, unknown>;
}

const placeholdersOf = (ctx: ExpressionContext) =>
  Placeholders.of({ ExpressionAttributeNames: ctx.names, ExpressionAttributeValues: ctx.values });

/** Evaluates a condition against `item` (undefined: no item stored under the key). */
export function evaluateCondition(
  expression: string,
  item: Item | undefined,
  ctx: ExpressionContext = {},
  kind: ExpressionKind = 'ConditionExpression',
): boolean {
  return evaluate(parseCondition(expression, kind, placeholdersOf(ctx)), item, kind);
}

/** `item` with an update expression applied (a new item; `item` holds at least the key). */
export function applyUpdate(expression: string, item: Item, ctx: ExpressionContext = {}): Item {
  return applyActions(parseUpdate(expression, placeholdersOf(ctx)), item);
}

/** The attributes of `item` a projection expression names. */
export function projectItem(expression: string, item: Item, ctx: ExpressionContext = {}): Item {
  return project(item, parseProjection(expression, placeholdersOf(ctx)));
}

/** The expressions of one request, parsed. */
export interface RequestExpressions {
  condition?: Condition;
  filter?: Condition;
  keyCondition?: Condition;
  update?: UpdateAction[];
  projection?: Path[];
}

type Field =
  | 'ConditionExpression'
  | 'FilterExpression'
  | 'KeyConditionExpression'
  | 'UpdateExpression'
  | 'ProjectionExpression';

const LEGACY = [
  'Expected',
  'AttributeUpdates',
  'AttributesToGet',
  'KeyConditions',
  'QueryFilter',
  'ScanFilter',
  'ConditionalOperator',
];

function text(input: Record<string, unknown>, field: Field): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw validation(`${field} must be a string`);
  return value;
}

/**
 * Parses the expressions `fields` of a request (others are ignored) and makes DynamoDB's
 * per-request checks: no legacy parameters, and every placeholder sent is used.
 */
export function requestExpressions(
  input: Record<string, unknown>,
  fields: readonly Field[],
): RequestExpressions {
  const legacy = LEGACY.find((name) => input[name] !== undefined);
  if (legacy) throw unsupported(`The legacy parameter ${legacy} (use expressions)`);
  const placeholders = Placeholders.of(input);
  const parsed: RequestExpressions = {};
  const has = (field: Field) => fields.includes(field) && text(input, field) !== undefined;
  if (has('ConditionExpression')) {
    parsed.condition = parseCondition(
      text(input, 'ConditionExpression') as string,
      'ConditionExpression',
      placeholders,
    );
  }
  if (has('KeyConditionExpression')) {
    const expression = text(input, 'KeyConditionExpression') as string;
    parsed.keyCondition = parseCondition(expression, 'KeyConditionExpression', placeholders);
  }
  if (has('FilterExpression')) {
    parsed.filter = parseCondition(
      text(input, 'FilterExpression') as string,
      'FilterExpression',
      placeholders,
    );
  }
  if (has('UpdateExpression'))
    parsed.update = parseUpdate(text(input, 'UpdateExpression') as string, placeholders);
  if (has('ProjectionExpression')) {
    parsed.projection = parseProjection(text(input, 'ProjectionExpression') as string, placeholders);
  }
  if (Object.keys(parsed).length === 0) {
    if (input.ExpressionAttributeNames !== undefined) {
      throw validation('ExpressionAttributeNames can only be specified when using expressions');
    }
    if (input.ExpressionAttributeValues !== undefined) {
      throw validation('ExpressionAttributeValues can only be specified when using expressions');
    }
  }
  placeholders.assertAllUsed();
  return parsed;
}
