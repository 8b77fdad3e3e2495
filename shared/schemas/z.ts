import { config, maxLength, minLength, string, trim } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * The project uses the tree-shakeable `zod/mini` build: classic `zod` bundles its whole API
 * (≈ 450 KiB minified) into every Lambda, mini only what a schema uses (≈ 20 KiB). Schema modules
 * `import * as z from 'zod/mini'` directly (a re-exported namespace would defeat tree shaking) and
 * import this module, which gives mini the English messages it does not ship with.
 */
config(en());

/** A trimmed string of `min`–`max` characters. */
export const text = (min: number, max: number) => string().check(trim(), minLength(min), maxLength(max));
