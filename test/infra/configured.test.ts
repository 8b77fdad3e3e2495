import { Match } from 'aws-cdk-lib/assertions';
import { AccountRootPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import type { ReferralApi } from '#infra/constructs/referral-api.js';
import {
  FUNCTION_NAMES,
  lambdaOf,
  nagFindings,
  routesOf,
  type Synthesized,
  statementsFor,
  statementsOf,
  synth,
} from './synth.js';

const WEBHOOK_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:partnero/webhook-AbC123';
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:ops-alarms';

/** A stack wired to things that already exist: an OIDC issuer, secrets, an alarm topic. */
let configured: Synthesized;
beforeAll(() => {
  configured = synth(
    {
      corsOrigins: ['https://shop.example.com', 'https://www.shop.example.com'],
      jwt: { issuer: 'https://id.example.com/realms/shop', audience: ['shop-web'] },
      customerKeyClaim: 'custom:partnero_key',
      referralCookieDomain: '.shop.example.com',
      partneroSecret: 'shop/partnero-api-key',
      webhookSecret: WEBHOOK_SECRET_ARN,
      partneroApiUrl: 'https://sandbox.partnero.example/v1',
      logRetentionDays: 90,
      throttle: { rateLimit: 20, burstLimit: 40 },
      webhookThrottle: { rateLimit: 2, burstLimit: 4 },
      alarmTopicArn: TOPIC_ARN,
    },
    { 'referrals.logLevel': 'DEBUG', 'referrals.secretCacheTtlSeconds': '60' },
  );
});

const secretByName = (name: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':secretsmanager:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:secret:${name}-??????`,
    ],
  ],
});

describe('with an external JWT issuer', () => {
  it('uses its issuer and audience and creates no user pool', () => {
    configured.template.resourceCountIs('AWS::Cognito::UserPool', 0);
    configured.template.resourceCountIs('AWS::Cognito::UserPoolClient', 0);
    configured.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: 'https://id.example.com/realms/shop', Audience: ['shop-web'] },
    });
    expect(configured.template.toJSON().Outputs.UserPoolId).toBeUndefined();
  });

  it('still protects the customer routes with it', () => {
    const routes = routesOf(configured.template);
    expect(routes['POST /referrals/signup']?.AuthorizationType).toBe('JWT');
    expect(routes['GET /referrals/me']?.AuthorizationType).toBe('JWT');
  });

  it('passes the claim name and cookie domain to the customer functions', () => {
    expect(lambdaOf(configured.template, 'signup').Environment.Variables).toMatchObject({
      CUSTOMER_KEY_CLAIM: 'custom:partnero_key',
      REFERRAL_COOKIE_DOMAIN: '.shop.example.com',
    });
    expect(lambdaOf(configured.template, 'me').Environment.Variables).toMatchObject({
      CUSTOMER_KEY_CLAIM: 'custom:partnero_key',
    });
  });
});

describe('with existing secrets', () => {
  it('imports them instead of creating one', () => {
    configured.template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(configured.template.toJSON().Outputs.SecretName.Value).toBe('shop/partnero-api-key');
    expect(configured.template.toJSON().Outputs.PutSecretCommand).toBeUndefined();
  });

  it('passes the configured name as PARTNERO_SECRET_ID and grants read on that secret (by name pattern)', () => {
    for (const fn of FUNCTION_NAMES.filter((f) => f !== 'partneroWebhook')) {
      expect(lambdaOf(configured.template, fn).Environment.Variables.PARTNERO_SECRET_ID).toBe(
        'shop/partnero-api-key',
      );
      expect(statementsFor(statementsOf(configured.template, fn), 'secretsmanager')).toEqual([
        expect.objectContaining({ Resource: [secretByName('shop/partnero-api-key')] }),
      ]);
    }
  });

  it('lets the webhook read only the separate webhook secret, by its exact ARN', () => {
    expect(statementsFor(statementsOf(configured.template, 'partneroWebhook'), 'secretsmanager')).toEqual([
      {
        Effect: 'Allow',
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        Resource: [WEBHOOK_SECRET_ARN],
      },
    ]);
    expect(lambdaOf(configured.template, 'partneroWebhook').Environment.Variables.WEBHOOK_SECRET_ID).toBe(
      WEBHOOK_SECRET_ARN,
    );
  });

  it('imports a partial secret ARN (no random suffix) with the -?????? pattern', () => {
    const partial = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/partnero';
    const { template } = synth({ partneroSecret: partial });
    expect(lambdaOf(template, 'me').Environment.Variables.PARTNERO_SECRET_ID).toBe(partial);
    expect(statementsFor(statementsOf(template, 'me'), 'secretsmanager')).toEqual([
      expect.objectContaining({ Resource: [`${partial}-??????`] }),
    ]);
  });
});

describe('configured settings reach the resources', () => {
  it('CORS origins', () => {
    configured.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['https://shop.example.com', 'https://www.shop.example.com'],
        AllowCredentials: true,
      }),
    });
  });

  it('stage and webhook throttles', () => {
    configured.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      RouteSettings: { 'POST /webhooks/partnero': { ThrottlingRateLimit: 2, ThrottlingBurstLimit: 4 } },
    });
  });

  it('log retention of every log group', () => {
    const groups = Object.values(configured.template.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBe(FUNCTION_NAMES.length + 1);
    for (const group of groups) expect(group.Properties.RetentionInDays).toBe(90);
  });

  it('common environment, including dotted CLI overrides', () => {
    for (const fn of FUNCTION_NAMES) {
      expect(lambdaOf(configured.template, fn).Environment.Variables).toMatchObject({
        PARTNERO_API_URL: 'https://sandbox.partnero.example/v1',
        POWERTOOLS_LOG_LEVEL: 'DEBUG',
        SECRET_CACHE_TTL_SECONDS: '60',
      });
    }
  });

  it('the alarm topic as the action of every alarm', () => {
    const alarms = Object.values(configured.template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([TOPIC_ARN]);
  });
});

describe('back-office callers', () => {
  it('get execute-api:Invoke on exactly the three IAM routes through grantBackOfficeInvoke', () => {
    const { template } = synth({}, {}, (stack) => {
      const role = new Role(stack, 'BackOffice', { assumedBy: new AccountRootPrincipal() });
      (stack.node.findChild('Api') as ReferralApi).grantBackOfficeInvoke(role);
    });
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p) =>
      JSON.stringify(p.Properties.Roles).includes('BackOffice'),
    );
    const statements = policy?.Properties.PolicyDocument.Statement as { Action: string; Resource: unknown }[];
    expect(new Set(statements.map((s) => s.Action))).toEqual(new Set(['execute-api:Invoke']));
    // CDK turns a path from its first {parameter} on into `*`
    const paths = statements
      .flatMap((s) => [s.Resource].flat())
      .map((r) => (r as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].at(-1));
    expect(paths.sort()).toEqual(['/*/DELETE/transactions/*', '/*/POST/customers/*', '/*/POST/transactions']);
  });
});

describe('bad config', () => {
  it('fails the synth with one message naming every bad field', () => {
    expect(() =>
      synth({ corsOrigins: ['https://ok.example.com', 'http://evil.example.com'], jwt: { issuer: 'nope' } }),
    ).toThrow(
      /^Invalid config: corsOrigins\.1: must be an https URL or http:\/\/localhost.*; jwt\.issuer: must be an https URL; jwt\.audience: /,
    );
  });
});

describe('cdk-nag (AwsSolutions) with everything configured', () => {
  it('has no unacknowledged error or warning', () => {
    expect(nagFindings(configured.stack)).toEqual([]);
  });
});
