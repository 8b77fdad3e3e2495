import type { PartneroFetch, PartneroResponse } from '#shared/partnero/index.js';
import { isObj } from '#shared/partnero/shapes.js';
import { ToolError } from '#tools/cli/errors.js';
import { type ContractDeps, contractCommand } from '#tools/doctor/contract/command.js';
import type { ContractOptions } from '#tools/doctor/contract/exercise.js';

/** What `npm run doctor -- --contract` printed and returned (or the ToolError it ended with). */
export interface CommandRun {
  code: number;
  lines: string[];
  error?: ToolError;
}

const noAws: ContractDeps['makeClients'] = () => {
  throw new Error('this run needs no AWS');
};

/** `npm run doctor -- --contract --partnero-url <url> [--yes]` with PARTNERO_API_KEY, in-process. */
export async function runCommand(
  program: { url: string; apiKey: string },
  transport: PartneroFetch,
  flags: { yes?: boolean; list?: boolean } = { yes: true },
  run: Pick<ContractOptions, 'now' | 'sleep' | 'lookupTries' | 'lookupDelayMs' | 'signal'> = {},
): Promise<CommandRun> {
  const lines: string[] = [];
  try {
    const code = await contractCommand(
      { stage: 'dev', partneroUrl: program.url },
      { yes: Boolean(flags.yes), list: Boolean(flags.list) },
      {
        env: { PARTNERO_API_KEY: program.apiKey },
        print: (line) => lines.push(line),
        makeClients: noAws,
        fetch: transport,
        run: { sleep: async () => undefined, ...run },
      },
    );
    return { code, lines };
  } catch (e) {
    if (!(e instanceof ToolError)) throw e;
    return { code: e.exitCode, lines, error: e };
  }
}

/** The printed line of one assumption (`  PASS  stats  …`). */
export const lineOf = (lines: string[], name: string) =>
  lines.find((l) => new RegExp(`^ {2}(PASS|FAIL|SKIP) {2}${name} `).test(l));

/** The status of every assumption, by name. */
export const statusesOf = (lines: string[]) =>
  Object.fromEntries(
    lines.flatMap((l) => {
      const m = /^ {2}(PASS|FAIL|SKIP) {2}(\S+(?: \S+)*?) {2,}/.exec(l);
      return m ? [[m[2], m[1]]] : [];
    }),
  );

type Rewrite = (method: string, url: URL, body: unknown) => unknown;

/** A transport that hands answers to `rewrite` (JSON in, JSON out) before the client reads them. */
export function rewriting(inner: PartneroFetch, rewrite: Rewrite): PartneroFetch {
  return async (url, init) => {
    const res = await inner(url, init);
    const text = await res.text();
    let body: unknown;
    try {
      body = text.trim() === '' ? undefined : JSON.parse(text);
    } catch {
      return { ...res, text: async () => text };
    }
    const changed = rewrite(init.method, new URL(url), body);
    const out = changed === undefined ? text : JSON.stringify(changed);
    const answer: PartneroResponse = { status: res.status, headers: res.headers, text: async () => out };
    return answer;
  };
}

/** Removes `id` and `key` from every customer object in an answer (one, a list, or a bare payload). */
export function stripCustomerNames(_method: string, url: URL, body: unknown): unknown {
  if (!/\/customers(\/|$)/.test(url.pathname) || /\/(stats|balance)$/.test(url.pathname)) return body;
  const strip = (c: unknown) => {
    if (!isObj(c)) return c;
    const { id: _id, key: _key, ...rest } = c;
    return rest;
  };
  if (!isObj(body)) return Array.isArray(body) ? body.map(strip) : body;
  const data = body.data;
  return { ...body, data: Array.isArray(data) ? data.map(strip) : strip(data) };
}
