/**
 * Import cost per dependency (bench/profile.ts, part 1): tiny probe bundles, built with the stack's
 * options from infra/bundling.ts, that import one dependency each, imported in fresh `node` processes.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ROOT } from '#bench/build.js';
import { toEsbuildOptions } from '#infra/bundling.js';
import { median } from './stats.js';

/** Probe modules: each imports one dependency the way the project (or a baseline) does. */
const PROBES: Record<string, string> = {
  'nothing (ESM loader baseline)': 'export const x = 1;',
  '@aws-sdk/client-secrets-manager (client created)':
    "import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'; export const c = new SecretsManagerClient({});",
  'zod (classic API, one schema)': "import { z } from 'zod'; export const s = z.object({ a: z.string() });",
  'zod/mini (one schema)': "import * as z from 'zod/mini'; export const s = z.object({ a: z.string() });",
  'shared/schemas (the project’s request schemas)': ['credit-route', 'referral-routes', 'transaction-routes']
    .map((route) => `export * from '${join(ROOT, `shared/schemas/${route}.ts`)}';`)
    .join(' '),
  'shared/lambda/runtime.ts (Powertools Logger, Metrics)': `export { logger } from '${join(ROOT, 'shared/lambda/runtime.ts')}';`,
  '@middy/core': "import middy from '@middy/core'; export const h = middy().handler(async () => 1);",
  '@aws-lambda-powertools/metrics':
    "import { Metrics } from '@aws-lambda-powertools/metrics'; export const m = new Metrics({ namespace: 'n', serviceName: 's' });",
  '@aws-lambda-powertools/idempotency (+ DynamoDB layer)':
    "export { makeIdempotent } from '@aws-lambda-powertools/idempotency'; export { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';",
  '@aws-sdk/client-dynamodb (client created)':
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb'; export const c = new DynamoDBClient({});",
  'express + cookie-parser + serverless-http (peer)':
    "import express from 'express'; import cookieParser from 'cookie-parser'; import serverless from 'serverless-http'; const app = express(); app.use(cookieParser()); app.use(express.json()); export const h = serverless(app);",
};

/** The environment of a bare `node` that only imports a module (no Lambda variables). */
export const PLAIN_NODE_ENV = {
  PATH: process.env.PATH,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  AWS_REGION: 'us-east-1',
};

function importMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: PLAIN_NODE_ENV,
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`probe ${file} failed: ${out.stderr}`);
  return Number(out.stdout);
}

/** Each probe's bundle size and median import time over `runs` fresh processes; files go to `dir`. */
export async function probeImportCosts(dir: string, runs: number) {
  mkdirSync(dir, { recursive: true });
  const rows: { name: string; bytes: number; ms: number }[] = [];
  const names = Object.keys(PROBES);
  const files = names.map((_, i) => join(dir, `probe-${i}.mjs`));
  await Promise.all(
    names.map(async (name, i) => {
      const source = join(dir, `probe-${i}.ts`);
      writeFileSync(source, PROBES[name] as string);
      const { entryPoints: _e, outfile: _o, ...shared } = toEsbuildOptions(source, files[i] as string);
      await build({
        ...shared,
        entryPoints: [source],
        outfile: files[i],
        nodePaths: [join(ROOT, 'node_modules')],
        logLevel: 'error',
      });
    }),
  );
  const samples = names.map(() => [] as number[]);
  // Round-robin over the probes, so machine noise hits every probe alike.
  for (let r = 0; r < runs; r++) {
    for (const [i, file] of files.entries()) samples[i]?.push(importMs(file));
  }
  for (const [i, name] of names.entries()) {
    rows.push({ name, bytes: readFileSync(files[i] as string).byteLength, ms: median(samples[i] ?? []) });
  }
  return rows;
}
