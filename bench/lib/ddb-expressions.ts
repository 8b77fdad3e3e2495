/**
 * The slice of DynamoDB's expression language the benchmark's stand-in needs (what Powertools'
 * idempotency layer and the floor send): condition expressions with attribute_exists /
 * attribute_not_exists / begins_with, the six comparisons, AND / OR / NOT and parentheses; update
 * expressions with SET (plain assignment, `if_not_exists`, `a + b`, `a - b`) and REMOVE.
 * Anything else throws, so a client relying on more is noticed rather than silently mis-served.
 */

/** A DynamoDB attribute value in its wire form (`{"S": "x"}`, `{"N": "1"}`, ...). */
export type AttributeValue = Record<string, unknown>;
export type Item = Record<string, AttributeValue>;

export interface ExpressionContext {
  names?: Record<string, string>;
  values?: Record<string, AttributeValue>;
}

export class ExpressionError extends Error {
  override readonly name = 'ValidationException';
}

type Token = { kind: 'word' | 'name' | 'value' | 'op' | 'punct'; text: string };

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const re =
    /\s*(?:(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|(<>|<=|>=|=|<|>|\+|-)|([(),.])|([A-Za-z_][A-Za-z0-9_]*))/y;
  let index = 0;
  while (index < expression.length) {
    if (/^\s*$/.test(expression.slice(index))) break;
    re.lastIndex = index;
    const m = re.exec(expression);
    if (!m) throw new ExpressionError(`Invalid expression near "${expression.slice(index, index + 20)}"`);
    index = re.lastIndex;
    if (m[1]) tokens.push({ kind: 'name', text: m[1] });
    else if (m[2]) tokens.push({ kind: 'value', text: m[2] });
    else if (m[3]) tokens.push({ kind: 'op', text: m[3] });
    else if (m[4]) tokens.push({ kind: 'punct', text: m[4] });
    else if (m[5]) tokens.push({ kind: 'word', text: m[5] });
  }
  return tokens;
}

class Parser {
  private at = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly ctx: ExpressionContext,
  ) {}

  peek(): Token | undefined {
    return this.tokens[this.at];
  }
  next(): Token {
    const token = this.tokens[this.at++];
    if (!token) throw new ExpressionError('Unexpected end of expression');
    return token;
  }
  isWord(word: string): boolean {
    const t = this.peek();
    return t?.kind === 'word' && t.text.toUpperCase() === word;
  }
  expect(text: string): void {
    const t = this.next();
    if (t.text !== text) throw new ExpressionError(`Expected "${text}", got "${t.text}"`);
  }
  done(): boolean {
    return this.at >= this.tokens.length;
  }

  /** A document path (`#a`, `a`, `#a.b`) resolved to attribute names. */
  path(): string[] {
    const parts = [this.pathPart()];
    while (this.peek()?.text === '.') {
      this.next();
      parts.push(this.pathPart());
    }
    return parts;
  }
  private pathPart(): string {
    const t = this.next();
    if (t.kind === 'name') {
      const name = this.ctx.names?.[t.text];
      if (name === undefined) throw new ExpressionError(`Undefined attribute name ${t.text}`);
      return name;
    }
    if (t.kind === 'word') return t.text;
    throw new ExpressionError(`Expected an attribute path, got "${t.text}"`);
  }

  /** An operand: a path, a :value, or a function returning a value. */
  operand(): (item: Item | undefined) => AttributeValue | undefined {
    const t = this.peek();
    if (t?.kind === 'value') {
      this.next();
      const value = this.ctx.values?.[t.text];
      if (value === undefined) throw new ExpressionError(`Undefined attribute value ${t.text}`);
      return () => value;
    }
    if (t?.kind === 'word' && t.text === 'if_not_exists') {
      this.next();
      this.expect('(');
      const path = this.path();
      this.expect(',');
      const fallback = this.operand();
      this.expect(')');
      return (item) => read(item, path) ?? fallback(item);
    }
    const path = this.path();
    return (item) => read(item, path);
  }

  condition(): (item: Item | undefined) => boolean {
    let left = this.conjunction();
    while (this.isWord('OR')) {
      this.next();
      const a = left;
      const b = this.conjunction();
      left = (item) => a(item) || b(item);
    }
    return left;
  }
  private conjunction(): (item: Item | undefined) => boolean {
    let left = this.negation();
    while (this.isWord('AND')) {
      this.next();
      const a = left;
      const b = this.negation();
      left = (item) => a(item) && b(item);
    }
    return left;
  }
  private negation(): (item: Item | undefined) => boolean {
    if (this.isWord('NOT')) {
      this.next();
      const inner = this.negation();
      return (item) => !inner(item);
    }
    return this.primary();
  }
  private primary(): (item: Item | undefined) => boolean {
    const t = this.peek();
    if (t?.text === '(') {
      this.next();
      const inner = this.condition();
      this.expect(')');
      return inner;
    }
    if (t?.kind === 'word' && ['attribute_exists', 'attribute_not_exists', 'begins_with'].includes(t.text)) {
      this.next();
      this.expect('(');
      const path = this.path();
      if (t.text === 'begins_with') {
        this.expect(',');
        const prefix = this.operand();
        this.expect(')');
        return (item) => {
          const value = read(item, path)?.S;
          const p = prefix(item)?.S;
          return typeof value === 'string' && typeof p === 'string' && value.startsWith(p);
        };
      }
      this.expect(')');
      return t.text === 'attribute_exists'
        ? (item) => read(item, path) !== undefined
        : (item) => read(item, path) === undefined;
    }
    const left = this.operand();
    const op = this.next();
    if (op.kind !== 'op' || op.text === '+' || op.text === '-') {
      throw new ExpressionError(`Unsupported condition operator "${op.text}"`);
    }
    const right = this.operand();
    return (item) => compare(left(item), right(item), op.text);
  }
}

