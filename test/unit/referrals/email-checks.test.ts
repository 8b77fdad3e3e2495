import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { loadDisposableEmailCheck } from '#shared/referrals/disposable-email.js';
import { canonicalEmail, sameMailbox } from '#shared/referrals/mailbox.js';

describe('canonicalEmail', () => {
  it.each([
    ['Alice@Example.COM', 'alice@example.com'],
    ['alice+promo@example.com', 'alice@example.com'],
    ['a.lice@example.com', 'a.lice@example.com'],
    ['A.Lice+x+y@gmail.com', 'alice@gmail.com'],
    ['alice@googlemail.com', 'alice@gmail.com'],
    ['alice@gmail.com.', 'alice@gmail.com'],
    ['+tag@example.com', '+tag@example.com'],
    ['not-an-email', 'not-an-email'],
  ])('%s → %s', (email, canonical) => {
    expect(canonicalEmail(email)).toBe(canonical);
  });

  it('is idempotent and case-blind for any address', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        const once = canonicalEmail(email);
        expect(canonicalEmail(once)).toBe(once);
        expect(sameMailbox(email.toUpperCase(), email)).toBe(true);
      }),
      { seed: 20261202, numRuns: 300 },
    );
  });
});

describe('the disposable-email check', () => {
  it('knows throwaway providers and their subdomains, and not ordinary ones', async () => {
    const isDisposable = await loadDisposableEmailCheck();
    expect(isDisposable).toBeDefined();
    expect(isDisposable?.('x@mailinator.com')).toBe(true);
    expect(isDisposable?.('x@MAILINATOR.com')).toBe(true);
    expect(isDisposable?.('x@eu.mailinator.com')).toBe(true);
    expect(isDisposable?.('x@gmail.com')).toBe(false);
    expect(isDisposable?.('x@example.com')).toBe(false);
    expect(isDisposable?.('no-at-sign')).toBe(false);
  });
});
