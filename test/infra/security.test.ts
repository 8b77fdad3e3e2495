import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { ROUTES } from '#infra/routes.js';
import { nagFindings, resourceByPrefix, type Synthesized, synth } from './synth.js';

let defaults: Synthesized;
beforeAll(() => {
  defaults = synth();
});

/** Findings on the constructs this file covers (others are checked where they are built). */
const mine = (finding: string) => /@ Test\/(BackOffice|WebhookFirewall|OrderEvents\/Bus)\//.test(finding);

type Join = { 'Fn::Join': [string, unknown[]] };
/** The tail of a `Fn::Join` ARN CDK renders (`/<stage>/<METHOD>/<path>` after the API id). */
const tailOf = (arn: unknown) => String((arn as Join)['Fn::Join'][1].at(-1));

describe('the back-office role', () => {
  const role = () => resourceByPrefix(defaults.template, 'AWS::IAM::Role', 'BackOfficeRole');
  const policy = () => resourceByPrefix(defaults.template, 'AWS::IAM::Policy', 'BackOfficeRoleDefaultPolicy');

  it('may invoke exactly the IAM-authorized routes, and nothing else', () => {
    const document = policy().Properties.PolicyDocument as { Statement: unknown };
    const statements = document.Statement as {
      Effect: string;
      Action: string | string[];
      Resource: unknown;
    }[];
    expect(statements.map((s) => [s.Effect, [s.Action].flat()])).toEqual([['Allow', ['execute-api:Invoke']]]);
    const tails = [statements[0]?.Resource].flat().map(tailOf).sort();
    const iamRoutes = ROUTES.filter((r) => r.auth === 'iam')
      .map((r) => `/*/${r.method}${r.path.replace(/\{[^}]+\}/g, '*')}`)
      .sort();
    expect(tails).toEqual(iamRoutes);
    expect(tails).toEqual(['/*/DELETE/transactions/*', '/*/POST/customers/*/credit', '/*/POST/transactions']);
  });

  it('is assumable by the account by default (admins grant it through their own policies), or by the configured principals', () => {
    const trust = (r: {
      Properties: { AssumeRolePolicyDocument: { Statement: { Principal: unknown }[] } };
    }) => r.Properties.AssumeRolePolicyDocument.Statement.map((s) => s.Principal);
    expect(JSON.stringify(trust(role() as never))).toMatch(/:iam::",\{"Ref":"AWS::AccountId"\},":root"/);
    const configured = synth({
      backOfficePrincipals: ['111122223333', 'arn:aws:iam::111122223333:role/finance'],
    }).template;
    const principals = JSON.stringify(
      trust(resourceByPrefix(configured, 'AWS::IAM::Role', 'BackOfficeRole') as never),
    );
    expect(principals).toContain(':iam::111122223333:root');
    expect(principals).toContain('arn:aws:iam::111122223333:role/finance');
    expect(principals).not.toContain('AWS::AccountId');
  });

  it('is a stack output', () => {
    expect(defaults.template.toJSON().Outputs.BackOfficeRoleArn.Value).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^BackOfficeRole/), 'Arn'],
    });
  });
});

describe('the audit trail', () => {
  it('logs the IAM caller of every request in the access log', () => {
    const stage = Object.values(defaults.template.findResources('AWS::ApiGatewayV2::Stage'))[0] as {
      Properties: { AccessLogSettings: { Format: string } };
    };
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      callerArn: '$context.identity.userArn',
      callerAccount: '$context.identity.accountId',
      caller: '$context.identity.caller',
      callerOrg: '$context.identity.principalOrgId',
    });
  });

  it('alarms on a credit above the configured size (default 100)', () => {
    const alarmOf = (template: Synthesized['template']) =>
      resourceByPrefix(template, 'AWS::CloudWatch::Alarm', 'MonitoringLargeCredit').Properties;
    expect(alarmOf(defaults.template)).toMatchObject({
      MetricName: 'CreditAmount',
      Namespace: 'PartneroReferrals',
      Statistic: 'Maximum',
      Threshold: 100,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(alarmOf(synth({ creditAlarmThreshold: 1000 }).template).Threshold).toBe(1000);
  });
});

describe('the order bus', () => {
  type Statement = { Sid: string; Effect: string; Principal: unknown; Action: string; Condition: unknown };
  const denyOf = (template: Synthesized['template']) => {
    const bus = Object.values(template.findResources('AWS::Events::EventBus'))[0] as {
      Properties: { Policy?: { Statement: Statement[] } };
    };
    const policies = Object.values(template.findResources('AWS::Events::EventBusPolicy')) as {
      Properties: { Statement: Statement };
    }[];
    const statements = [
      ...(bus.Properties.Policy?.Statement ?? []),
      ...policies.map((p) => p.Properties.Statement),
    ];
    return statements.find((s) => s.Effect === 'Deny');
  };

  it("denies PutEvents of the order source to every principal outside the producers (default: the stack's account)", () => {
    expect(denyOf(defaults.template)).toMatchObject({
      Sid: 'cdk-OnlyOrderProducersPutOrderEvents', // CDK prefixes the Sid of a bus statement
      Principal: { AWS: '*' },
      Action: 'events:PutEvents',
      Condition: {
        'ForAnyValue:StringEquals': { 'events:source': ['shop.orders'] },
        StringNotEquals: { 'aws:PrincipalAccount': [{ Ref: 'AWS::AccountId' }] },
      },
    });
  });

  it('lets only the configured producers put them', () => {
    const { template } = synth({
      orderEvents: { source: 'com.shop.orders' },
      orderProducers: ['444455556666', 'arn:aws:iam::777788889999:role/orders'],
    });
    expect(denyOf(template)?.Condition).toEqual({
      'ForAnyValue:StringEquals': { 'events:source': ['com.shop.orders'] },
      StringNotEquals: { 'aws:PrincipalAccount': ['444455556666'] },
      ArnNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::777788889999:role/orders'] },
    });
  });

  it('leaves an imported bus alone (its owner adds the statement, docs/security.md)', () => {
    const { template } = synth({ orderEvents: { busName: 'shop-bus' } });
    template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
    template.resourceCountIs('AWS::Events::EventBus', 0);
  });
});

