import type { IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import { describe, expect, it } from '@jest/globals';
import { createIdempotentCredit } from '#shared/credits/idempotent-credit.js';
import { HttpError } from '#shared/http/index.js';
import { InMemoryPersistenceLayer } from '#shared/idempotency/index.js';
import type { PartneroClient } from '#shared/partnero/index.js';
import { lambdaContext } from '#test/support/events.js';

/** A store that accepts the in-progress record but fails to save the success record. */
class FailingSuccessStore extends InMemoryPersistenceLayer {
  protected override async _updateRecord(_record: IdempotencyRecord): Promise<void> {
    throw new Error('ProvisionedThroughputExceededException');
  }
}

describe('idempotent credit when the success record cannot be saved', () => {
  it('answers unknown_outcome (check before retrying), never a retryable 503', async () => {
    let credits = 0;
    const partnero = {
      customers: {
        creditBalance: async () => {
          credits++;
          return { balance: 5, currency: 'usd' };
        },
      },
    } as unknown as PartneroClient;
    const credit = createIdempotentCredit(new FailingSuccessStore(), () => partnero);
    const error = await credit(
      {
        customerKey: 'alice',
        idempotencyKey: 'key-12345678',
        body: { amount: 5, currency: 'usd', is_currency: true },
      },
      lambdaContext(),
      {},
    ).catch((e: unknown) => e);
    expect(credits).toBe(1);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ statusCode: 502, code: 'unknown_outcome' });
  });
});
