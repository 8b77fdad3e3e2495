import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parseConfig } from '#infra/config.js';
import { ENTRY_FILES } from '#infra/entries.js';
import { DEFAULT_REGION, STACK_DEFAULTS } from '#local/config.js';
import { LOCAL_FUNCTIONS } from '#local/functions.js';
import { API_ROUTES } from '#local/gateway/routes.js';

/** The local system mirrors the stack's defaults; these fail when one side changes without the other. */
describe('local defaults match the stack', () => {
  const stack = parseConfig({});

  it('uses the stack’s default order pipeline, webhook source and CORS origins', () => {
    expect(STACK_DEFAULTS.orderEvents).toEqual({
      source: stack.orderEvents.source,
      placedDetailType: stack.orderEvents.placedDetailType,
      refundedDetailType: stack.orderEvents.refundedDetailType,
      batchSize: stack.orderEvents.batchSize,
      maxBatchingWindowSeconds: stack.orderEvents.maxBatchingWindowSeconds,
      maxReceiveCount: stack.orderEvents.maxReceiveCount,
      maxConcurrency: stack.orderEvents.maxConcurrency,
      consumerTimeoutSeconds: stack.orderEvents.consumerTimeoutSeconds,
    });
    expect(STACK_DEFAULTS.webhookEventSource).toBe(stack.webhookEventSource);
    expect(STACK_DEFAULTS.webhookToleranceSeconds).toBe(stack.webhookToleranceSeconds);
    expect(STACK_DEFAULTS.secretCacheTtlSeconds).toBe(stack.secretCacheTtlSeconds);
    expect(STACK_DEFAULTS.customerKeyClaim).toBe(stack.customerKeyClaim);
    expect([...STACK_DEFAULTS.corsOrigins]).toEqual(stack.corsOrigins);
    expect(DEFAULT_REGION).toBe('us-east-1');
  });

  it('runs every Lambda entry the stack deploys, from the same files', () => {
    const root = fileURLToPath(new URL('../../../functions/', import.meta.url));
    const local = Object.fromEntries(
      Object.entries(LOCAL_FUNCTIONS).map(([name, fn]) => [name, `${fn.name}.ts`]),
    );
    expect(local).toEqual(ENTRY_FILES);
    for (const file of Object.values(ENTRY_FILES)) expect(existsSync(`${root}${file}`)).toBe(true);
  });

  it('serves a route for every HTTP function', () => {
    const routed = new Set(API_ROUTES.map((r) => r.entry));
    expect([...routed].sort()).toEqual(
      Object.keys(LOCAL_FUNCTIONS)
        .filter((f) => f !== 'orderConsumer' && f !== 'reconciler')
        .sort(),
    );
  });
});
