/** Whether an address is at a throwaway mailbox provider. */
export type DisposableEmailCheck = (email: string) => boolean;

/** `domains` lists the address's domain or one it is a subdomain of (`x.mailinator.com`). */
function isListed(domains: ReadonlySet<string>, email: string): boolean {
  const at = email.lastIndexOf('@');
  if (at < 0) return false;
  const labels = email
    .slice(at + 1)
    .trim()
    .toLowerCase()
    .replace(/\.$/, '')
    .split('.');
  for (let i = 0; i < labels.length - 1; i++) if (domains.has(labels.slice(i).join('.'))) return true;
  return false;
}

/**
 * The check against the community-kept list (github.com/disposable-email-domains, packaged weekly as
 * `disposable-email-domains-js`), or undefined when this bundle was built without it. The list is
 * ~150 KB, so the stack bundles it only when `blockDisposableEmails` is on: its bundling defines
 * `process.env.REFERRALS_DISPOSABLE_LIST` as "omitted" otherwise, and esbuild drops this import.
 */
export async function loadDisposableEmailCheck(): Promise<DisposableEmailCheck | undefined> {
  if (process.env.REFERRALS_DISPOSABLE_LIST !== 'omitted') {
    const { disposableEmailBlocklistSet } = await import('disposable-email-domains-js');
    const domains = disposableEmailBlocklistSet();
    return (email) => isListed(domains, email);
  }
  return undefined;
}

/**
 * The sign-up guard: loads the list on first use. A bundle without the list (the flag set by hand, not
 * by the stack) never blocks a sign-up: it says so in the log and lets the referral through.
 */
export function disposableEmailGuard(log: { error(message: string): void }) {
  let check: Promise<DisposableEmailCheck | undefined> | undefined;
  return async (email: string): Promise<boolean> => {
    check ??= loadDisposableEmailCheck();
    const isDisposable = await check;
    if (isDisposable) return isDisposable(email);
    log.error('BLOCK_DISPOSABLE_EMAILS is on but this bundle has no list: deploy with blockDisposableEmails');
    return false;
  };
}