describe('CORS per stage', () => {
  it('says at synth that the dev stage allows only http://localhost:3000', () => {
    const infos = Annotations.fromStack(defaults.stack).findInfo(
      '*',
      Match.stringLikeRegexp('http://localhost:3000'),
    );
    expect(infos).toHaveLength(1);
    const prod = synth({ stageName: 'prod', corsOrigins: ['https://shop.example.com'] });
    expect(Annotations.fromStack(prod.stack).findInfo('*', Match.stringLikeRegexp('localhost'))).toEqual([]);
  });

  it('fails the synth of any other stage without corsOrigins', () => {
    expect(() => synth({ stageName: 'prod' })).toThrow(/corsOrigins: is required for stage "prod"/);
  });
});

describe('the webhook route', () => {
  it('has the age check on by default (3 days)', () => {
    const fn = Object.values(defaults.template.findResources('AWS::Lambda::Function')).find((f) =>
      JSON.stringify(f).includes('WEBHOOK_TOLERANCE_SECONDS'),
    ) as { Properties: { Environment: { Variables: Record<string, string> } } };
    expect(fn.Properties.Environment.Variables.WEBHOOK_TOLERANCE_SECONDS).toBe('259200');
  });

  it('has no firewall by default', () => {
    defaults.template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    defaults.template.resourceCountIs('AWS::WAFv2::WebACL', 0);
  });

  describe('with webhookFirewall on (us-east-1)', () => {
    let firewall: Synthesized;
    beforeAll(() => {
      firewall = synth({ webhookFirewall: true, webhookFirewallRateLimit: 300 }, {}, undefined, {
        env: { account: '123456789012', region: 'us-east-1' },
      });
    });

    it('puts a CloudFront distribution with a WAF web ACL in front of the webhook path, rate-limited per IP', () => {
      const { template } = firewall;
      template.resourceCountIs('AWS::WAFv2::WebACL', 1);
      const acl = Object.values(template.findResources('AWS::WAFv2::WebACL'))[0] as {
        Properties: { Scope: string; DefaultAction: unknown; Rules: Record<string, unknown>[] };
      };
      expect(acl.Properties.Scope).toBe('CLOUDFRONT');
      const rules = Object.fromEntries(acl.Properties.Rules.map((r) => [r.Name, r]));
      expect(rules.RateLimitPerIp).toMatchObject({
        Action: { Block: {} },
        Statement: { RateBasedStatement: { Limit: 300, AggregateKeyType: 'IP' } },
      });
      // Everything but POST /webhooks/partnero is blocked: the distribution is no way into the other routes.
      expect(JSON.stringify(rules.OnlyTheWebhook)).toContain('"SearchString":"/webhooks/partnero"');
      expect(rules.OnlyTheWebhook).toMatchObject({ Action: { Block: {} }, Statement: { NotStatement: {} } });

      const distribution = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0] as {
        Properties: { DistributionConfig: Record<string, unknown> };
      };
      const config = distribution.Properties.DistributionConfig;
      expect(config.WebACLId).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/^WebhookFirewallWebAcl/), 'Arn'],
      });
      expect(JSON.stringify(config.Origins)).toContain('.execute-api.us-east-1.');
      expect(config.DefaultCacheBehavior).toMatchObject({
        ViewerProtocolPolicy: 'https-only',
        CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // CachingDisabled
      });
    });

    it('outputs the CloudFront webhook URL to register in Partnero', () => {
      const outputs = firewall.template.toJSON().Outputs;
      expect(JSON.stringify(outputs.WebhookUrl.Value)).toContain('/webhooks/partnero');
      expect(JSON.stringify(outputs.WebhookUrl.Value)).toMatch(/WebhookFirewallDistribution/);
      expect(outputs.WebhookOriginUrl).toBeDefined();
    });

    it('leaves no unacknowledged cdk-nag finding', () => {
      expect(nagFindings(firewall.stack).filter(mine)).toEqual([]);
    });
  });

  it('refuses the firewall outside us-east-1, naming the region rule', () => {
    expect(() =>
      synth({ webhookFirewall: true }, {}, undefined, {
        env: { account: '123456789012', region: 'eu-west-1' },
      }),
    ).toThrow(/webhookFirewall needs the stack in us-east-1: AWS WAF web ACLs for CloudFront.*eu-west-1/);
    expect(() => synth({ webhookFirewall: true })).toThrow(/region is not set/);
  });
});

describe('cdk-nag (AwsSolutions) with the defaults', () => {
  it('has no unacknowledged error or warning from the back-office role or the bus policy', () => {
    expect(nagFindings(defaults.stack).filter(mine)).toEqual([]);
  });
});
