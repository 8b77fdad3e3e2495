import { orderRulePattern as deployedPattern, type OrderRuleSettings } from '#infra/order-rule.js';
import type { EventPattern } from './pattern.js';

export type { OrderRuleSettings };

/** The order rule's event pattern: the very function the stack deploys it with. */
export const orderRulePattern = (settings: OrderRuleSettings): EventPattern => deployedPattern(settings);
