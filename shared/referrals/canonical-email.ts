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
