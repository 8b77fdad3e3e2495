/** DynamoDB attribute values in their wire form (`{"S": "x"}`, `{"N": "1"}`, `{"M": {...}}`, ...). */
import { validation } from './errors.js';
import { canonicalNumber, compareNumbers } from './numbers.js';

interface Members {
  S: string;
  N: string;
  /** Base64, as on the wire. */
  B: string;
  BOOL: boolean;
  NULL: true;
  SS: string[];
  NS: string[];
  BS: string[];
  L: AttributeValue[];
  M: Record<string, AttributeValue>;
}
/** One member set, the others absent (as the SDK types it, so `value.S` reads without narrowing). */
type Only<K extends keyof Members> = { [P in K]: Members[P] } & { [P in Exclude<keyof Members, K>]?: never };
export type AttributeValue = { [K in keyof Members]: Only<K> }[keyof Members];
export type Item = Record<string, AttributeValue>;
export type TypeName = 'S' | 'N' | 'B' | 'BOOL' | 'NULL' | 'SS' | 'NS' | 'BS' | 'L' | 'M';

export const TYPE_NAMES: readonly TypeName[] = ['S', 'N', 'B', 'BOOL', 'NULL', 'SS', 'NS', 'BS', 'L', 'M'];
const SET_TYPES: Record<string, 'S' | 'N' | 'B'> = { SS: 'S', NS: 'N', BS: 'B' };

export const typeOf = (value: AttributeValue): TypeName => Object.keys(value)[0] as TypeName;

/** The scalar inside a `S`, `N` or `B` value, or undefined for other types. */
export function scalarOf(
  value: AttributeValue | undefined,
): { type: 'S' | 'N' | 'B'; text: string } | undefined {
  if (!value) return undefined;
  if (value.S !== undefined) return { type: 'S', text: value.S };
  if (value.N !== undefined) return { type: 'N', text: value.N };
  if (value.B !== undefined) return { type: 'B', text: value.B };
  return undefined;
}

/** The element type of a set value (`SS` → `S`), or undefined for other types. */
export const setElementType = (value: AttributeValue | undefined) =>
  value ? SET_TYPES[typeOf(value)] : undefined;

export const setElements = (value: AttributeValue): string[] => value.SS ?? value.NS ?? value.BS ?? [];

/** Strings in UTF-8 byte order (code point order), as DynamoDB collates them; not UTF-16 order. */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (code points above U+FFFF) sort after U+E000..U+FFFF.
    if (x >= 0xd800) x += x <= 0xdfff ? 0x2000 : -0x800;
    if (y >= 0xd800) y += y <= 0xdfff ? 0x2000 : -0x800;
    return x - y;
  }
  return a.length - b.length;
}

export function compareBinary(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'base64'), Buffer.from(b, 'base64'));
}

/** Orders two scalars of the same type; undefined when they cannot be ordered (other types, or mixed). */
export function compareValues(
  a: AttributeValue | undefined,
  b: AttributeValue | undefined,
): number | undefined {
  const x = scalarOf(a);
  const y = scalarOf(b);
  if (!x || !y || x.type !== y.type) return undefined;
  if (x.type === 'N') return compareNumbers(x.text, y.text);
  return x.type === 'S' ? compareStrings(x.text, y.text) : compareBinary(x.text, y.text);
}

export function valuesEqual(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (!a || !b) return false;
  const type = typeOf(a);
  if (type !== typeOf(b)) return false;
  if (type === 'S' || type === 'N' || type === 'B') return compareValues(a, b) === 0;
  if (type === 'BOOL') return (a as { BOOL: boolean }).BOOL === (b as { BOOL: boolean }).BOOL;
  if (type === 'NULL') return true;
  if (type === 'L') {
    const x = (a as { L: AttributeValue[] }).L;
    const y = (b as { L: AttributeValue[] }).L;
    return x.length === y.length && x.every((v, i) => valuesEqual(v, y[i]));
  }
  if (type === 'M') {
    const x = (a as { M: Item }).M;
    const y = (b as { M: Item }).M;
    const keys = Object.keys(x);
    return keys.length === Object.keys(y).length && keys.every((k) => valuesEqual(x[k], y[k]));
  }
  // Set elements are stored canonical (numbers trimmed, binaries re-encoded), so text equality is enough.
  const x = setElements(a);
  const y = new Set(setElements(b));
  return x.length === y.size && x.every((v) => y.has(v));
}

