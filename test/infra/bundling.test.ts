import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { build } from 'esbuild';
import {
  CREDENTIAL_PROVIDER_ALIAS,
  referralBundling,
  toEsbuildOptions,
  withDisposableEmailList,
} from '#infra/bundling.js';
import { DEFAULT_FUNCTIONS_DIR, entryPath } from '#infra/entries.js';

describe('referralBundling', () => {
  it('builds minified, tree-shaken ESM for Node 22 with the AWS SDK inside the bundle', () => {
    expect(referralBundling).toMatchObject({
      format: OutputFormat.ESM,
      target: 'node22',
      minify: true,
      sourceMap: false,
      mainFields: ['module', 'main'],
      externalModules: [],
      bundleAwsSDK: true,
      esbuildArgs: { '--tree-shaking': 'true' },
    });
  });

  it('turns into the same esbuild options for the benchmark harness', () => {
    expect(toEsbuildOptions('in.ts', 'out.mjs')).toEqual({
      entryPoints: ['in.ts'],
      outfile: 'out.mjs',
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      minify: true,
      sourcemap: false,
      treeShaking: true,
      mainFields: ['module', 'main'],
      banner: { js: referralBundling.banner },
      external: [],
      define: { 'process.env.REFERRALS_DISPOSABLE_LIST': '"omitted"' },
      alias: { ...CREDENTIAL_PROVIDER_ALIAS },
    });
    // NodejsFunction gets the same alias as an esbuild flag.
    expect(referralBundling.esbuildArgs).toMatchObject({
      '--alias:@aws-sdk/credential-provider-node':
        CREDENTIAL_PROVIDER_ALIAS['@aws-sdk/credential-provider-node'],
    });
  });

  describe('a bundle built with those options', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'referral-bundle-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('is an ES module that can still require() Node built-ins (createRequire banner)', async () => {
      const entry = join(dir, 'entry.ts');
      writeFileSync(
        entry,
        "declare const require: (id: string) => { sep: string };\nexport const handler = async () => require('node:path').sep;\n",
      );
      const outfile = join(dir, 'index.mjs');
      await build({ ...toEsbuildOptions(entry, outfile), logLevel: 'silent' });
      expect(readFileSync(outfile, 'utf8').startsWith(referralBundling.banner)).toBe(true);
      const script = `import(${JSON.stringify(outfile)}).then(async (m) => console.log(await m.handler()))`;
      expect(
        execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim(),
      ).toBe('/');
    });

    it('resolves credentials from the environment only: no default chain, no STS/SSO clients in the bundle', async () => {
      const entry = join(dir, 'sdk.ts');
      writeFileSync(
        entry,
        "import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';\n" +
          'export const handler = async () => JSON.stringify(await new SecretsManagerClient({ region: "us-east-1" }).config.credentials());\n',
      );
      const outfile = join(dir, 'sdk.mjs');
      const nodePaths = [join(process.cwd(), 'node_modules')];
      await build({ ...toEsbuildOptions(entry, outfile), nodePaths, logLevel: 'silent' });
      const code = readFileSync(outfile, 'utf8');
      expect(code).not.toMatch(/credential-provider-node - defaultProvider|fromSSO|fromTokenFile/);
      const script = `const m = await import(${JSON.stringify(outfile)}); try { console.log(await m.handler()); } catch (e) { console.log('error: ' + e.message); }`;
      const run = (env: NodeJS.ProcessEnv) =>
        execFileSync(process.execPath, ['--input-type=module', '-e', script], {
          encoding: 'utf8',
          env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
        }).trim();
      expect(
        JSON.parse(
          run({ AWS_ACCESS_KEY_ID: 'AKIDLAMBDA', AWS_SECRET_ACCESS_KEY: 's', AWS_SESSION_TOKEN: 't' }),
        ),
      ).toMatchObject({
        accessKeyId: 'AKIDLAMBDA',
        sessionToken: 't',
      });
      // Without them it fails plainly instead of trying profiles, SSO or the instance metadata service.
      expect(run({ AWS_PROFILE: 'somebody' })).toMatch(
        /^error: Unable to find environment variable credentials/,
      );
    });

    it('carries the disposable-email list in the sign-up bundle only when the guard is on', async () => {
      const entry = entryPath(DEFAULT_FUNCTIONS_DIR, 'signup');
      const sizes: number[] = [];
      for (const [name, bundling] of [
        ['off', referralBundling],
        ['on', withDisposableEmailList()],
      ] as const) {
        const outfile = join(dir, `signup-${name}.mjs`);
        await build({ ...toEsbuildOptions(entry, outfile, bundling), logLevel: 'silent' });
        const code = readFileSync(outfile, 'utf8');
        expect(code.includes('mailinator.com')).toBe(name === 'on');
        sizes.push(code.length);
      }
      expect((sizes[1] ?? 0) - (sizes[0] ?? 0)).toBeGreaterThan(50_000);
    });
  });
});
