/** Reading, writing and projecting document paths (`a.b[0]`) on items in wire form. */
import { validation } from './errors.js';
import type { Path } from './syntax.js';
import type { AttributeValue, Item } from './values.js';

const invalidForUpdate = () =>
  validation('The document path provided in the update expression is invalid for update');

function child(value: AttributeValue | undefined, part: string | number): AttributeValue | undefined {
  if (!value) return undefined;
  if (typeof part === 'number') return value.L !== undefined ? value.L[part] : undefined;
  return value.M !== undefined && Object.hasOwn(value.M, part) ? value.M[part] : undefined;
}

export function readPath(item: Item | undefined, path: Path): AttributeValue | undefined {
  const [first, ...rest] = path;
  if (!item || typeof first !== 'string' || !Object.hasOwn(item, first)) return undefined;
  let value: AttributeValue | undefined = item[first];
  for (const part of rest) value = child(value, part);
  return value;
}

function entry(target: Item | AttributeValue[], part: string | number): AttributeValue | undefined {
  if (Array.isArray(target)) return typeof part === 'number' ? target[part] : undefined;
  return typeof part === 'string' && Object.hasOwn(target, part) ? target[part] : undefined;
}

/** The map or list holding the last part of `path`, for writing; DynamoDB refuses a missing parent. */
function container(item: Item, path: Path): Item | AttributeValue[] {
  let current: Item | AttributeValue[] = item;
  for (let i = 0; i < path.length - 1; i++) {
    const value = entry(current, path[i] as string | number);
    const next = path[i + 1];
    if (value && typeof next === 'number' && value.L !== undefined) current = value.L;
    else if (value && typeof next === 'string' && value.M !== undefined) current = value.M;
    else throw invalidForUpdate();
  }
  return current;
}

/** Sets `path` in `item` (mutated); an index past the end of a list appends, as DynamoDB does. */
export function writePath(item: Item, path: Path, value: AttributeValue): void {
  const last = path[path.length - 1] as string | number;
  const target = container(item, path);
  if (Array.isArray(target)) {
    if (typeof last !== 'number') throw invalidForUpdate();
    if (last < target.length) target[last] = value;
    else target.push(value);
  } else {
    if (typeof last !== 'string') throw invalidForUpdate();
    target[last] = value;
  }
}

/** Removes `path` from `item` (mutated); removing an absent attribute or list element is a no-op. */
export function removePath(item: Item, path: Path): void {
  const last = path[path.length - 1] as string | number;
  const target = container(item, path);
  if (Array.isArray(target)) {
    if (typeof last === 'number' && last < target.length) target.splice(last, 1);
  } else if (typeof last === 'string') delete target[last];
}

function assign(target: Item | AttributeValue[], part: string | number, value: AttributeValue): void {
  if (Array.isArray(target)) target[part as number] = value;
  else target[part as string] = value;
}

/** Drops the holes `project` leaves in lists (DynamoDB answers `a[1], a[3]` as a two-element list). */
function compact(value: AttributeValue): AttributeValue {
  if (value.L !== undefined) return { L: value.L.filter((v) => v !== undefined).map(compact) };
  if (value.M !== undefined)
    return { M: Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, compact(v)])) };
  return value;
}

/** The parts of `item` the paths name, nested as in the item (list elements keep their order). */
export function project(item: Item, paths: readonly Path[]): Item {
  const out: Item = {};
  for (const path of paths) {
    const value = readPath(item, path);
    if (value === undefined) continue;
    let target: Item | AttributeValue[] = out;
    for (let i = 0; i < path.length - 1; i++) {
      const part = path[i] as string | number;
      let slot = entry(target, part);
      if (!slot) {
        slot = typeof path[i + 1] === 'number' ? { L: [] } : { M: {} };
        assign(target, part, slot);
      }
      target = slot.L !== undefined ? slot.L : (slot as { M: Item }).M;
    }
    assign(target, path[path.length - 1] as string | number, value);
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, compact(v)]));
}
