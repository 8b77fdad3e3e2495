import { kib, times } from '../stats.js';
import { mark, sizeList, table } from './format.js';
import type { BenchResults } from './results.js';

const HEAD = [
  'Variant',
  'Bundle',
  'Minified',
  'Gzip -9',
  'AWS clients',
  'Compared with',
  '× (minified)',
  '× (gzip)',
  'Verdict',
];

export function bundlesSection(r: BenchResults): string[] {
  const rows = r.bundles.map((b) => [
    b.variant,
    b.name,
    kib(b.bytes),
    kib(b.gzipBytes),
    b.awsClients.map((c) => c.replace('@aws-sdk/client-', '')).join(', '),
    b.floor ? `floor/${b.floor}` : '',
    b.ratio === undefined ? '' : times(b.ratio),
    b.gzipRatio === undefined ? '' : times(b.gzipRatio),
    mark(b.verdict),
  ]);
  return [
    '## Bundles (minified ESM, the stack’s esbuild options)',
    '',
    table(HEAD, rows),
    '',
    'Largest packages and inputs per bundle (bytes in the minified output, from the esbuild metafile):',
    '',
    ...r.bundles.flatMap((b) => [
      `- **${b.variant}/${b.name}** — packages: ${sizeList(b.largestPackages)}`,
      `  - inputs: ${sizeList(b.largestInputs)}`,
    ]),
  ];
}
