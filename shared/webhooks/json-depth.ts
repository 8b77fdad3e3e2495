/**
 * Whether a JSON text nests arrays/objects deeper than `max`. Scanned over the bytes with a counter
 * (no recursion, no parse), so a hostile 40,000-deep body is refused before JSON.parse or
 * JSON.stringify could overflow the stack. Brackets inside strings are skipped.
 */
export function nestsDeeperThan(body: Buffer, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
