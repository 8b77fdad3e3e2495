/**
 * The lexical layer of DynamoDB's expressions: tokens, `#name` / `:value` placeholders (with the
 * "unused placeholder" check DynamoDB makes per request) and document paths (`a.b[0]`, `#n.#m`).
 */
import { validation } from './errors.js';
import { RESERVED_WORDS } from './reserved-words.js';
import { type AttributeValue, normalizeValue } from './values.js';

export type ExpressionKind =
  | 'ConditionExpression'
  | 'FilterExpression'
  | 'KeyConditionExpression'
  | 'UpdateExpression'
  | 'ProjectionExpression';

/** Attribute names and list indexes, placeholders resolved. */
export type Path = readonly (string | number)[];

export interface Token {
  kind: 'name' | 'value' | 'word' | 'number' | 'op' | 'punct' | 'eof';
  text: string;
  at: number;
}

const TOKEN =
  /\s*(?:(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|(<>|<=|>=|=|<|>|\+|-)|([(),.[\]])|(\d+)|([A-Za-z_][A-Za-z0-9_]*))/y;
const KINDS = ['name', 'value', 'op', 'punct', 'number', 'word'] as const;

export const expressionError = (kind: ExpressionKind, message: string) =>
  validation(`Invalid ${kind}: ${message}`);

export function tokenize(text: string, kind: ExpressionKind): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (!/^\s*$/.test(text.slice(index))) {
    TOKEN.lastIndex = index;
    const m = TOKEN.exec(text);
    if (!m) {
      const at = text.slice(index).search(/\S/) + index;
      throw expressionError(
        kind,
        `Invalid token; token: "${text.slice(at, at + 1)}", near: "${text.slice(at, at + 10)}"`,
      );
    }
    const group = m.slice(1).findIndex((g) => g !== undefined);
    tokens.push({
      kind: KINDS[group] as Token['kind'],
      text: m[group + 1] as string,
      at: m.index + m[0].search(/\S/),
    });
    index = TOKEN.lastIndex;
  }
  tokens.push({ kind: 'eof', text: '<EOF>', at: text.length });
  return tokens;
}

/** A request's ExpressionAttributeNames / Values, and which of them its expressions used. */
export class Placeholders {
  private readonly usedNames = new Set<string>();
  private readonly usedValues = new Set<string>();

  private constructor(
    private readonly names: Record<string, string>,
    private readonly values: Record<string, AttributeValue>,
  ) {}

  static of(input: Record<string, unknown>): Placeholders {
    const names = input.ExpressionAttributeNames;
    const values = input.ExpressionAttributeValues;
    if (
      names !== undefined &&
      (typeof names !== 'object' || names === null || Object.keys(names).length === 0)
    ) {
      throw validation('ExpressionAttributeNames must not be empty');
    }
    if (
      values !== undefined &&
      (typeof values !== 'object' || values === null || Object.keys(values).length === 0)
    ) {
      throw validation('ExpressionAttributeValues must not be empty');
    }
    const checked: Record<string, AttributeValue> = {};
    for (const [token, value] of Object.entries((values ?? {}) as Record<string, unknown>)) {
      if (!token.startsWith(':')) {
        throw validation(`ExpressionAttributeValues contains invalid key: Syntax error; key: "${token}"`);
      }
      checked[token] = normalizeValue(value);
    }
    for (const [token, name] of Object.entries((names ?? {}) as Record<string, unknown>)) {
      if (!token.startsWith('#') || typeof name !== 'string' || name === '') {
        throw validation(`ExpressionAttributeNames contains invalid key: Syntax error; key: "${token}"`);
      }
    }
    return new Placeholders((names ?? {}) as Record<string, string>, checked);
  }

  static none(): Placeholders {
    return new Placeholders({}, {});
  }

  name(token: string, kind: ExpressionKind): string {
    const name = this.names[token];
    if (name === undefined) {
      throw expressionError(
        kind,
        `An expression attribute name used in the document path is not defined; attribute name: ${token}`,
      );
    }
    this.usedNames.add(token);
    return name;
  }

