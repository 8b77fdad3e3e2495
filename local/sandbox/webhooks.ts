import { createHmac, randomUUID } from 'node:crypto';

export interface WebhookOptions {
  urls: string[];
  secret: string;
  maxAttempts?: number;
  baseDelayMs?: number;
}

export interface Delivery {
  id: string;
  event: string;
  url: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  delivered: boolean;
  /** The exact raw body that was signed and sent. */
  body: string;
  signature: string;
  createdAt: string;
}

const RECEIVER_TIMEOUT_MS = 5000;

export const sign = (secret: string, body: string): string =>
  createHmac('sha256', secret).update(body).digest('hex');

/** Signed, retried, fire-and-forget webhook deliveries, kept for inspection and replay. */
export class Webhooks {
  deliveries: Delivery[] = [];
  private config: Required<WebhookOptions>;
  private timers = new Set<NodeJS.Timeout>();
  private abort = new AbortController();

  constructor(private readonly initial?: WebhookOptions) {
    this.config = Webhooks.resolve(initial);
  }

  private static resolve(opts?: WebhookOptions): Required<WebhookOptions> {
    return {
      urls: opts?.urls ?? [],
      secret: opts?.secret ?? '',
      maxAttempts: opts?.maxAttempts ?? 5,
      baseDelayMs: opts?.baseDelayMs ?? 200,
    };
  }

  get settings(): Required<WebhookOptions> {
    return { ...this.config, urls: [...this.config.urls] };
  }

  configure(opts: Partial<WebhookOptions>): void {
    this.config = {
      ...this.config,
      ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)),
    };
  }

  emit(event: string, data: unknown): void {
    for (const url of this.config.urls) {
      const id = `whk_${randomUUID()}`;
      const createdAt = new Date().toISOString();
      const body = JSON.stringify({ event, data, created_at: createdAt, webhook_key: id });
      const delivery: Delivery = {
        id,
        event,
        url,
        attempts: 0,
        lastStatus: null,
        lastError: null,
        delivered: false,
        body,
        signature: sign(this.config.secret, body),
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

  /** Drops deliveries and pending retries, and restores the configuration given at start. */
  reset(): void {
    this.cancelPending();
    this.deliveries = [];
    this.config = Webhooks.resolve(this.initial);
  }

  stop(): void {
    this.cancelPending();
    this.abort.abort();
  }

  private cancelPending(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(delivery: Delivery, delayMs: number): void {
    const timer = setTimeout(async () => {
      this.timers.delete(timer);
      // Deliveries dropped by reset() must not be retried.
      if (!this.deliveries.includes(delivery) || this.abort.signal.aborted) return;
      const delivered = await this.attempt(delivery);
      if (!delivered && delivery.attempts < this.config.maxAttempts && this.deliveries.includes(delivery)) {
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
