/**
 * Encodes one URL path segment. Dots are encoded too so the value can never form a `.`/`..`
 * segment; ids that are nothing but dots are rejected by the caller, because the WHATWG URL
 * parser (used by fetch) still treats `%2E%2E` as `..`.
 */
export function encodePathSegment(value: string): string {
  return encodeURIComponent(value).replace(/\./g, '%2E');
}

/** A usable path id: a non-blank string that is not only dots. */
export function isValidPathId(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && !/^\.+$/.test(value);
}
