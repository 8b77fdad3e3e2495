/**
 * THE bundling options of every Lambda function: the stack hands `referralBundling` to NodejsFunction,
 * and the benchmark harness builds the very same bundles with esbuild through `toEsbuildOptions`,
 * so the cold start it measures is the one Lambda will see.
 */

import { fileURLToPath } from 'node:url';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** Lambda runtime the bundles target (Runtime.NODEJS_22_X). */
export const BUNDLE_TARGET = 'node22';

/**
 * ESM has no `require`; some CommonJS dependencies call it for Node built-ins. Define it once at the top
 * of the bundle (aliased import so it cannot clash with a bundled module's own `createRequire`).
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __referralsCreateRequire } from 'node:module'; const require = __referralsCreateRequire(import.meta.url);";

/**
 * Build-time switches, as esbuild `define`s. `REFERRALS_DISPOSABLE_LIST`: the disposable-email list
 * (~150 KB, shared/referrals/disposable-email.ts) goes into a bundle only when the guard is on.
 */
const DISPOSABLE_LIST = 'process.env.REFERRALS_DISPOSABLE_LIST';

/**
 * Lambda gives every function its credentials in the environment: the bundles get the environment
 * provider in place of the SDK's whole default chain (shared/lambda/env-credentials.ts). An absolute
 * path, because esbuild resolves an alias's target from its working directory.
 */
export const CREDENTIAL_PROVIDER_ALIAS = {
  '@aws-sdk/credential-provider-node': fileURLToPath(
    new URL('../shared/lambda/env-credentials.ts', import.meta.url),
  ),
} as const;

/** Bundling options shared by every function (NodejsFunction `bundling`). */
export const referralBundling = {
  format: OutputFormat.ESM,
  target: BUNDLE_TARGET,
  minify: true,
  sourceMap: false,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  // Bundle everything, AWS SDK v3 included: cold start is then our own tree-shaken bundle,
  // not the runtime's full SDK, and the SDK version is the one the tests ran against.
  externalModules: [],
  bundleAwsSDK: true,
  esbuildArgs: {
    '--tree-shaking': 'true',
    ...Object.fromEntries(
      Object.entries(CREDENTIAL_PROVIDER_ALIAS).map(([from, to]) => [`--alias:${from}`, to]),
    ),
  } as Record<string, string>,
  define: { [DISPOSABLE_LIST]: JSON.stringify('omitted') } as Record<string, string>,
} as const satisfies BundlingOptions;

/** The bundling of a function that checks sign-ups against the disposable-email list. */
export const withDisposableEmailList = (bundling: typeof referralBundling = referralBundling) => ({
  ...bundling,
  define: { ...bundling.define, [DISPOSABLE_LIST]: JSON.stringify('bundled') },
});

/** esbuild options equivalent to `bundling` (what NodejsFunction passes to esbuild), for one entry. */
export function toEsbuildOptions(
  entry: string,
  outfile: string,
  bundling: typeof referralBundling = referralBundling,
): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: bundling.format === OutputFormat.ESM ? 'esm' : 'cjs',
    target: bundling.target,
    minify: bundling.minify,
    sourcemap: bundling.sourceMap,
    treeShaking: bundling.esbuildArgs['--tree-shaking'] === 'true',
    mainFields: [...bundling.mainFields],
    banner: { js: bundling.banner },
    external: [...bundling.externalModules],
    define: { ...bundling.define },
    alias: { ...CREDENTIAL_PROVIDER_ALIAS },
  };
}
