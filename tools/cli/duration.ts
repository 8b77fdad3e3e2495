import { ToolError } from './errors.js';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `30m`, `24h`, `7d` or `0` as milliseconds; anything else is a usage error. */
export function parseDuration(text: string, flag: string): number {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  const match = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(trimmed);
  if (!match) throw new ToolError(`${flag} takes a duration such as 30m, 24h or 7d (or 0), not "${text}"`, 2);
  return Math.round(Number(match[1]) * (UNITS[match[2] as string] as number));
}
