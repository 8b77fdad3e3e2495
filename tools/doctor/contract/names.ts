/** How the contract check names what it creates, so a later run can find what a killed run left. */

export const RUN_PREFIX = 'referrals-contract-check-';

/** Addresses under example.com (reserved, RFC 2606): no program email reaches anyone. */
export const EMAIL_DOMAIN = 'example.com';

/** `referrals-contract-check-<epoch ms>`: the customers' name and the prefix of every id, email and key. */
export const runName = (now: number) => `${RUN_PREFIX}${now}`;

/** When the run that made a name started, or null for a name of another form. */
export function startedAt(name: string | null | undefined): number | null {
  if (!name?.startsWith(RUN_PREFIX)) return null;
  const match = /^(\d{10,16})(?:\D|$)/.exec(name.slice(RUN_PREFIX.length));
  return match ? Number(match[1]) : null;
}

/** Whether a name or address is one of the check's. */
export const isCheckName = (value: string | null | undefined) => Boolean(value?.startsWith(RUN_PREFIX));
