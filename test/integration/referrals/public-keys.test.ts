import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  DynamoReferralKeys,
  generatePublicKey,
  KEY_ALPHABET,
  KEY_LENGTH,
} from '#shared/referrals/public-keys.js';
import { type LocalDynamo, startLocalDynamo, TEST_TABLES } from '#test/support/local-dynamo.js';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo.close());
beforeEach(() => dynamo.reset());

const mapOf = (draw?: () => string) =>
  new DynamoReferralKeys(dynamo.client(), TEST_TABLES.referralKeys, ...(draw ? [draw] : []));

describe('public keys', () => {
  it('are 9 characters of an alphabet without look-alikes, and never derived from the account', () => {
    expect(KEY_ALPHABET).not.toMatch(/[01ilo]/);
    const keys = Array.from({ length: 2000 }, () => generatePublicKey());
    for (const key of keys) expect(key).toMatch(new RegExp(`^[${KEY_ALPHABET}]{${KEY_LENGTH}}$`));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('enrol an account once: the same key on every later call, and the map answers both ways', async () => {
    const keys = mapOf();
    const first = await keys.enrol('acct-1', 'hash-1');
    expect(first).toMatchObject({ kind: 'random', created: true, referrerKey: null });
    expect(await keys.enrol('acct-1', 'hash-1')).toEqual({ ...first, created: false });
    expect(await keys.ownerOf(first.publicKey)).toEqual({ accountId: 'acct-1', emailHash: 'hash-1' });
    expect(await keys.keyOf('acct-1')).toMatchObject({ publicKey: first.publicKey, kind: 'random' });
    expect(await keys.ownerOf('unknown00')).toBeUndefined();
  });

  it('give every account its own key under concurrency, and one account one key however many race', async () => {
    const keys = mapOf();
    const accounts = Array.from({ length: 40 }, (_, i) => `acct-${i}`);
    const many = await Promise.all(accounts.map((a) => keys.enrol(a, null)));
    expect(new Set(many.map((k) => k.publicKey)).size).toBe(accounts.length);
    const racing = await Promise.all(Array.from({ length: 20 }, () => keys.enrol('same', null)));
    expect(new Set(racing.map((k) => k.publicKey)).size).toBe(1);
    expect(racing.filter((k) => k.created)).toHaveLength(1);
    // The losers' drawn keys were never written: only the winner's key maps to the account.
    const owners = await Promise.all(racing.map((k) => keys.ownerOf(k.publicKey)));
    expect(owners.every((o) => o?.accountId === 'same')).toBe(true);
  });

  it('draw again when a key is taken, and give up with an error after five taken draws', async () => {
    const drawn = ['taken0000', 'taken0000', 'fresh0000'];
    const keys = mapOf(() => drawn.shift() ?? 'unused000');
    await keys.enrol('first', null);
    expect((await keys.enrol('second', null)).publicKey).toBe('fresh0000');
    expect(await keys.ownerOf('taken0000')).toMatchObject({ accountId: 'first' });
    const stuck = mapOf(() => 'taken0000');
    await expect(stuck.enrol('third', null)).rejects.toThrow(/no free public key after 5 draws/);
    expect(await stuck.keyOf('third')).toBeUndefined();
  });

  it('mark an account enrolled before the map as keyed by its account id, and give the drawn key back', async () => {
    const keys = mapOf();
    const drawn = await keys.enrol('legacy-acct', 'h');
    const legacy = await keys.markLegacy('legacy-acct', 'h', drawn.publicKey);
    expect(legacy).toEqual({ publicKey: 'legacy-acct', kind: 'account_id', referrerKey: null });
    expect(await keys.keyOf('legacy-acct')).toEqual(legacy);
    expect(await keys.ownerOf(drawn.publicKey)).toBeUndefined();
    expect(await keys.enrol('legacy-acct', 'h')).toEqual({ ...legacy, created: false });
  });

  it('remember the link an account signed up through, the first one only', async () => {
    const keys = mapOf();
    await keys.enrol('friend', null);
    await keys.rememberReferrer('friend', 'alicekey1');
    await keys.rememberReferrer('friend', 'otherkey2');
    expect((await keys.keyOf('friend'))?.referrerKey).toBe('alicekey1');
    // Nothing is written for an account that never enrolled.
    await keys.rememberReferrer('nobody', 'alicekey1');
    expect(await keys.keyOf('nobody')).toBeUndefined();
  });
});