export const wrap = (type: 'S' | 'N' | 'B', text: string) => ({ [type]: text }) as unknown as AttributeValue;

/** A set value of the type `SS`, `NS` or `BS` (`elements` not empty). */
export const setOf = (type: TypeName, elements: string[]) =>
  ({ [type]: elements }) as unknown as AttributeValue;

/** DynamoDB's `size()`: characters of a string, bytes of a binary, elements of a set, list or map. */
export function sizeOf(value: AttributeValue | undefined): number | undefined {
  if (!value) return undefined;
  if (value.S !== undefined) return value.S.length;
  if (value.B !== undefined) return Buffer.from(value.B, 'base64').length;
  if (value.L !== undefined) return value.L.length;
  if (value.M !== undefined) return Object.keys(value.M).length;
  if (setElementType(value)) return setElements(value).length;
  return undefined;
}

/** Checks one value from a request and returns it with its numbers in canonical form. */
export function normalizeValue(raw: unknown): AttributeValue {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw validation('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');
  }
  const entries = Object.entries(raw as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length !== 1) {
    throw validation(
      entries.length === 0
        ? 'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes'
        : 'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
    );
  }
  const [type, v] = entries[0] as [string, unknown];
  switch (type) {
    case 'S':
    case 'B':
      if (typeof v !== 'string') throw validation(`Invalid ${type} attribute value`);
      return wrap(type, v);
    case 'N':
      if (typeof v !== 'string') throw validation('A value provided cannot be converted into a number');
      return { N: canonicalNumber(v) };
    case 'BOOL':
      if (typeof v !== 'boolean') throw validation('Invalid BOOL attribute value');
      return { BOOL: v };
    case 'NULL':
      if (v !== true) {
        throw validation(
          'One or more parameter values were invalid: Null attribute value types must have the value of true',
        );
      }
      return { NULL: true };
    case 'L':
      if (!Array.isArray(v)) throw validation('Invalid L attribute value');
      return { L: v.map(normalizeValue) };
    case 'M':
      return { M: normalizeItem(v) };
    case 'SS':
    case 'NS':
    case 'BS':
      return normalizeSet(type, v);
    default:
      throw validation(`Supplied AttributeValue has an unknown datatype: ${type}`);
  }
}

function canonicalElement(type: 'SS' | 'NS' | 'BS', text: string): string {
  if (type === 'NS') return canonicalNumber(text);
  return type === 'BS' ? Buffer.from(text, 'base64').toString('base64') : text;
}

function normalizeSet(type: 'SS' | 'NS' | 'BS', raw: unknown): AttributeValue {
  const names = { SS: 'string', NS: 'number', BS: 'binary' };
  if (!Array.isArray(raw) || raw.length === 0) {
    throw validation(`One or more parameter values were invalid: An ${names[type]} set  may not be empty`);
  }
  if (!raw.every((e) => typeof e === 'string')) throw validation(`Invalid ${type} attribute value`);
  const elements = (raw as string[]).map((e) => canonicalElement(type, e));
  if (new Set(elements).size !== elements.length) {
    throw validation(
      `One or more parameter values were invalid: Input collection [${raw.join(', ')}] contains duplicates.`,
    );
  }
  return setOf(type, elements);
}

/** Checks a map of values (an item, a key, a map value) from a request. */
export function normalizeItem(raw: unknown): Item {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw validation('Expected a map of attribute values');
  }
  const item: Item = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>))
    item[name] = normalizeValue(value);
  return item;
}

/** Roughly DynamoDB's item size accounting (names + values, in bytes), for the 400 KB and 1 MB limits. */
export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/[-.]/g, '').length / 2) + 1;
  if (value.B !== undefined) return Buffer.from(value.B, 'base64').length;
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + valueSize(v), 0);
  if (value.M !== undefined) return 3 + itemSize(value.M) + Object.keys(value.M).length;
  const element = setElementType(value);
  if (element) return setElements(value).reduce((sum, e) => sum + valueSize(wrap(element, e)), 0);
  return 1;
}

export const itemSize = (item: Item): number =>
  Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueSize(value), 0);
