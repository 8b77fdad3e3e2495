import { readFileSync } from 'node:fs';
import { ENTRY_FILES } from '#infra/entries.js';
import { FUNCTION_NAMES, lambdaOf, synth } from './synth.js';

/**
 * docs/runtime-contract.md is the agreement between infra/, functions/ and local/: every entry the stack
 * references is listed there, and each function gets exactly the variables its row names.
 */
const contract = readFileSync(new URL('../../docs/runtime-contract.md', import.meta.url), 'utf8');

const namesIn = (text: string) => [...text.matchAll(/`([A-Z][A-Z0-9_]+)`(\??)/g)];
const commonNames = namesIn(contract.split(/^Common:/m)[1]?.split(/\n\s*\n/)[0] ?? '');
const common = commonNames.filter(([, , opt]) => opt === '').map(([, name]) => name as string);
/** Common variables marked `?`: set only when configured. */
const commonOptional = commonNames.filter(([, , opt]) => opt === '?').map(([, name]) => name as string);

/** A `(without \`NAME\`, …)` in a row takes common variables away from that function (it must not get them). */
const WITHOUT = /\(without ([^)]*)\)/g;

function contractRow(file: string): { required: string[]; optional: string[]; absent: string[] } {
  const row = contract.split('\n').find((line) => line.startsWith(`| \`functions/${file}\``));
  if (!row) throw new Error(`functions/${file} is not in docs/runtime-contract.md`);
  const envColumn = row.split('|').at(-2) ?? '';
  const absent = [...envColumn.matchAll(WITHOUT)].flatMap((m) =>
    namesIn(m[1] ?? '').map(([, n]) => n as string),
  );
  const vars = namesIn(envColumn.replace(WITHOUT, ''));
  return {
    required: [
      ...common.filter((name) => !absent.includes(name)),
      ...vars.filter(([, , opt]) => opt === '').map(([, name]) => name as string),
    ],
    optional: [
      ...commonOptional.filter((name) => !absent.includes(name)),
      ...vars.filter(([, , opt]) => opt === '?').map(([, name]) => name as string),
    ],
    absent,
  };
}

describe('docs/runtime-contract.md', () => {
  it('lists the common variables', () => {
    expect(common).toEqual(
      expect.arrayContaining(['PARTNERO_SECRET_ID', 'PARTNERO_API_URL', 'SECRET_CACHE_TTL_SECONDS']),
    );
  });

  it.each(Object.entries(ENTRY_FILES))('lists the entry of %s (%s)', (_, file) => {
    expect(() => contractRow(file)).not.toThrow();
  });

  it('keeps the API key secret from the webhook function', () => {
    expect(contractRow(ENTRY_FILES.partneroWebhook).absent).toEqual(['PARTNERO_SECRET_ID']);
  });

  describe('each function gets the variables of its row', () => {
    const minimal = synth().template;
    const full = synth({
      referralCookieDomain: 'example.com',
      webhookSecret: 'partnero/webhook',
      currencies: ['USD', 'EUR'],
    }).template;
    it.each(FUNCTION_NAMES)('%s', (fn) => {
      const { required, optional, absent } = contractRow(ENTRY_FILES[fn]);
      const allowed = [...required, ...optional];
      for (const template of [minimal, full]) {
        const names = Object.keys(lambdaOf(template, fn).Environment.Variables);
        expect(names).toEqual(expect.arrayContaining(required));
        expect(names.filter((n) => !allowed.includes(n))).toEqual([]);
        expect(names.filter((n) => absent.includes(n))).toEqual([]);
      }
      const withOptional = Object.keys(lambdaOf(full, fn).Environment.Variables);
      expect(withOptional).toEqual(expect.arrayContaining(optional));
    });
  });
});
