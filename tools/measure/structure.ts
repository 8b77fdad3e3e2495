/**
 * How the code base is cut, measured: the project files each Lambda bundle carries (from esbuild's
 * metafile, built with the stack's own bundling options), the longest files and functions. The
 * architecture test enforces the limits; `npm run measure` prints the numbers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import ts from 'typescript';
import { toEsbuildOptions } from '#infra/bundling.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every `.ts` file under a repository folder, as a repository path. */
export function tsFilesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : tsFilesUnder(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

export const lineCount = (file: string) => readFileSync(join(ROOT, file), 'utf8').split('\n').length - 1;

/** The project files (not packages) esbuild puts in the bundle of `functions/<name>.ts`. */
export async function bundledProjectFiles(name: string): Promise<string[]> {
  const result = await build({
    ...toEsbuildOptions(
      join(ROOT, 'functions', `${name}.ts`),
      join(ROOT, 'bench', '.out', 'measure', `${name}.mjs`),
    ),
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return Object.keys(result.metafile?.inputs ?? {})
    .filter((input) => !input.includes('node_modules') && input.endsWith('.ts'))
    .sort();
}

export interface FunctionSpan {
  file: string;
  name: string;
  lines: number;
}

const FUNCTION_KINDS = new Set([
  ts.SyntaxKind.FunctionDeclaration,
  ts.SyntaxKind.FunctionExpression,
  ts.SyntaxKind.ArrowFunction,
  ts.SyntaxKind.MethodDeclaration,
  ts.SyntaxKind.Constructor,
  ts.SyntaxKind.GetAccessor,
  ts.SyntaxKind.SetAccessor,
]);

function nameOf(node: ts.Node): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText();
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText();
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText();
  if (parent && ts.isCallExpression(parent)) return `${parent.expression.getText().slice(0, 40)}(…)`;
  return '(anonymous)';
}

/** Every function of a file with its length in lines, first line to last. */
export function functionSpans(file: string): FunctionSpan[] {
  const source = ts.createSourceFile(
    file,
    readFileSync(join(ROOT, file), 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  const spans: FunctionSpan[] = [];
  const visit = (node: ts.Node) => {
    if (FUNCTION_KINDS.has(node.kind)) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      spans.push({ file, name: nameOf(node), lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return spans;
}

/** The folders whose code is deployed: what the size rules cover. */
export const DEPLOYED = ['functions', 'shared', 'infra'];
export const FILE_LINE_LIMIT = 300;
export const FUNCTION_LINE_LIMIT = 60;
