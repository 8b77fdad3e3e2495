/**
 * DynamoDB's condition, update and projection grammars, parsed into trees the evaluators walk.
 * Precedence as DynamoDB documents it: comparisons, IN, BETWEEN and functions bind tightest, then
 * NOT, then AND, then OR; parentheses group.
 */
import { assertNoOverlap, Cursor, type ExpressionKind, type Path, type Placeholders } from './syntax.js';
import { type AttributeValue, compareValues, setElementType, typeOf } from './values.js';

export type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';
export type ConditionFunction =
  | 'attribute_exists'
  | 'attribute_not_exists'
  | 'attribute_type'
  | 'begins_with'
  | 'contains';

export type Operand =
  | { kind: 'path'; path: Path }
  | { kind: 'value'; value: AttributeValue }
  | { kind: 'size'; path: Path }
  | { kind: 'if_not_exists'; path: Path; fallback: Operand }
  | { kind: 'list_append'; first: Operand; second: Operand }
  | { kind: 'arithmetic'; op: '+' | '-'; left: Operand; right: Operand };

export type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; inner: Condition }
  | { kind: 'compare'; op: Comparator; left: Operand; right: Operand }
  | { kind: 'between'; operand: Operand; low: Operand; high: Operand }
  | { kind: 'in'; operand: Operand; options: Operand[] }
  | { kind: 'call'; fn: ConditionFunction; path: Path; arg?: Operand };

export type UpdateAction =
  | { kind: 'SET'; path: Path; value: Operand }
  | { kind: 'REMOVE'; path: Path }
  | { kind: 'ADD' | 'DELETE'; path: Path; value: AttributeValue };

const COMPARATORS = new Set(['=', '<>', '<', '<=', '>', '>=']);
const CONDITION_FUNCTIONS = new Set([
  'attribute_exists',
  'attribute_not_exists',
  'attribute_type',
  'begins_with',
  'contains',
]);
const UPDATE_FUNCTIONS = new Set(['if_not_exists', 'list_append']);
const CLAUSES = ['SET', 'REMOVE', 'ADD', 'DELETE'] as const;

function functionName(cursor: Cursor, allowed: ReadonlySet<string>): string {
  const name = cursor.next().text;
  if (allowed.has(name)) return name;
  const known = CONDITION_FUNCTIONS.has(name) || UPDATE_FUNCTIONS.has(name) || name === 'size';
  throw cursor.error(
    known
      ? `The function is not allowed to be used this way in an expression; function: ${name}`
      : `Invalid function name; function: ${name}`,
  );
}

/** A condition's operand: a path, a `:value` or `size(path)`. */
function conditionOperand(cursor: Cursor): Operand {
  if (cursor.peek().kind === 'value') return { kind: 'value', value: cursor.value() };
  if (cursor.isFunctionCall()) {
    functionName(cursor, new Set(['size']));
    cursor.expect('(');
    const path = cursor.path();
    cursor.expect(')');
    return { kind: 'size', path };
  }
  return { kind: 'path', path: cursor.path() };
}

function callCondition(cursor: Cursor): Condition {
  const fn = functionName(cursor, CONDITION_FUNCTIONS) as ConditionFunction;
  cursor.expect('(');
  const path = cursor.path();
  let arg: Operand | undefined;
  if (fn === 'attribute_type' || fn === 'begins_with' || fn === 'contains') {
    cursor.expect(',');
    arg = conditionOperand(cursor);
  }
  cursor.expect(')');
  return arg ? { kind: 'call', fn, path, arg } : { kind: 'call', fn, path };
}

/** Constant BETWEEN bounds must be of one type and in order, or DynamoDB refuses the expression. */
function checkBounds(cursor: Cursor, low: Operand, high: Operand): void {
  if (low.kind !== 'value' || high.kind !== 'value') return;
  const show = (v: AttributeValue) => `AttributeValue: {${typeOf(v)}:${Object.values(v)[0]}}`;
  if (typeOf(low.value) !== typeOf(high.value)) {
    throw cursor.error(
      `The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: ${show(low.value)}, upper bound operand: ${show(high.value)}`,
    );
  }
  if ((compareValues(low.value, high.value) ?? 0) > 0) {
    throw cursor.error(
      `The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: ${show(low.value)}, upper bound operand: ${show(high.value)}`,
    );
  }
}

