import { createHmac, randomUUID } from 'node:crypto';
import { REFER_A_FRIEND_EVENTS, type ReferAFriendEvent } from '#shared/partnero/events.js';
import { randomKey, type Store, type WebhookRecord } from './store.js';

export type WebhookEvent = ReferAFriendEvent;

/**
 * Sandbox-only shortcut: one subscription per url to every refer-a-friend event, signed with
 * `secret`; plus the retry policy, which applies to every subscription.
 */
export interface WebhookOptions {
  urls: string[];
  secret: string;
  maxAttempts?: number;
  baseDelayMs?: number;
}

export interface Delivery {
  /** The sandbox's own handle for the replay control. Partnero has no delivery id; it is never sent. */
  id: string;
  event: string;
  url: string;
  /** The subscription's key, as sent in the body's `webhook_key`. */
  webhookKey: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  delivered: boolean;
  /** The exact raw body that was signed and sent, on every attempt. */
  body: string;
  signature: string;
  /** When the event happened (the body's `created_at`). */
  createdAt: string;
}

export interface SubscriptionInput {
  name: string;
  url: string;
  events: string[];
  isActive: boolean;
}

const RECEIVER_TIMEOUT_MS = 5000;

const newSubscription = (
  input: SubscriptionInput,
  signature: string,
  fromOptions: boolean,
): WebhookRecord => ({
  key: `whk_${randomKey(20)}`,
  ...input,
  events: [...new Set(input.events)],
  signature,
  createdAt: new Date().toISOString(),
  fromOptions,
});

/**
 * How Partnero signs a delivery, written here on its own rather than imported from shared/webhooks: the
 * sandbox stands for Partnero, so sharing the function under test would hide a mismatch.
 */
export const sign = (secret: string, body: string): string =>
  createHmac('sha256', secret).update(body).digest('hex');

/** Webhook subscriptions (kept in the store) and their signed, retried deliveries. */
export class Webhooks {
  deliveries: Delivery[] = [];
  private config: Required<WebhookOptions>;
  private timers = new Set<NodeJS.Timeout>();
  private abort = new AbortController();

  constructor(
    private readonly store: Store,
    private readonly initial?: WebhookOptions,
  ) {
    this.config = Webhooks.resolve(initial);
    this.installOptionSubscriptions();
  }

  private static resolve(opts?: WebhookOptions): Required<WebhookOptions> {
    return {
      urls: [...(opts?.urls ?? [])],
      secret: opts?.secret ?? '',
      maxAttempts: opts?.maxAttempts ?? 5,
      baseDelayMs: opts?.baseDelayMs ?? 200,
    };
  }

  get settings(): Required<WebhookOptions> {
    return { ...this.config, urls: [...this.config.urls] };
  }

  /** Changes the retry policy; new `urls` or `secret` replace the option subscriptions. */
  configure(opts: Partial<WebhookOptions>): void {
    const defined = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
    this.config = { ...this.config, ...defined };
    if (opts.urls !== undefined || opts.secret !== undefined) this.installOptionSubscriptions();
  }

  /** A new subscription with a generated key and signing secret, as `POST /webhooks` makes. */
  subscribe(input: SubscriptionInput): WebhookRecord {
    const record = newSubscription(input, randomKey(40), false);
    this.store.state.webhooks.push(record);
    return record;
  }

  unsubscribe(record: WebhookRecord): void {
    this.store.state.webhooks = this.store.state.webhooks.filter((w) => w !== record);
  }

  /** Queues one delivery per active subscription to `event`; retries resend the very same bytes. */
  emit(event: WebhookEvent, data: unknown): void {
    const createdAt = new Date().toISOString();
    for (const sub of this.store.state.webhooks) {
      if (!sub.isActive || !sub.events.includes(event)) continue;
      const body = JSON.stringify({ event, url: sub.url, webhook_key: sub.key, created_at: createdAt, data });
      const delivery: Delivery = {
        id: `dlv_${randomUUID()}`,
        event,
        url: sub.url,
        webhookKey: sub.key,
        attempts: 0,
        lastStatus: null,
        lastError: null,
        delivered: false,
        body,
        signature: sign(sub.signature, body),
        createdAt,
      };
      this.deliveries.push(delivery);
      this.schedule(delivery, 0);
    }
  }

  find(id: string): Delivery | undefined {
    return this.deliveries.find((d) => d.id === id);
  }

  /** Sends a delivery once more, same body and signature, and waits for the outcome. */
  async replay(delivery: Delivery): Promise<Delivery> {
    await this.attempt(delivery);
    return delivery;
  }

  /** Drops deliveries and pending retries; restores the options given at start (after a store reset). */
  reset(): void {
    this.cancelPending();
    this.deliveries = [];
    this.config = Webhooks.resolve(this.initial);
    this.installOptionSubscriptions();
  }

  stop(): void {
    this.cancelPending();
    this.abort.abort();
  }

  /**
   * Replaces the subscriptions made from options with one per configured url. A persisted one with
   * the same url and secret keeps its key, so `webhook_key` stays stable across restarts.
   */
  private installOptionSubscriptions(): void {
    const { store } = this;
    const previous = store.state.webhooks.filter((w) => w.fromOptions);
    if (previous.length === 0 && this.config.urls.length === 0) return;
    store.state.webhooks = store.state.webhooks.filter((w) => !w.fromOptions);
    const installed = this.config.urls.map((url) => {
      const kept = previous.find((w) => w.url === url && w.signature === this.config.secret);
      const input = { name: 'sandbox options', url, events: [...REFER_A_FRIEND_EVENTS], isActive: true };
      return kept ?? newSubscription(input, this.config.secret, true);
    });
    store.state.webhooks.unshift(...installed);
    store.commit();
  }

  private cancelPending(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** Retries stop when the delivery was dropped by reset() or its subscription was deleted. */
  private live(delivery: Delivery): boolean {
    return (
      !this.abort.signal.aborted &&
      this.deliveries.includes(delivery) &&
      this.store.webhook(delivery.webhookKey) !== undefined
    );
  }

  private schedule(delivery: Delivery, delayMs: number): void {
    const timer = setTimeout(async () => {
      this.timers.delete(timer);
      if (!this.live(delivery)) return;
      const delivered = await this.attempt(delivery);
      if (!delivered && delivery.attempts < this.config.maxAttempts && this.live(delivery)) {
        this.schedule(delivery, this.config.baseDelayMs * 2 ** (delivery.attempts - 1));
      }
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private async attempt(delivery: Delivery): Promise<boolean> {
    delivery.attempts += 1;
    try {
      const res = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          signature: delivery.signature,
          'user-agent': 'partnero-sandbox-webhooks',
        },
        body: delivery.body,
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(RECEIVER_TIMEOUT_MS)]),
      });
      await res.arrayBuffer().catch(() => undefined);
      delivery.lastStatus = res.status;
      delivery.lastError = null;
      if (res.ok) delivery.delivered = true;
      return res.ok;
    } catch (err) {
      delivery.lastStatus = null;
      delivery.lastError = err instanceof Error ? String(err.cause ?? err.message) : String(err);
      return false;
    }
  }
}
