import { Stack } from 'aws-cdk-lib';
import type { EventBus } from 'aws-cdk-lib/aws-events';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';

/** The `Sid` of the statement, so a team that extends the policy can find it. */
export const ORDER_PRODUCERS_SID = 'OnlyOrderProducersPutOrderEvents';

export interface OrderBusPolicyProps {
  /** The `source` of order events (`orderEvents.source`, default `shop.orders`). */
  readonly source: string;
  /**
   * Who may put events of that source: 12-digit account ids or IAM ARNs (root, role, user).
   * @default - this account
   */
  readonly producers?: readonly string[];
}

/**
 * The statement a bus's resource policy carries so that only the order producers put order events on it:
 * an explicit Deny of `events:PutEvents` for any entry of `source` from every other principal. An explicit
 * Deny wins over any Allow, so a grant made elsewhere (another statement, a cross-account rule) cannot let
 * anyone else pose as the order system and have the rule record a sale. `events:source` holds one value per
 * entry, so the Deny applies when any entry carries the source (ForAnyValue).
 */
export function orderProducersStatement(
  scope: Stack,
  bus: string,
  props: OrderBusPolicyProps,
): PolicyStatement {
  const producers = props.producers?.length ? props.producers : [scope.account];
  const accounts = producers.filter((p) => !p.startsWith('arn:'));
  const arns = producers.filter((p) => p.startsWith('arn:'));
  return new PolicyStatement({
    sid: ORDER_PRODUCERS_SID,
    effect: Effect.DENY,
    principals: [new AnyPrincipal()],
    actions: ['events:PutEvents'],
    resources: [bus],
    conditions: {
      'ForAnyValue:StringEquals': { 'events:source': [props.source] },
      ...(accounts.length ? { StringNotEquals: { 'aws:PrincipalAccount': accounts } } : {}),
      ...(arns.length ? { ArnNotLike: { 'aws:PrincipalArn': arns } } : {}),
    },
  });
}

/** Adds the order producers' Deny to a bus the stack created (an imported bus: see docs/security.md). */
export function restrictOrderProducers(bus: EventBus, props: OrderBusPolicyProps): void {
  bus.addToResourcePolicy(orderProducersStatement(Stack.of(bus), bus.eventBusArn, props));
}