  value(token: string, kind: ExpressionKind): AttributeValue {
    const value = this.values[token];
    if (value === undefined) {
      throw expressionError(
        kind,
        `An expression attribute value used in expression is not defined; attribute value: ${token}`,
      );
    }
    this.usedValues.add(token);
    return value;
  }

  /** DynamoDB refuses a request whose placeholders are not all used by its expressions. */
  assertAllUsed(): void {
    const names = Object.keys(this.names).filter((n) => !this.usedNames.has(n));
    if (names.length > 0) {
      throw validation(
        `Value provided in ExpressionAttributeNames unused in expressions: keys: {${names.join(', ')}}`,
      );
    }
    const values = Object.keys(this.values).filter((v) => !this.usedValues.has(v));
    if (values.length > 0) {
      throw validation(
        `Value provided in ExpressionAttributeValues unused in expressions: keys: {${values.join(', ')}}`,
      );
    }
  }
}

/** A token stream, with the parts every expression grammar shares. */
export class Cursor {
  private index = 0;
  private readonly tokens: Token[];

  constructor(
    private readonly text: string,
    readonly kind: ExpressionKind,
    readonly placeholders: Placeholders,
  ) {
    if (text.trim() === '') throw expressionError(kind, 'The expression can not be empty;');
    this.tokens = tokenize(text, kind);
  }

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)] as Token;
  }

  next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.index += 1;
    return token;
  }

  /** A case-insensitive keyword (AND, OR, NOT, BETWEEN, IN, SET, REMOVE, ADD, DELETE). */
  isKeyword(word: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.kind === 'word' && token.text.toUpperCase() === word;
  }

  expect(text: string): void {
    if (this.peek().text !== text) throw this.syntaxError();
    this.next();
  }

  expectEnd(): void {
    if (this.peek().kind !== 'eof') throw this.syntaxError();
  }

  syntaxError(token = this.peek()): Error {
    const near = this.text.slice(Math.max(0, token.at - 10), token.at + token.text.length + 10).trim();
    return expressionError(this.kind, `Syntax error; token: "${token.text}", near: "${near}"`);
  }

  error(message: string): Error {
    return expressionError(this.kind, message);
  }

  isFunctionCall(): boolean {
    return this.peek().kind === 'word' && this.peek(1).text === '(';
  }

  /** `a`, `#a`, `a.b`, `a[0][1].#c`. */
  path(): Path {
    const parts: (string | number)[] = [this.pathName()];
    for (;;) {
      const token = this.peek();
      if (token.text === '.') {
        this.next();
        parts.push(this.pathName());
      } else if (token.text === '[') {
        this.next();
        const index = this.next();
        if (index.kind !== 'number') throw this.syntaxError(index);
        this.expect(']');
        parts.push(Number(index.text));
      } else return parts;
    }
  }

  private pathName(): string {
    const token = this.next();
    if (token.kind === 'name') return this.placeholders.name(token.text, this.kind);
    if (token.kind !== 'word') throw this.syntaxError(token);
    if (RESERVED_WORDS.has(token.text.toUpperCase())) {
      throw this.error(`Attribute name is a reserved keyword; reserved keyword: ${token.text}`);
    }
    return token.text;
  }

  value(): AttributeValue {
    const token = this.next();
    if (token.kind !== 'value') throw this.syntaxError(token);
    return this.placeholders.value(token.text, this.kind);
  }
}

export const formatPath = (path: Path) =>
  `[${path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join(', ')}]`;

/** DynamoDB refuses two paths of one expression where one is (a prefix of) the other. */
export function assertNoOverlap(paths: readonly Path[], kind: ExpressionKind): void {
  for (let i = 0; i < paths.length; i++) {
    for (let j = i + 1; j < paths.length; j++) {
      const [a, b] = [paths[i] as Path, paths[j] as Path];
      const n = Math.min(a.length, b.length);
      if (a.slice(0, n).every((p, k) => p === b[k])) {
        throw expressionError(
          kind,
          `Two document paths overlap with each other; must remove or rewrite one of these paths; path one: ${formatPath(a)}, path two: ${formatPath(b)}`,
        );
      }
    }
  }
}
