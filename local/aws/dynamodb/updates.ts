/** Applies parsed update expressions (SET, REMOVE, ADD, DELETE) to an item. */
import { validation } from './errors.js';
import { addNumbers } from './numbers.js';
import type { Operand, UpdateAction } from './parser.js';
import { readPath, removePath, writePath } from './paths.js';
import type { Path } from './syntax.js';
import { type AttributeValue, type Item, setElements, setElementType, setOf, typeOf } from './values.js';

const wrongType = () =>
  validation('Invalid UpdateExpression: An operand in the update expression has an incorrect data type');

/** Every operand reads the item as it was before the update, as on DynamoDB. */
function operandValue(operand: Operand, original: Item): AttributeValue {
  switch (operand.kind) {
    case 'value':
      return operand.value;
    case 'path': {
      const value = readPath(original, operand.path);
      if (!value)
        throw validation('The provided expression refers to an attribute that does not exist in the item');
      return value;
    }
    case 'if_not_exists':
      return readPath(original, operand.path) ?? operandValue(operand.fallback, original);
    case 'list_append': {
      const first = operandValue(operand.first, original);
      const second = operandValue(operand.second, original);
      if (first.L === undefined || second.L === undefined) throw wrongType();
      return { L: [...first.L, ...second.L] };
    }
    case 'arithmetic': {
      const left = operandValue(operand.left, original);
      const right = operandValue(operand.right, original);
      if (left.N === undefined || right.N === undefined) throw wrongType();
      return { N: addNumbers(left.N, right.N, operand.op === '-') };
    }
    case 'size':
      throw wrongType(); // the update grammar has no size(); kept for exhaustiveness
  }
}

function added(existing: AttributeValue | undefined, value: AttributeValue): AttributeValue {
  if (!existing) return value;
  if (value.N !== undefined) {
    if (existing.N === undefined) throw wrongType();
    return { N: addNumbers(existing.N, value.N) };
  }
  if (typeOf(existing) !== typeOf(value)) throw wrongType();
  const union = new Set([...setElements(existing), ...setElements(value)]);
  return setOf(typeOf(value), [...union]);
}

function deleted(existing: AttributeValue, value: AttributeValue): AttributeValue | undefined {
  if (!setElementType(existing) || typeOf(existing) !== typeOf(value)) throw wrongType();
  const removed = new Set(setElements(value));
  const rest = setElements(existing).filter((e) => !removed.has(e));
  return rest.length === 0 ? undefined : setOf(typeOf(value), rest);
}

/** REMOVE a[1], a[3]: the higher index first, so both name elements of the original list. */
function byIndexDescending(a: Path, b: Path): number {
  const x = a[a.length - 1];
  const y = b[b.length - 1];
  return typeof x === 'number' && typeof y === 'number' ? y - x : 0;
}

/** A new item: `original` with `actions` applied (the original is not changed). */
export function applyActions(actions: readonly UpdateAction[], original: Item): Item {
  const item = structuredClone(original);
  const sets = actions.flatMap((a) =>
    a.kind === 'SET' ? [[a.path, operandValue(a.value, original)] as const] : [],
  );
  for (const [path, value] of sets) writePath(item, path, value);
  const removals = actions.flatMap((a) => (a.kind === 'REMOVE' ? [a.path] : [])).sort(byIndexDescending);
  for (const path of removals) removePath(item, path);
  for (const action of actions) {
    if (action.kind === 'ADD') writePath(item, action.path, added(readPath(item, action.path), action.value));
    if (action.kind === 'DELETE') {
      const existing = readPath(item, action.path);
      if (!existing) continue;
      const rest = deleted(existing, action.value);
      if (rest) writePath(item, action.path, rest);
      else removePath(item, action.path);
    }
  }
  return item;
}
