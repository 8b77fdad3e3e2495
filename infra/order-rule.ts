/** What the order rule matches (no CDK imports, so the local event bus applies the very same pattern). */
export interface OrderRuleSettings {
  source: string;
  placedDetailType: string;
  refundedDetailType: string;
}

/** The rule's event pattern in EventBridge's JSON form (`detail-type`, as CloudFormation renders it). */
export function orderRulePattern(settings: OrderRuleSettings) {
  return {
    source: [settings.source],
    'detail-type': [settings.placedDetailType, settings.refundedDetailType],
  };
}
