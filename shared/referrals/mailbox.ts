import { createHmac } from 'node:crypto';

/** Two people compared by the mailbox their addresses deliver to, by address or by a keyed hash. */

/** Mailbox providers that ignore dots in the local part, with the domain they deliver for. */
const DOTLESS_DOMAINS: Record<string, string> = { 'gmail.com': 'gmail.com', 'googlemail.com': 'gmail.com' };

/**
 * The mailbox an address delivers to, for comparing two people: lower-case, without a `+tag`, and for
 * Gmail without dots and with `googlemail.com` as `gmail.com`. `Alice.Smith+ref@GoogleMail.com` and
 * `alicesmith@gmail.com` are one mailbox. Only for comparisons: the customer keeps the address as given.
 */
export function canonicalEmail(email: string): string {
  const address = email.trim().toLowerCase();
  const at = address.lastIndexOf('@');
  if (at <= 0) return address;
  let local = address.slice(0, at);
  let domain = address.slice(at + 1).replace(/\.$/, '');
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  const dotless = DOTLESS_DOMAINS[domain];
  if (dotless) {
    local = local.replaceAll('.', '');
    domain = dotless;
  }
  return `${local}@${domain}`;
}

export const sameMailbox = (a: string, b: string) => canonicalEmail(a) === canonicalEmail(b);

/** A keyed hash of an email: compares two people's mailboxes without storing either address. */
export type EmailHasher = (email: string) => Promise<string>;

/**
 * HMAC-SHA256 of the canonical mailbox (`canonicalEmail`: `A.lice+ref@GoogleMail.com` and
 * `alice@gmail.com` hash alike), keyed with the stack's email-hash secret, so a copy of the key map alone
 * cannot be turned back into addresses by hashing guesses.
 */
export function emailHasher(hashKey: () => Promise<string>): EmailHasher {
  return async (email) =>
    createHmac('sha256', await hashKey())
      .update(canonicalEmail(email))
      .digest('base64url');
}
