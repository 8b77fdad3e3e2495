import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type RunningSandbox, startSandbox } from '#local/sandbox/index.js';
import { REFER_A_FRIEND_EVENTS } from '#shared/partnero/events.js';
import { createPartneroAdmin } from '#tools/cli/partnero-webhooks.js';
import { checkProgramKey } from '#tools/cli/program-key.js';
import { webhookCreateFailure } from '#tools/connect/webhook-errors.js';

// The program-type checks of connect over real HTTP: the sandbox answers as Partnero does for the key
// of a refer-a-friend program (no partners route) and of an affiliate program (partners, other events).
let referAFriend: RunningSandbox;
let affiliate: RunningSandbox;
beforeAll(async () => {
  referAFriend = await startSandbox({ port: 0, host: '127.0.0.1' });
  affiliate = await startSandbox({ port: 0, host: '127.0.0.1', program: 'affiliate' });
});
afterAll(async () => {
  await referAFriend.close();
  await affiliate.close();
});

const adminOf = (sb: RunningSandbox) => createPartneroAdmin({ baseUrl: sb.apiUrl, apiKey: sb.apiKey });
const webhook = { name: 'test', url: 'https://example.com/webhooks/partnero', events: REFER_A_FRIEND_EVENTS };

describe('connect tells a refer-a-friend key from an affiliate key (sandbox over HTTP)', () => {
  it("accepts a refer-a-friend program's key, whose program has no partners route", async () => {
    await expect(checkProgramKey(adminOf(referAFriend), referAFriend.apiUrl)).resolves.toBeUndefined();
  });

  it("stops before any write on an affiliate program's key, naming the key to use", async () => {
    await expect(checkProgramKey(adminOf(affiliate), affiliate.apiUrl)).rejects.toThrow(
      /^This is the API key of an affiliate .*\(its program lists partners\): use the key of your refer-a-friend program \(Partnero → Programs/,
    );
  });

  it('explains a refused refer-a-friend event as the wrong program, and subscribes nothing', async () => {
    const failure = await adminOf(affiliate)
      .createWebhook(webhook)
      .then(
        () => undefined,
        (e: unknown) => webhookCreateFailure(e, webhook.url, affiliate.apiUrl),
      );
    expect(failure?.message).toMatch(
      /affiliate .*Partnero refused the refer-a-friend events: events\.3: The selected events\.3 is invalid\.; events\.4/,
    );
    expect(affiliate.store.state.webhooks).toEqual([]);
  });

  it('explains a URL Partnero cannot accept', async () => {
    const bad = { ...webhook, url: 'ftp://example.com/hook' };
    const failure = await adminOf(referAFriend)
      .createWebhook(bad)
      .then(
        () => undefined,
        (e: unknown) => webhookCreateFailure(e, bad.url, referAFriend.apiUrl),
      );
    expect(failure?.message).toMatch(
      /^Partnero cannot accept the webhook URL ftp:\/\/example\.com\/hook \(url: /,
    );
  });
});
