/** Each bundle beside the floor it is compared with: the size ratios and the bundle budget's verdict. */
import { type BundleInfo, FLOOR_OF_ENTRY } from '#bench/build.js';
import { atMost, ratio, round } from '../stats.js';
import { LIMITS } from './budgets.js';
import type { BundleRow } from './results.js';

/** Each bundle with its floor and size ratio; project bundles get the 1.5× verdict. */
export function bundleRows(bundles: readonly BundleInfo[]): BundleRow[] {
  const floors = new Map(bundles.filter((b) => b.variant === 'floor').map((b) => [b.name, b]));
  return bundles.map(({ outfile: _outfile, ...b }) => {
    const floorName =
      b.variant === 'project' ? FLOOR_OF_ENTRY[b.name] : b.variant === 'peer' ? b.name : undefined;
    const floor = floorName ? floors.get(floorName) : undefined;
    if (!floor) return b;
    const r = ratio(b.bytes, floor.bytes);
    return {
      ...b,
      floor: floor.name,
      ratio: round(r),
      gzipRatio: round(ratio(b.gzipBytes, floor.gzipBytes)),
      sameAwsClients: b.awsClients.join() === floor.awsClients.join(),
      ...(b.variant === 'project' ? { verdict: atMost(r, LIMITS.bundleVsFloor) } : {}),
    };
  });
}
