import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * The click-through of docs/local.md in a real browser, as steps that share state: Alice, Bob, a
 * purchase, a refund and a self-referral, against a running `npm start`.
 */
export interface DemoUrls {
  demo: string;
  sandbox: string;
}

export interface Step {
  name: string;
  run: () => Promise<void>;
}

const SCREENSHOTS = 'test-results/e2e';
const WAIT_MS = 20_000;

class Check extends Error {}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Check(message);
}

const byTestId = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);

async function text(page: Page, id: string): Promise<string> {
  return ((await byTestId(page, id).first().textContent()) ?? '').trim();
}

/** Waits until `probe` returns a truthy value (the dashboard refreshes every few seconds). */
async function eventually<T>(probe: () => Promise<T>, what: string, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
      last = value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Check(`${what} (last seen: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function balance(page: Page): Promise<number> {
  return Number(await byTestId(page, 'balance-amount').getAttribute('data-amount'));
}

async function signUpAs(page: Page, user: 'alice' | 'bob') {
  await byTestId(page, `demo-user-${user}`).click();
  await byTestId(page, 'signup-submit').click();
  await byTestId(page, 'dashboard').waitFor({ state: 'visible', timeout: WAIT_MS });
  await eventually(
    async () => (await byTestId(page, 'referral-link').inputValue()) !== '',
    'the referral link to load',
  );
}

export function demoSteps(
  browser: Browser,
  urls: DemoUrls,
  log: (line: string) => void,
): { steps: Step[]; close: () => Promise<void> } {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const demoOrigin = new URL(urls.demo).origin;
  const contexts: BrowserContext[] = [];
  let alice: Page;
  let bob: Page;
  let aliceLink = '';
  /** Alice's public key: ours, random, never her account id. */
  let aliceKey = '';
  let balanceBefore = 0;
  let orderId = '';

  const newPage = async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: demoOrigin });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (e) => log(`    [browser error] ${e.message}`));
    return page;
  };
  const shot = async (page: Page, name: string) => {
    await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
  };

  const steps: Step[] = [
    {
      name: 'Alice signs up and copies her referral link',
      run: async () => {
        alice = await newPage();
        await alice.goto(urls.demo);
        await signUpAs(alice, 'alice');
        aliceLink = await byTestId(alice, 'referral-link').inputValue();
        aliceKey = new URL(aliceLink).searchParams.get('ref') ?? '';
        check(
          /^[2-9a-hjkmnp-z]{9}$/.test(aliceKey),
          `Alice's link carries a random public key: ${aliceLink}`,
        );
        check(aliceLink === `${urls.demo}?ref=${aliceKey}`, `referral link is ${aliceLink}`);
        await byTestId(alice, 'copy-link').click();
        await eventually(
          async () => (await text(alice, 'copy-status')).includes('copied'),
          'the "copied" confirmation',
        );
        const copied = await alice.evaluate(() => navigator.clipboard.readText());
        check(copied === aliceLink, `clipboard holds ${copied}`);
        balanceBefore = await balance(alice);
        check(balanceBefore === 0, `a new customer's balance is ${balanceBefore}`);
        await shot(alice, 'alice-1-signed-up');
      },
    },
    {
      name: 'Bob opens the link in a fresh browser context and gets the partnero_referral cookie',
      run: async () => {
        bob = await newPage();
        await bob.goto(aliceLink);
        await byTestId(bob, 'invite-banner').waitFor({ state: 'visible', timeout: WAIT_MS });
        // A cookie is only a claim: the banner names nobody until sign-up attributes it.
        const banner = await text(bob, 'invite-banner');
        check(!banner.includes('alice'), `the banner names nobody before sign-up: ${banner}`);
        const cookies = await bob.context().cookies(urls.demo);
        const cookie = cookies.find((c) => c.name === 'partnero_referral');
        check(
          cookie?.value === aliceKey,
          `cookies: ${JSON.stringify(cookies.map((c) => `${c.name}=${c.value}`))}`,
        );
        await shot(bob, 'bob-invited');
      },
    },
    {
      name: 'Bob signs up and is attributed to Alice',
      run: async () => {
        await signUpAs(bob, 'bob');
        await eventually(
          async () => (await text(bob, 'referred-by')) === 'Invited by Alice',
          'Bob to show "Invited by Alice"',
        );
        await eventually(
          async () =>
            (await text(alice, 'stat-signups')) === '1' && (await text(alice, 'stat-referrals')) === '1',
          "Alice's dashboard to count Bob's sign-up",
        );
        await eventually(
          async () => (await text(alice, 'friends-list')).includes('Bob'),
          'Bob in Alice’s friends',
        );
        await eventually(
          async () => (await text(alice, 'balance-points')) === '50 points',
          'Alice’s 50 points for the sign-up, beside her money',
        );
        await eventually(
          async () => (await text(alice, 'stat-clicks')) === '1',
          'the click on Alice’s link to be counted',
        );
      },
    },
    {
      name: 'Bob buys Pro for 100 USD (Order Placed on the bus)',
      run: async () => {
        await byTestId(bob, 'buy-button').click();
        const order = byTestId(bob, 'order-item').first();
        await order.waitFor({ state: 'visible', timeout: WAIT_MS });
        orderId = (await order.getAttribute('data-order-id')) ?? '';
        check(orderId !== '', 'the order has an id');
        check((await text(bob, 'order-status')) === 'placed', 'the order is placed');
        await eventually(
          async () =>
            (await bob.locator('[data-testid="event-item"][data-detail-type="Order Placed"]').count()) > 0,
          'Order Placed in the live events panel',
        );
      },
    },
    {
      name: "Alice's dashboard shows one referral and the 10 USD reward",
      run: async () => {
        await eventually(async () => (await balance(alice)) === balanceBefore + 10, 'a balance of +10');
        check(
          (await text(alice, 'balance-amount')) === '$10.00',
          `balance shows ${await text(alice, 'balance-amount')}`,
        );
        check((await text(alice, 'stat-referrals')) === '1', 'one referral');
        check((await text(alice, 'stat-paid-referrals')) === '1', 'one paying friend');
        await eventually(
          async () => (await alice.locator('[data-testid="event-item"][data-source="partnero"]').count()) > 0,
          "Partnero's webhook events in Alice's events panel",
        );
        await shot(alice, 'alice-2-reward');
      },
    },
    {
      name: "Bob's order is refunded and Alice's balance returns to what it was",
      run: async () => {
        await byTestId(bob, 'refund-button').first().click();
        await eventually(
          async () => (await text(bob, 'order-status')) === 'refunded',
          'the order to show refunded',
        );
        await eventually(
          async () => (await balance(alice)) === balanceBefore,
          `the balance back to ${balanceBefore}`,
        );
        check((await text(alice, 'stat-referrals')) === '1', 'Bob is still a referral');
        await shot(alice, 'alice-3-refunded');
      },
    },
    {
      name: 'A self-referral (Alice opens her own link and signs up again) changes nothing',
      run: async () => {
        const before = {
          signups: await text(alice, 'stat-signups'),
          referrals: await text(alice, 'stat-referrals'),
          balance: await balance(alice),
        };
        await byTestId(alice, 'sign-out').click();
        await alice.goto(aliceLink);
        const cookie = (await alice.context().cookies(urls.demo)).find((c) => c.name === 'partnero_referral');
        check(cookie?.value === aliceKey, 'Alice now carries her own referral cookie');
        await signUpAs(alice, 'alice');
        await eventually(
          async () => (await text(alice, 'app-status')).includes('Welcome back'),
          'the existing account to be recognised',
        );
        check(await byTestId(alice, 'referred-by').isHidden(), 'Alice is not referred by anyone');
        check((await text(alice, 'stat-signups')) === before.signups, 'sign-ups unchanged');
        check((await text(alice, 'stat-referrals')) === before.referrals, 'referrals unchanged');
        check((await balance(alice)) === before.balance, 'balance unchanged');
        const state = (await (await fetch(`${urls.sandbox}/__sandbox/state`)).json()) as {
          customers: { id: string; referring_customer: unknown }[];
        };
        check(state.customers.length === 2, `the sandbox has ${state.customers.length} customers`);
        check(
          state.customers.find((c) => c.id === 'alice')?.referring_customer === null,
          'Alice has no referrer in Partnero',
        );
        await shot(alice, 'alice-4-after-self-referral');
        await alice.setViewportSize({ width: 390, height: 844 });
        await shot(alice, 'alice-5-mobile');
      },
    },
  ];
  return { steps, close: async () => Promise.all(contexts.map((c) => c.close())).then(() => undefined) };
}
