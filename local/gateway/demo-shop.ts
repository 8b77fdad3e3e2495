import { randomBytes } from 'node:crypto';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';

export interface OrderSettings {
  busName: string;
  source: string;
  placedDetailType: string;
  refundedDetailType: string;
}

export interface DemoOrder {
  orderId: string;
  customerId: string;
  amount: number;
  currency: string;
  productId: string;
  status: 'placed' | 'refunded';
  placedAt: string;
  refundedAt: string | null;
  /** EventBridge ids of the events this order produced (placed, then refunded). */
  eventIds: string[];
}

export class OrderError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface PlaceInput {
  amount?: unknown;
  currency?: unknown;
  productId?: unknown;
}

/**
 * The demo shop's order system: it publishes `Order Placed` / `Order Refunded` with the real
 * EventBridge client, exactly as a team's own order service would (`PutEvents` on the project's bus),
 * and remembers the orders so the page can list and refund them.
 */
export class DemoShop {
  private readonly orders: DemoOrder[] = [];

  constructor(
    private readonly client: Pick<EventBridgeClient, 'send'>,
    private readonly settings: OrderSettings,
  ) {}

  list(customerId: string): DemoOrder[] {
    return this.orders.filter((o) => o.customerId === customerId).reverse();
  }

  async place(customerId: string, input: PlaceInput): Promise<DemoOrder> {
    const amount = input.amount ?? 100;
    if (typeof amount !== 'number' || !(amount > 0 && amount <= 1_000_000)) {
      throw new OrderError(400, 'validation', 'amount must be a number between 0 and 1000000');
    }
    const currency = input.currency ?? 'USD';
    if (typeof currency !== 'string' || !/^[A-Za-z]{3}$/.test(currency)) {
      throw new OrderError(400, 'validation', 'currency must be a 3-letter code');
    }
    const productId = input.productId ?? 'pro-annual';
    if (typeof productId !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(productId)) {
      throw new OrderError(400, 'validation', 'productId must be 1–64 characters of letters, digits, _ . -');
    }
    const order: DemoOrder = {
      orderId: `ord_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`,
      customerId,
      amount,
      currency: currency.toUpperCase(),
      productId,
      status: 'placed',
      placedAt: new Date().toISOString(),
      refundedAt: null,
      eventIds: [],
    };
    const eventId = await this.publish(this.settings.placedDetailType, {
      orderId: order.orderId,
      customerId,
      amount: order.amount,
      currency: order.currency,
      productId,
      productType: 'subscription',
    });
    order.eventIds.push(eventId);
    this.orders.push(order);
    return order;
  }

  async refund(customerId: string, orderId: string): Promise<DemoOrder> {
    const order = this.orders.find((o) => o.orderId === orderId && o.customerId === customerId);
    if (!order) throw new OrderError(404, 'not_found', 'No such order of yours');
    if (order.status === 'refunded')
      throw new OrderError(409, 'already_refunded', 'The order is already refunded');
    const eventId = await this.publish(this.settings.refundedDetailType, { orderId, customerId });
    order.status = 'refunded';
    order.refundedAt = new Date().toISOString();
    order.eventIds.push(eventId);
    return order;
  }

  private async publish(detailType: string, detail: Record<string, unknown>): Promise<string> {
    const out = await this.client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.settings.busName,
            Source: this.settings.source,
            DetailType: detailType,
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    const [entry] = out.Entries ?? [];
    if ((out.FailedEntryCount ?? 0) > 0 || !entry?.EventId) {
      throw new OrderError(
        502,
        'put_events_failed',
        `PutEvents rejected the event (${entry?.ErrorCode ?? 'unknown'})`,
      );
    }
    return entry.EventId;
  }
}
