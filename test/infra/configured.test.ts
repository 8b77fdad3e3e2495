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
      jwt: {
        issuer: 'https://id.example.com/realms/shop',
        audience: ['shop-web'],
        requiredScopes: ['referrals/customer', 'referrals/admin'],
        tokenUse: 'access',
      },
      customerKeyClaim: 'custom:partnero_key',
      allowMutableCustomerKeyClaim: true,
      blockDisposableEmails: true,
      referralCookieDomain: '.shop.example.com',
      partneroSecret: 'shop/partnero-api-key',
      webhookSecret: WEBHOOK_SECRET_ARN,
      partneroApiUrl: 'https://sandbox.partnero.example/v1',
      logRetentionDays: 90,
      throttle: { rateLimit: 20, burstLimit: 40 },
      customerThrottle: { rateLimit: 5, burstLimit: 10 },
      backOfficeThrottle: { rateLimit: 100, burstLimit: 200 },
      webhookThrottle: { rateLimit: 2, burstLimit: 4 },
      alarmTopicArn: TOPIC_ARN,
      alarmEmail: 'ops@shop.example.com',
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

  it('still protects the customer routes with it, requiring one of the configured scopes', () => {
    const routes = routesOf(configured.template);
    for (const key of ['POST /referrals/signup', 'GET /referrals/me']) {
      expect(routes[key]).toMatchObject({
        AuthorizationType: 'JWT',
        AuthorizationScopes: ['referrals/customer', 'referrals/admin'],
      });
    }
    for (const key of ['POST /transactions', 'POST /webhooks/partnero']) {
      expect(routes[key]?.AuthorizationScopes).toBeUndefined();
    }
  });

  it('requires no scope when none is configured', () => {
    const { template } = synth({ jwt: { issuer: 'https://id.example.com', audience: ['web'] } });
    for (const route of Object.values(routesOf(template))) expect(route.AuthorizationScopes).toBeUndefined();
  });

  it('passes the claim name, token use, disposable-email guard and cookie domain to the customer functions', () => {
    expect(lambdaOf(configured.template, 'signup').Environment.Variables).toMatchObject({
      CUSTOMER_KEY_CLAIM: 'custom:partnero_key',
      REQUIRED_TOKEN_USE: 'access',
      BLOCK_DISPOSABLE_EMAILS: 'true',
      REFERRAL_COOKIE_DOMAIN: '.shop.example.com',
    });
    expect(lambdaOf(configured.template, 'me').Environment.Variables).toMatchObject({
      CUSTOMER_KEY_CLAIM: 'custom:partnero_key',
      REQUIRED_TOKEN_USE: 'access',
    });
    expect(lambdaOf(configured.template, 'me').Environment.Variables.BLOCK_DISPOSABLE_EMAILS).toBeUndefined();
  });

  it('checks no token_use for an external issuer unless configured', () => {
    const { template } = synth({ jwt: { issuer: 'https://id.example.com', audience: ['web'] } });
    for (const fn of FUNCTION_NAMES) {
      expect(lambdaOf(template, fn).Environment.Variables.REQUIRED_TOKEN_USE).toBeUndefined();
    }
  });
});

