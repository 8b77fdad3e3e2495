import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { build } from 'esbuild';
import { referralBundling, toEsbuildOptions } from '#infra/bundling.js';

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
  });
});
