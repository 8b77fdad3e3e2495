import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { ConfigError, loadConfig, parseConfig } from '#infra/config.js';

const configFrom = (context: Record<string, unknown>) => loadConfig(new App({ context }).node);

const problemsOf = (raw: unknown): readonly string[] => {
  try {
    parseConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected the config to be rejected');
};

describe('config defaults', () => {
  it('fills every documented default when nothing is configured', () => {
    const config = parseConfig(undefined);
    expect(config).toEqual({
      stageName: 'dev',
      corsOrigins: ['http://localhost:3000'],
      customerKeyClaim: 'sub',
      allowMutableCustomerKeyClaim: false,
      blockDisposableEmails: false,
      partneroApiUrl: 'https://api.partnero.com/v1',
      partneroBudget: {
        callsPerSecond: 20,
        moneyShare: 0.5,
        customerCallsPerMinute: 60,
        dashboardCacheSeconds: 30,
      },
      secretCacheTtlSeconds: 300,
      logLevel: 'INFO',
      logRetentionDays: 30,
      maxAmountPerCall: 1e9,
      throttle: { rateLimit: 50, burstLimit: 100 },
      customerThrottle: { rateLimit: 20, burstLimit: 40 },
      backOfficeThrottle: { rateLimit: 50, burstLimit: 100 },
      webhookThrottle: { rateLimit: 10, burstLimit: 20 },
      webhookEventSource: 'partnero',
      webhookToleranceSeconds: 259_200,
      webhookFirewall: false,
      webhookFirewallRateLimit: 600,
      creditAlarmThreshold: 100,
      reconcilerIntervalMinutes: 5,
      orderEvents: {
        source: 'shop.orders',
        placedDetailType: 'Order Placed',
        refundedDetailType: 'Order Refunded',
        batchSize: 10,
        maxBatchingWindowSeconds: 2,
        maxReceiveCount: 5,
        maxConcurrency: 2,
        consumerTimeoutSeconds: 30,
      },
    });
  });

  it('keeps cdk.json context.referrals equal to the built-in defaults', () => {
    const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'));
    expect(parseConfig(cdkJson.context.referrals)).toEqual(parseConfig({}));
  });

  it('fills the rest of a partly given nested object', () => {
    const config = parseConfig({ throttle: { rateLimit: 5 }, orderEvents: { batchSize: 3 } });
    expect(config.throttle).toEqual({ rateLimit: 5, burstLimit: 100 });
    expect(config.orderEvents.maxConcurrency).toBe(2);
    expect(config.orderEvents.batchSize).toBe(3);
  });
});

describe('config from CDK context strings (-c key=value)', () => {
  it('parses a whole JSON object given as the referrals key', () => {
    const config = configFrom({
      referrals:
        '{"stageName":"prod","corsOrigins":["https://shop.example.com"],"throttle":{"rateLimit":"7"}}',
    });
    expect(config.stageName).toBe('prod');
    expect(config.throttle.rateLimit).toBe(7);
  });

  it('merges dotted referrals.<path> overrides over the referrals object', () => {
    const config = configFrom({
      referrals: { stageName: 'dev', orderEvents: { source: 'acme.shop', batchSize: 4 } },
      'referrals.stageName': 'staging',
      'referrals.orderEvents.batchSize': '50',
      'referrals.orderEvents.maxBatchingWindowSeconds': '5',
      'referrals.corsOrigins': '["https://app.example.com","http://localhost:5173"]',
      'referrals.jwt': '{"issuer":"https://id.example.com","audience":"web,admin"}',
    });
    expect(config.stageName).toBe('staging');
    expect(config.orderEvents).toMatchObject({
      source: 'acme.shop',
      batchSize: 50,
      maxBatchingWindowSeconds: 5,
    });
    expect(config.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(config.jwt).toEqual({ issuer: 'https://id.example.com', audience: ['web', 'admin'] });
  });

  it('merges a JSON object override into the object already configured', () => {
    const config = configFrom({
      referrals: { orderEvents: { source: 'acme.shop' } },
      'referrals.orderEvents': '{"batchSize":3}',
    });
    expect(config.orderEvents).toMatchObject({ source: 'acme.shop', batchSize: 3 });
  });

  it('accepts a comma-separated list of origins', () => {
    expect(
      configFrom({ 'referrals.corsOrigins': 'https://a.example.com, https://b.example.com' }).corsOrigins,
    ).toEqual(['https://a.example.com', 'https://b.example.com']);
  });
});

describe('invalid config', () => {
  it('lists every problem together, each with its field path', () => {
    const problems = problemsOf({
      stageName: 'Prod_1',
      corsOrigins: ['https://ok.example.com', 'ftp://files.example.com'],
      throttle: { rateLimit: 'fast' },
      logRetentionDays: 31,
    });
    expect(problems).toEqual([
      expect.stringMatching(/^stageName: /),
      expect.stringMatching(/^corsOrigins\.1: must be an https URL or http:\/\/localhost/),
      expect.stringMatching(/^logRetentionDays: must be one of 1, 3, 5, 7, 14, 30/),
      expect.stringMatching(/^throttle\.rateLimit: /),
    ]);
  });

  it('reads as one message starting "Invalid config:"', () => {
    expect(() => parseConfig({ corsOrigins: ['*'] })).toThrow(
      /^Invalid config: corsOrigins\.0: must be an https URL or http:\/\/localhost/,
    );
  });

  it.each([
    ['a wildcard', '*'],
    ['a path', 'https://app.example.com/'],
    ['plain http off localhost', 'http://app.example.com'],
    ['no origins at all', []],
  ])('rejects CORS origins with %s', (_, origins) => {
    expect(problemsOf({ corsOrigins: Array.isArray(origins) ? origins : [origins] })).toEqual([
      expect.stringMatching(/^corsOrigins/),
    ]);
  });

  it('requires an https issuer and at least one audience for an external JWT issuer', () => {
    expect(problemsOf({ jwt: { issuer: 'http://id.example.com', audience: [] } })).toEqual([
      'jwt.issuer: must be an https URL',
      'jwt.audience: must list at least one audience',
    ]);
  });

  it('accepts secret names and secret ARNs, nothing else', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:partnero/key-AbC123';
    expect(parseConfig({ partneroSecret: 'partnero/key', webhookSecret: arn })).toMatchObject({
      partneroSecret: 'partnero/key',
      webhookSecret: arn,
    });
    expect(problemsOf({ partneroSecret: 'arn:aws:s3:::bucket', webhookSecret: 'has space' })).toEqual([
      expect.stringMatching(/^partneroSecret: must be a Secrets Manager secret name .* or secret ARN/),
      expect.stringMatching(/^webhookSecret: /),
    ]);
  });

  it('rejects a batch size above 10 without a batching window (SQS event source rule)', () => {
    expect(problemsOf({ orderEvents: { batchSize: 100, maxBatchingWindowSeconds: 0 } })).toEqual([
      'orderEvents.batchSize: must be ≤ 10 when maxBatchingWindowSeconds is 0 (SQS event source rule)',
    ]);
    expect(
      parseConfig({ orderEvents: { batchSize: 100, maxBatchingWindowSeconds: 1 } }).orderEvents.batchSize,
    ).toBe(100);
  });

  it('has the webhook age check on by default: 3 days, beyond Partnero’s retries and within the dedup window', () => {
    expect(parseConfig({}).webhookToleranceSeconds).toBe(3 * 86_400);
    expect(parseConfig({ webhookToleranceSeconds: 0 }).webhookToleranceSeconds).toBe(0);
  });

  it('takes a webhook age check only beyond Partnero’s retry horizon and within the dedup window', () => {
    expect(parseConfig({ webhookToleranceSeconds: 4 * 86_400 }).webhookToleranceSeconds).toBe(345_600);
    for (const tooShort of [300, 86_400]) {
      expect(problemsOf({ webhookToleranceSeconds: tooShort })).toEqual([
        expect.stringMatching(/^webhookToleranceSeconds: must be 0 \(off\) or from 259200 .* to 604800/),
      ]);
    }
    expect(problemsOf({ webhookToleranceSeconds: 8 * 86_400 })).toHaveLength(1);
  });

  it('requires corsOrigins for every stage but dev, which defaults to http://localhost:3000', () => {
    expect(parseConfig({}).corsOrigins).toEqual(['http://localhost:3000']);
    expect(problemsOf({ stageName: 'prod' })).toEqual([
      expect.stringMatching(
        /^corsOrigins: is required for stage "prod" \(only dev defaults to http:\/\/localhost:3000\)/,
      ),
    ]);
    expect(parseConfig({ stageName: 'prod', corsOrigins: ['https://app.example.com'] }).corsOrigins).toEqual([
      'https://app.example.com',
    ]);
    // The cdk.json defaults carry no origin, so a stage override cannot inherit localhost.
    const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'));
    expect(() => configFrom({ referrals: cdkJson.context.referrals, 'referrals.stageName': 'prod' })).toThrow(
      /corsOrigins: is required for stage "prod"/,
    );
  });

  it('takes back-office principals and order producers as account ids or IAM ARNs', () => {
    const config = parseConfig({
      backOfficePrincipals: '111122223333,arn:aws:iam::111122223333:role/finance',
      orderProducers: ['arn:aws:iam::444455556666:role/shop-orders'],
    });
    expect(config.backOfficePrincipals).toEqual(['111122223333', 'arn:aws:iam::111122223333:role/finance']);
    expect(config.orderProducers).toEqual(['arn:aws:iam::444455556666:role/shop-orders']);
    expect(problemsOf({ backOfficePrincipals: ['*'] })).toEqual([
      expect.stringMatching(/^backOfficePrincipals\.0: must be a 12-digit AWS account id or an IAM/),
    ]);
    expect(problemsOf({ orderProducers: ['arn:aws:iam::1:role/x'] })).toHaveLength(1);
  });

  it('takes the large-credit alarm threshold and the webhook firewall from strings too', () => {
    const config = configFrom({
      'referrals.creditAlarmThreshold': '250',
      'referrals.webhookFirewall': 'true',
      'referrals.webhookFirewallRateLimit': '100',
    });
    expect([config.creditAlarmThreshold, config.webhookFirewall, config.webhookFirewallRateLimit]).toEqual([
      250,
      true,
      100,
    ]);
    expect(problemsOf({ creditAlarmThreshold: 0 })).toHaveLength(1);
    expect(problemsOf({ webhookFirewallRateLimit: 5 })).toHaveLength(1);
  });

  it('runs the reconciler every 1 to 60 minutes', () => {
    expect(parseConfig({ reconcilerIntervalMinutes: '15' }).reconcilerIntervalMinutes).toBe(15);
    expect(problemsOf({ reconcilerIntervalMinutes: 0 })).toEqual([
      expect.stringMatching(/^reconcilerIntervalMinutes: /),
    ]);
  });

  it('keeps maxConcurrency at Lambda’s minimum of 2 or more', () => {
    expect(problemsOf({ orderEvents: { maxConcurrency: 1 } })).toEqual([
      expect.stringMatching(/^orderEvents\.maxConcurrency: /),
    ]);
  });

  it('accepts $-rooted dotted mapping paths with [n] indexes only', () => {
    const mapping = {
      orderId: '$.detail.id',
      amount: '$.detail.lines[0].total',
      customerId: '$.detail.buyer-id',
    };
    expect(parseConfig({ orderEvents: { mapping } }).orderEvents.mapping).toEqual(mapping);
    expect(
      problemsOf({
        orderEvents: { mapping: { orderId: 'detail.id', currency: '$..x', price: '$.detail.p' } },
      }),
    ).toEqual([
      expect.stringMatching(/^orderEvents\.mapping\.orderId: must be a \$-rooted dotted JSON path/),
      expect.stringMatching(/^orderEvents\.mapping\.currency: /),
      expect.stringMatching(/^orderEvents\.mapping: Unrecognized key: "price"/),
    ]);
  });

  it('names misspelt keys instead of ignoring them', () => {
    expect(problemsOf({ corsOrigin: ['https://a.example.com'] })).toEqual([
      expect.stringMatching(/^\(root\): Unrecognized key: "corsOrigin"/),
    ]);
  });

  it('refuses a referrals context value that is not an object', () => {
    expect(() => configFrom({ referrals: 'prod' })).toThrow(/context "referrals" must be an object/);
  });
});

describe('identity config', () => {
  it.each(['sub', 'cognito:username'])('accepts the immutable subject claim %s', (claim) => {
    expect(parseConfig({ customerKeyClaim: claim }).customerKeyClaim).toBe(claim);
  });

  it.each(['email', 'preferred_username', 'custom:partnero_key'])(
    'refuses %s as the customer key claim, saying why and how to accept the risk',
    (claim) => {
      const problems = problemsOf({ customerKeyClaim: claim });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(
        new RegExp(`^customerKeyClaim: "${claim}" is not an immutable subject claim`),
      );
      expect(problems[0]).toMatch(/another customer/);
      expect(problems[0]).toMatch(/allowMutableCustomerKeyClaim: true/);
    },
  );

  it('accepts a mutable claim when allowMutableCustomerKeyClaim accepts the risk, also from a CLI string', () => {
    expect(
      parseConfig({ customerKeyClaim: 'email', allowMutableCustomerKeyClaim: true }).customerKeyClaim,
    ).toBe('email');
    const config = configFrom({
      'referrals.customerKeyClaim': 'preferred_username',
      'referrals.allowMutableCustomerKeyClaim': 'true',
    });
    expect(config).toMatchObject({
      customerKeyClaim: 'preferred_username',
      allowMutableCustomerKeyClaim: true,
    });
    expect(() =>
      configFrom({
        'referrals.customerKeyClaim': 'preferred_username',
        'referrals.allowMutableCustomerKeyClaim': 'false',
      }),
    ).toThrow(/customerKeyClaim: "preferred_username" is not an immutable subject claim/);
  });

  it('lists the claim problem together with the others', () => {
    expect(problemsOf({ stageName: 'PROD', customerKeyClaim: 'email' })).toEqual([
      expect.stringMatching(/^stageName: /),
      expect.stringMatching(/^customerKeyClaim: /),
    ]);
  });

  it('takes required scopes and a token use for an external issuer', () => {
    const config = configFrom({
      'referrals.jwt':
        '{"issuer":"https://id.example.com","audience":["web"],"requiredScopes":"referrals/customer, openid","tokenUse":"access"}',
    });
    expect(config.jwt).toEqual({
      issuer: 'https://id.example.com',
      audience: ['web'],
      requiredScopes: ['referrals/customer', 'openid'],
      tokenUse: 'access',
    });
    expect(
      problemsOf({
        jwt: {
          issuer: 'https://id.example.com',
          audience: ['web'],
          requiredScopes: ['has space'],
          tokenUse: '',
        },
      }),
    ).toEqual([
      expect.stringMatching(/^jwt\.requiredScopes\.0: must be an OAuth scope/),
      expect.stringMatching(/^jwt\.tokenUse: /),
    ]);
    expect(
      problemsOf({ jwt: { issuer: 'https://id.example.com', audience: ['web'], requiredScopes: [] } }),
    ).toEqual(['jwt.requiredScopes: must list at least one scope']);
  });

  it('turns the disposable-email guard on with true (or "true" from the CLI), nothing else', () => {
    expect(parseConfig({ blockDisposableEmails: true }).blockDisposableEmails).toBe(true);
    expect(configFrom({ 'referrals.blockDisposableEmails': 'true' }).blockDisposableEmails).toBe(true);
    expect(configFrom({ 'referrals.blockDisposableEmails': 'false' }).blockDisposableEmails).toBe(false);
    expect(problemsOf({ blockDisposableEmails: 'yes' })).toEqual([
      'blockDisposableEmails: must be true or false',
    ]);
  });
});

describe('throttles and alarms config', () => {
  it('fills each route throttle on its own', () => {
    const config = parseConfig({
      customerThrottle: { rateLimit: 3 },
      backOfficeThrottle: '{"burstLimit":7}',
    });
    expect(config.customerThrottle).toEqual({ rateLimit: 3, burstLimit: 40 });
    expect(config.backOfficeThrottle).toEqual({ rateLimit: 50, burstLimit: 7 });
    expect(problemsOf({ customerThrottle: { rateLimit: 0 } })).toEqual([
      expect.stringMatching(/^customerThrottle\.rateLimit: /),
    ]);
  });

  it('takes an alarm email address, and refuses anything else', () => {
    expect(parseConfig({ alarmEmail: 'ops@example.com' }).alarmEmail).toBe('ops@example.com');
    expect(problemsOf({ alarmEmail: 'ops at example' })).toEqual(['alarmEmail: must be an email address']);
  });
});
