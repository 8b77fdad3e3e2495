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
      partneroApiUrl: 'https://api.partnero.com/v1',
      secretCacheTtlSeconds: 300,
      logLevel: 'INFO',
      logRetentionDays: 30,
      throttle: { rateLimit: 50, burstLimit: 100 },
      webhookThrottle: { rateLimit: 10, burstLimit: 20 },
      webhookEventSource: 'partnero',
      webhookToleranceSeconds: 0,
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
    const config = configFrom({ referrals: '{"stageName":"prod","throttle":{"rateLimit":"7"}}' });
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

  it('takes a webhook age check only beyond Partnero’s retry horizon and within the dedup window', () => {
    expect(parseConfig({}).webhookToleranceSeconds).toBe(0);
    expect(parseConfig({ webhookToleranceSeconds: 4 * 86_400 }).webhookToleranceSeconds).toBe(345_600);
    for (const tooShort of [300, 86_400]) {
      expect(problemsOf({ webhookToleranceSeconds: tooShort })).toEqual([
        expect.stringMatching(/^webhookToleranceSeconds: must be 0 \(off\) or from 259200 .* to 604800/),
      ]);
    }
    expect(problemsOf({ webhookToleranceSeconds: 8 * 86_400 })).toHaveLength(1);
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
