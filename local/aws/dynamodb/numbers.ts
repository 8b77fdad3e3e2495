/**
 * DynamoDB numbers: decimal strings of up to 38 significant digits, magnitude 1E-130 to 9.99E+125,
 * stored with leading and trailing zeros trimmed, added and compared exactly (no binary floats, so
 * `0.1 + 0.2` is `0.3` as on DynamoDB).
 */
import { validation } from './errors.js';

/** `digits × 10^exponent`, with `digits` free of trailing zeros (zero: digits 0n, exponent 0). */
interface Decimal {
  digits: bigint;
  exponent: number;
}

const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const MAX_DIGITS = 38;

function normalize(digits: bigint, exponent: number): Decimal {
  if (digits === 0n) return { digits: 0n, exponent: 0 };
  while (digits % 10n === 0n) {
    digits /= 10n;
    exponent += 1;
  }
  return { digits, exponent };
}

function parse(text: string): Decimal {
  const m = NUMBER.exec(text.trim());
  const [, sign = '', whole = '', fraction = '', exp = '0'] = m ?? [];
  if (!m || whole + fraction === '') throw validation('A value provided cannot be converted into a number');
  const significant = (whole + fraction).replace(/^0+/, '').replace(/0+$/, '');
  if (significant.length > MAX_DIGITS) {
    throw validation('Attempting to store more than 38 significant digits in a Number');
  }
  const value = normalize(BigInt(sign + (whole + fraction || '0')), Number(exp) - fraction.length);
  if (value.digits !== 0n) {
    const magnitude = value.exponent + String(value.digits < 0n ? -value.digits : value.digits).length;
    if (magnitude > 126) {
      throw validation(
        'Number overflow. Attempting to store a number with magnitude larger than supported range',
      );
    }
    if (magnitude < -129) {
      throw validation(
        'Number underflow. Attempting to store a number with magnitude smaller than supported range',
      );
    }
  }
  return value;
}

function format({ digits, exponent }: Decimal): string {
  const negative = digits < 0n;
  const abs = String(negative ? -digits : digits);
  let text: string;
  if (exponent >= 0) text = abs + '0'.repeat(exponent);
  else if (-exponent >= abs.length) text = `0.${'0'.repeat(-exponent - abs.length)}${abs}`;
  else text = `${abs.slice(0, exponent)}.${abs.slice(exponent)}`;
  return negative ? `-${text}` : text;
}

function aligned(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const exponent = Math.min(a.exponent, b.exponent);
  return [
    a.digits * 10n ** BigInt(a.exponent - exponent),
    b.digits * 10n ** BigInt(b.exponent - exponent),
    exponent,
  ];
}

/** The canonical text DynamoDB stores for a number; throws ValidationException if it is not one. */
export function canonicalNumber(text: string): string {
  return format(parse(text));
}

export function compareNumbers(a: string, b: string): number {
  const [x, y] = aligned(parse(a), parse(b));
  return x < y ? -1 : x > y ? 1 : 0;
}

export function addNumbers(a: string, b: string, subtract = false): string {
  const [x, y, exponent] = aligned(parse(a), parse(b));
  return canonicalNumber(format(normalize(subtract ? x - y : x + y, exponent)));
}
