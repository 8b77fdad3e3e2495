/** Evaluates parsed condition and filter expressions against an item (undefined: no item). */
import type { Comparator, Condition, Operand } from './parser.js';
import { readPath } from './paths.js';
import { type ExpressionKind, expressionError } from './syntax.js';
import {
  type AttributeValue,
  compareValues,
  type Item,
  scalarOf,
  setElements,
  setElementType,
  sizeOf,
  TYPE_NAMES,
  typeOf,
  valuesEqual,
  wrap,
} from './values.js';

function operandValue(operand: Operand, item: Item | undefined): AttributeValue | undefined {
  switch (operand.kind) {
    case 'value':
      return operand.value;
    case 'path':
      return readPath(item, operand.path);
    case 'size': {
      const size = sizeOf(readPath(item, operand.path));
      return size === undefined ? undefined : { N: String(size) };
    }
    default:
      return undefined; // update-only operands never reach a condition (the parser refuses them)
  }
}

function compare(op: Comparator, a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (op === '=') return valuesEqual(a, b);
  // A missing attribute or another type is "not equal".
  if (op === '<>') return !valuesEqual(a, b);
  const order = compareValues(a, b);
  if (order === undefined) return false;
  if (op === '<') return order < 0;
  if (op === '<=') return order <= 0;
  if (op === '>') return order > 0;
  return order >= 0;
}

function beginsWith(value: AttributeValue | undefined, prefix: AttributeValue | undefined): boolean {
  const v = scalarOf(value);
  const p = scalarOf(prefix);
  if (!v || !p || v.type !== p.type || v.type === 'N') return false;
  if (v.type === 'S') return v.text.startsWith(p.text);
  const bytes = Buffer.from(v.text, 'base64');
  const start = Buffer.from(p.text, 'base64');
  return bytes.subarray(0, start.length).equals(start);
}

function contains(value: AttributeValue | undefined, operand: AttributeValue | undefined): boolean {
  if (!value || !operand) return false;
  if (value.S !== undefined) return operand.S !== undefined && value.S.includes(operand.S);
  if (value.B !== undefined) {
    return (
      operand.B !== undefined && Buffer.from(value.B, 'base64').includes(Buffer.from(operand.B, 'base64'))
    );
  }
  if (value.L !== undefined) return value.L.some((element) => valuesEqual(element, operand));
  const element = setElementType(value);
  const wanted = scalarOf(operand);
  if (!element || wanted?.type !== element) return false;
  return setElements(value).some((e) => compareValues(wrap(element, e), operand) === 0);
}

/** `attribute_type(path, :t)`: `:t` must be one of DynamoDB's type names. */
function hasType(value: AttributeValue | undefined, type: AttributeValue | undefined, kind: ExpressionKind) {
  const name = type && type.S !== undefined ? type.S : undefined;
  if (!name || !(TYPE_NAMES as readonly string[]).includes(name)) {
    throw expressionError(
      kind,
      `Invalid attribute type name found; type: ${name ?? '?'}, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}`,
    );
  }
  return value !== undefined && typeOf(value) === name;
}

export function evaluate(condition: Condition, item: Item | undefined, kind: ExpressionKind): boolean {
  switch (condition.kind) {
    case 'and':
      return evaluate(condition.left, item, kind) && evaluate(condition.right, item, kind);
    case 'or':
      return evaluate(condition.left, item, kind) || evaluate(condition.right, item, kind);
    case 'not':
      return !evaluate(condition.inner, item, kind);
    case 'compare':
      return compare(condition.op, operandValue(condition.left, item), operandValue(condition.right, item));
    case 'between': {
      const value = operandValue(condition.operand, item);
      const low = compareValues(value, operandValue(condition.low, item));
      const high = compareValues(value, operandValue(condition.high, item));
      return low !== undefined && high !== undefined && low >= 0 && high <= 0;
    }
    case 'in': {
      const value = operandValue(condition.operand, item);
      return condition.options.some((option) => valuesEqual(value, operandValue(option, item)));
    }
    case 'call': {
      const value = readPath(item, condition.path);
      const arg = condition.arg ? operandValue(condition.arg, item) : undefined;
      if (condition.fn === 'attribute_exists') return value !== undefined;
      if (condition.fn === 'attribute_not_exists') return value === undefined;
      if (condition.fn === 'attribute_type') return hasType(value, arg, kind);
      if (condition.fn === 'begins_with') return beginsWith(value, arg);
      return contains(value, arg);
    }
  }
}