function read(item: Item | undefined, path: readonly string[]): AttributeValue | undefined {
  let current: AttributeValue | undefined = item?.[path[0] as string];
  for (const part of path.slice(1)) {
    const map = current?.M as Item | undefined;
    current = map?.[part];
  }
  return current;
}

function scalar(value: AttributeValue | undefined): { type: string; value: string | number } | undefined {
  if (!value) return undefined;
  if (typeof value.N === 'string') return { type: 'N', value: Number(value.N) };
  if (typeof value.S === 'string') return { type: 'S', value: value.S };
  if (typeof value.BOOL === 'boolean') return { type: 'BOOL', value: String(value.BOOL) };
  return { type: 'other', value: JSON.stringify(value) };
}

function compare(a: AttributeValue | undefined, b: AttributeValue | undefined, op: string): boolean {
  const x = scalar(a);
  const y = scalar(b);
  if (!x || !y || x.type !== y.type) return op === '<>' && (x !== undefined || y !== undefined);
  switch (op) {
    case '=':
      return x.value === y.value;
    case '<>':
      return x.value !== y.value;
    case '<':
      return x.value < y.value;
    case '<=':
      return x.value <= y.value;
    case '>':
      return x.value > y.value;
    case '>=':
      return x.value >= y.value;
    default:
      throw new ExpressionError(`Unsupported operator ${op}`);
  }
}

/** Evaluates `expression` against `item` (undefined: no item stored under the key). */
export function evaluateCondition(
  expression: string,
  item: Item | undefined,
  ctx: ExpressionContext,
): boolean {
  const parser = new Parser(tokenize(expression), ctx);
  const test = parser.condition();
  if (!parser.done()) throw new ExpressionError(`Unexpected "${parser.peek()?.text}" in condition`);
  return test(item);
}

/** Applies an update expression to a copy of `item` (which holds at least the key) and returns it. */
export function applyUpdate(expression: string, item: Item, ctx: ExpressionContext): Item {
  const parser = new Parser(tokenize(expression), ctx);
  const result: Item = structuredClone(item);
  const assignments: [string[], AttributeValue | undefined][] = [];
  const removals: string[][] = [];
  while (!parser.done()) {
    const clause = parser.next();
    const kind = clause.text.toUpperCase();
    if (clause.kind !== 'word' || (kind !== 'SET' && kind !== 'REMOVE')) {
      throw new ExpressionError(`Unsupported update clause "${clause.text}"`);
    }
    for (;;) {
      const path = parser.path();
      if (kind === 'REMOVE') removals.push(path);
      else {
        parser.expect('=');
        const first = parser.operand();
        const op = parser.peek();
        if (op?.text === '+' || op?.text === '-') {
          parser.next();
          const second = parser.operand();
          const a = Number(first(item)?.N);
          const b = Number(second(item)?.N);
          if (!Number.isFinite(a) || !Number.isFinite(b))
            throw new ExpressionError('Arithmetic on non-numbers');
          assignments.push([path, { N: String(op.text === '+' ? a + b : a - b) }]);
        } else assignments.push([path, first(item)]);
      }
      if (parser.peek()?.text !== ',') break;
      parser.next();
    }
  }
  for (const [path, value] of assignments) {
    if (path.length !== 1) throw new ExpressionError('Nested paths are not supported by the stand-in');
    if (value === undefined)
      throw new ExpressionError(
        'An operand in the update expression refers to an attribute that does not exist',
      );
    result[path[0] as string] = value;
  }
  for (const path of removals) delete result[path[0] as string];
  return result;
}
