/**
 * Reading a `node --cpu-prof` profile of an unminified esbuild bundle: self time per package, through
 * the `// node_modules/x/y.js` comments esbuild writes before each module.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageOf } from '#bench/build.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Line → module of an unminified esbuild bundle, from its `// node_modules/x/y.js` markers. */
function moduleIndex(code: string) {
  const marks: { line: number; pkg: string }[] = [];
  code.split('\n').forEach((text, line) => {
    const m = /^\/\/ ((?:node_modules|shared|functions|bench)\/\S+\.[cm]?[jt]s)$/.exec(text.trim());
    if (m) marks.push({ line, pkg: packageOf(m[1] as string) });
  });
  return (line: number) => {
    let lo = 0;
    let hi = marks.length - 1;
    let found = '(esbuild module wrappers, incl. lazy compile of module bodies)';
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const mark = marks[mid] as { line: number; pkg: string };
      if (mark.line <= line) {
        found = mark.pkg;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

/** What a frame outside the bundle is: a Node subsystem, the harness, or its URL. */
function bucketOf(frame: ProfileNode['callFrame'] | undefined): string {
  const url = frame?.url ?? '';
  if (url === '') return frame?.functionName ?? '(unknown)';
  if (url.includes('undici')) return 'node: undici (fetch)';
  if (url.startsWith('node:internal/deps/'))
    return `node: ${url.slice('node:internal/deps/'.length).split('/')[0]}`;
  if (url.startsWith('node:')) return `node: ${url.replace(/^node:(internal\/)?/, '').split('/')[0]}`;
  if (url.includes('/child/')) return '(harness)';
  return url;
}

/** Self time (ms) of the profile in `profileDir`: bundle code by package, everything else by what it is. */
export function selfTimeOf(profileDir: string, bundle: string) {
  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile')) as string;
  const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile;
  const lookup = moduleIndex(readFileSync(bundle, 'utf8'));
  const bundleUrl = pathToFileURL(bundle).href;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const inBundle = new Map<string, number>();
  const outside = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const [counts, bucket] =
      frame?.url === bundleUrl ? [inBundle, lookup(frame.lineNumber)] : [outside, bucketOf(frame)];
    counts.set(bucket, (counts.get(bucket) ?? 0) + dt);
  });
  return { total, inBundle, outside };
}