describe('with existing secrets', () => {
  it('imports them instead of creating any (only the generated key of the email hash is created)', () => {
    configured.template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    configured.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ GenerateStringKey: 'hashKey' }),
    });
    const outputs = configured.template.toJSON().Outputs;
    expect(outputs.SecretName.Value).toBe('shop/partnero-api-key');
    expect(outputs.WebhookSecretName.Value).toBe(WEBHOOK_SECRET_ARN);
    expect(outputs.PutSecretCommand).toBeUndefined();
    expect(outputs.PutWebhookSecretCommand).toBeUndefined();
    expect(outputs.WebhookSecretArn).toBeUndefined();
  });

  it('creates only the webhook secret when only the API key secret is configured', () => {
    const { template } = synth({ partneroSecret: 'shop/partnero-api-key' });
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'Test/partnero-webhook-secret' });
    expect(lambdaOf(template, 'partneroWebhook').Environment.Variables.PARTNERO_SECRET_ID).toBeUndefined();
    expect(statementsFor(statementsOf(template, 'partneroWebhook'), 'secretsmanager')).toEqual([
      expect.objectContaining({
        Resource: [{ Ref: expect.stringMatching(/^WebhookSigningSecret[0-9A-F]{8}$/) }],
      }),
    ]);
  });

  it('passes the configured name as PARTNERO_SECRET_ID and grants read on that secret (by name pattern)', () => {
    for (const fn of FUNCTION_NAMES.filter((f) => f !== 'partneroWebhook')) {
      expect(lambdaOf(configured.template, fn).Environment.Variables.PARTNERO_SECRET_ID).toBe(
        'shop/partnero-api-key',
      );
      expect(statementsFor(statementsOf(configured.template, fn), 'secretsmanager')).toEqual([
        expect.objectContaining({
          Resource: [
            secretByName('shop/partnero-api-key'),
            ...(fn === 'signup' ? [{ Ref: expect.stringMatching(/^ReferralKeysEmailHashKey/) }] : []),
          ],
        }),
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
    const env = lambdaOf(configured.template, 'partneroWebhook').Environment.Variables;
    expect(env.WEBHOOK_SECRET_ID).toBe(WEBHOOK_SECRET_ARN);
    expect(env.PARTNERO_SECRET_ID).toBeUndefined();
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

  it('stage, customer, back-office and webhook throttles', () => {
    const customer = { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 };
    const backOffice = { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 };
    configured.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      RouteSettings: {
        'POST /referrals/signup': customer,
        'GET /referrals/me': customer,
        'POST /transactions': backOffice,
        'DELETE /transactions/{key}': backOffice,
        'POST /customers/{id}/credit': backOffice,
        'POST /webhooks/partnero': { ThrottlingRateLimit: 2, ThrottlingBurstLimit: 4 },
      },
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

  it('the alarm topic as the action of every alarm, creating none, with the email subscribed', () => {
    const alarms = Object.values(configured.template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([TOPIC_ARN]);
    configured.template.resourceCountIs('AWS::SNS::Topic', 0);
    configured.template.hasResourceProperties('AWS::SNS::Subscription', {
      TopicArn: TOPIC_ARN,
      Protocol: 'email',
      Endpoint: 'ops@shop.example.com',
    });
    const output = configured.template.toJSON().Outputs.AlarmTopicArn;
    expect(output.Value).toBe(TOPIC_ARN);
  });
});

describe('back-office callers', () => {
  it('get execute-api:Invoke on exactly the three IAM routes through grantBackOfficeInvoke', () => {
    const { template } = synth({}, {}, (stack) => {
      const role = new Role(stack, 'OwnBackOffice', { assumedBy: new AccountRootPrincipal() });
      (stack.node.findChild('Api') as ReferralApi).grantBackOfficeInvoke(role);
    });
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p) =>
      JSON.stringify(p.Properties.Roles).includes('OwnBackOffice'),
    );
    const statements = policy?.Properties.PolicyDocument.Statement as { Action: string; Resource: unknown }[];
    expect(new Set(statements.map((s) => s.Action))).toEqual(new Set(['execute-api:Invoke']));
    // Each {parameter} segment is a `*`; nothing else under /customers or /transactions
    const paths = statements
      .flatMap((s) => [s.Resource].flat())
      .map((r) => (r as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].at(-1));
    expect(paths.sort()).toEqual([
      '/*/DELETE/transactions/*',
      '/*/POST/customers/*/credit',
      '/*/POST/transactions',
    ]);
  });
});

describe('bad config', () => {
  it('refuses a mutable customer key claim unless the risk is accepted', () => {
    expect(() => synth({ customerKeyClaim: 'email' })).toThrow(
      /customerKeyClaim: "email" is not an immutable subject claim.*allowMutableCustomerKeyClaim: true/,
    );
    expect(() => synth({ customerKeyClaim: 'email', allowMutableCustomerKeyClaim: true })).not.toThrow();
  });

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