function primary(cursor: Cursor): Condition {
  if (cursor.peek().text === '(') {
    cursor.next();
    const inner = disjunction(cursor);
    cursor.expect(')');
    return inner;
  }
  if (cursor.isFunctionCall() && cursor.peek().text !== 'size') return callCondition(cursor);
  const left = conditionOperand(cursor);
  if (cursor.isKeyword('BETWEEN')) {
    cursor.next();
    const low = conditionOperand(cursor);
    if (!cursor.isKeyword('AND')) throw cursor.syntaxError();
    cursor.next();
    const high = conditionOperand(cursor);
    checkBounds(cursor, low, high);
    return { kind: 'between', operand: left, low, high };
  }
  if (cursor.isKeyword('IN')) {
    cursor.next();
    cursor.expect('(');
    const options = [conditionOperand(cursor)];
    while (cursor.peek().text === ',') {
      cursor.next();
      options.push(conditionOperand(cursor));
    }
    cursor.expect(')');
    if (options.length > 100) throw cursor.error('The IN operator accepts at most 100 operands');
    return { kind: 'in', operand: left, options };
  }
  const op = cursor.next();
  if (op.kind !== 'op' || !COMPARATORS.has(op.text)) throw cursor.syntaxError(op);
  return { kind: 'compare', op: op.text as Comparator, left, right: conditionOperand(cursor) };
}

function negation(cursor: Cursor): Condition {
  if (!cursor.isKeyword('NOT')) return primary(cursor);
  cursor.next();
  return { kind: 'not', inner: negation(cursor) };
}

function conjunction(cursor: Cursor): Condition {
  let left = negation(cursor);
  while (cursor.isKeyword('AND')) {
    cursor.next();
    left = { kind: 'and', left, right: negation(cursor) };
  }
  return left;
}

function disjunction(cursor: Cursor): Condition {
  let left = conjunction(cursor);
  while (cursor.isKeyword('OR')) {
    cursor.next();
    left = { kind: 'or', left, right: conjunction(cursor) };
  }
  return left;
}

export function parseCondition(text: string, kind: ExpressionKind, placeholders: Placeholders): Condition {
  const cursor = new Cursor(text, kind, placeholders);
  const condition = disjunction(cursor);
  cursor.expectEnd();
  return condition;
}

/** An update operand: a path, a `:value`, `if_not_exists(path, operand)` or `list_append(a, b)`. */
function updateOperand(cursor: Cursor): Operand {
  if (cursor.peek().kind === 'value') return { kind: 'value', value: cursor.value() };
  if (!cursor.isFunctionCall()) return { kind: 'path', path: cursor.path() };
  const fn = functionName(cursor, UPDATE_FUNCTIONS);
  cursor.expect('(');
  let operand: Operand;
  if (fn === 'if_not_exists') {
    const path = cursor.path();
    cursor.expect(',');
    operand = { kind: 'if_not_exists', path, fallback: updateOperand(cursor) };
  } else {
    const first = updateOperand(cursor);
    cursor.expect(',');
    operand = { kind: 'list_append', first, second: updateOperand(cursor) };
  }
  cursor.expect(')');
  return operand;
}

function updateAction(cursor: Cursor, clause: (typeof CLAUSES)[number]): UpdateAction {
  const path = cursor.path();
  if (clause === 'REMOVE') return { kind: 'REMOVE', path };
  if (clause === 'SET') {
    cursor.expect('=');
    const left = updateOperand(cursor);
    const op = cursor.peek();
    if (op.text !== '+' && op.text !== '-') return { kind: 'SET', path, value: left };
    cursor.next();
    return {
      kind: 'SET',
      path,
      value: { kind: 'arithmetic', op: op.text, left, right: updateOperand(cursor) },
    };
  }
  const value = cursor.value();
  const allowed = clause === 'ADD' ? typeOf(value) === 'N' || setElementType(value) : setElementType(value);
  if (!allowed) {
    const type = {
      S: 'STRING',
      N: 'NUMBER',
      B: 'BINARY',
      BOOL: 'BOOLEAN',
      NULL: 'NULL',
      L: 'LIST',
      M: 'MAP',
    };
    throw cursor.error(
      `Incorrect operand type for operator or function; operator: ${clause}, operand type: ${type[typeOf(value) as keyof typeof type]}`,
    );
  }
  return { kind: clause, path, value };
}

export function parseUpdate(text: string, placeholders: Placeholders): UpdateAction[] {
  const cursor = new Cursor(text, 'UpdateExpression', placeholders);
  const actions: UpdateAction[] = [];
  const seen = new Set<string>();
  while (cursor.peek().kind !== 'eof') {
    const clause = CLAUSES.find((c) => cursor.isKeyword(c));
    if (!clause) throw cursor.syntaxError();
    if (seen.has(clause)) {
      throw cursor.error(`The "${clause}" section can only be used once in an update expression;`);
    }
    seen.add(clause);
    cursor.next();
    actions.push(updateAction(cursor, clause));
    while (cursor.peek().text === ',') {
      cursor.next();
      actions.push(updateAction(cursor, clause));
    }
  }
  assertNoOverlap(
    actions.map((a) => a.path),
    'UpdateExpression',
  );
  return actions;
}

export function parseProjection(text: string, placeholders: Placeholders): Path[] {
  const cursor = new Cursor(text, 'ProjectionExpression', placeholders);
  const paths = [cursor.path()];
  while (cursor.peek().text === ',') {
    cursor.next();
    paths.push(cursor.path());
  }
  cursor.expectEnd();
  assertNoOverlap(paths, 'ProjectionExpression');
  return paths;
}
