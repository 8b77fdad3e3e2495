/**
 * Which Partnero the integration tests meet. By default the sandbox answers only the shapes Partnero
 * publishes; with `SANDBOX_VARIANTS=<seed>` (the jest project `variants`) it answers any plausible reading
 * where Partnero is silent, chosen by that seed, so the same suite proves the code reads all of them.
 */
export function sandboxMode(): { variants?: boolean; seed?: number } {
  const seed = process.env.SANDBOX_VARIANTS;
  if (!seed) return {};
  const n = Number(seed);
  if (!Number.isSafeInteger(n)) throw new Error(`SANDBOX_VARIANTS must be a whole-number seed, got ${seed}`);
  return { variants: true, seed: n };
}
