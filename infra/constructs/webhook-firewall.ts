import { Stack, Token, Validations } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { ReferralApi } from './referral-api.js';
import { WEBHOOK_PATH } from './webhooks.js';

/** AWS WAF web ACLs for CloudFront (scope CLOUDFRONT) exist only in us-east-1. */
export const WEBHOOK_FIREWALL_REGION = 'us-east-1';

export interface WebhookFirewallProps {
  /** The API serving the webhook route (the distribution's origin). */
  readonly api: ReferralApi;
  /**
   * Requests one IP may send in any 5 minutes before the web ACL blocks it (403) for a while.
   * @default 600
   */
  readonly rateLimit?: number;
}

/** A web ACL rule's (or the ACL's) CloudWatch metric and sampled requests. */
const visibility = (metricName: string) => ({
  cloudWatchMetricsEnabled: true,
  sampledRequestsEnabled: true,
  metricName,
});

/** Matches a request whose `field` (its path, its method) is exactly `value`. */
const exactly = (field: Record<string, unknown>, value: string) => ({
  byteMatchStatement: {
    fieldToMatch: field,
    positionalConstraint: 'EXACTLY',
    searchString: value,
    textTransformations: [{ priority: 0, type: 'NONE' }],
  },
});

/**
 * A CloudFront distribution in front of the webhook route only, with an AWS WAF web ACL: a rate-based rule
 * blocks an IP that floods it, and a second rule blocks every request but `POST /webhooks/partnero` (the
 * customer and back-office routes stay on execute-api: SigV4 signs their host). Register `url` in Partnero
 * instead of the execute-api webhook URL. The stack must be in us-east-1 (where WAF for CloudFront lives).
 */
export class WebhookFirewall extends Construct {
  public readonly distribution: Distribution;
  public readonly webAcl: CfnWebACL;
  /** The webhook URL to register in Partnero. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: WebhookFirewallProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.region) || stack.region !== WEBHOOK_FIREWALL_REGION) {
      throw new Error(
        `webhookFirewall needs the stack in ${WEBHOOK_FIREWALL_REGION}: AWS WAF web ACLs for CloudFront can only be created there, ` +
          `and this stack's region is ${Token.isUnresolved(stack.region) ? 'not set (env-agnostic)' : stack.region}. ` +
          `Deploy to ${WEBHOOK_FIREWALL_REGION} (e.g. AWS_REGION=${WEBHOOK_FIREWALL_REGION} npx cdk deploy), or turn webhookFirewall off (docs/security.md).`,
      );
    }
    this.webAcl = this.newWebAcl(props.rateLimit ?? 600);
    this.distribution = this.newDistribution(
      `${props.api.httpApi.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`,
    );
    this.url = `https://${this.distribution.distributionDomainName}${WEBHOOK_PATH}`;
  }

  /** The web ACL: every request but the webhook's is blocked, and so is an IP over the rate limit. */
  private newWebAcl(rateLimit: number): CfnWebACL {
    return new CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      description: `Partnero webhook: POST ${WEBHOOK_PATH} only, at most ${rateLimit} requests per IP in 5 minutes`,
      visibilityConfig: visibility('WebhookFirewall'),
      rules: [
        {
          name: 'OnlyTheWebhook',
          priority: 0,
          action: { block: {} },
          statement: {
            notStatement: {
              statement: {
                andStatement: {
                  statements: [exactly({ uriPath: {} }, WEBHOOK_PATH), exactly({ method: {} }, 'POST')],
                },
              },
            },
          },
          visibilityConfig: visibility('WebhookFirewallOtherPaths'),
        },
        {
          name: 'RateLimitPerIp',
          priority: 1,
          action: { block: {} },
          statement: {
            rateBasedStatement: { limit: rateLimit, aggregateKeyType: 'IP', evaluationWindowSec: 300 },
          },
          visibilityConfig: visibility('WebhookFirewallRateLimited'),
        },
      ],
    });
  }

  /** The distribution passing every request the web ACL lets through to the API, uncached. */
  private newDistribution(apiDomain: string): Distribution {
    const distribution = new Distribution(this, 'Distribution', {
      comment: `Partnero webhook (POST ${WEBHOOK_PATH}) behind AWS WAF`,
      webAclId: this.webAcl.attrArn,
      priceClass: PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: new HttpOrigin(apiDomain, { protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY }),
        allowedMethods: AllowedMethods.ALLOW_ALL,
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        // Every delivery reaches the function: nothing is cached, the body and the Signature header pass on.
        cachePolicy: CachePolicy.CACHING_DISABLED,
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
    });
    Validations.of(distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'Partnero publishes no sending countries: a geo restriction could drop its deliveries.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'Requests that pass reach the API and are in its access log; blocked ones are counted by the web ACL metrics and sampled requests.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The distribution uses its cloudfront.net name, whose certificate is CloudFront’s own; a custom domain would set the TLS policy.',
      },
    );
    return distribution;
  }
}
