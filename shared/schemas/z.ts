import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * The project uses the tree-shakeable `zod/mini` build: classic `zod` bundles its whole API
 * (≈ 450 KiB minified) into every Lambda, mini only what a schema uses (≈ 20 KiB). Schema modules
 * `import * as z from 'zod/mini'` directly (a re-exported namespace would defeat tree shaking) and
 * import this module, which gives mini the English messages it does not ship with.
 */
z.config(en());

/** A trimmed string of `min`–`max` characters. */
export const text = (min: number, max: number) =>
  z.string().check(z.trim(), z.minLength(min), z.maxLength(max));

/** A schema with its OpenAPI description. */
export const describe = <T extends z.ZodMiniType>(schema: T, description: string) =>
  schema.check(z.describe(description));
