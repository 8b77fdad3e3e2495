import { createHmac } from 'node:crypto';
import { canonicalEmail } from './canonical-email.js';

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
