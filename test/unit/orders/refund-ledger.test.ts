import { BatchGetItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoRefundLedger, LEDGER_TTL_SECONDS, refundLedgerFromEnv } from '#shared/orders/index.js';

describe('DynamoDB refund ledger', () => {
  it('writes a refund entry with a TTL', async () => {
    const ddb = mockClient(DynamoDBClient);
    ddb.on(PutItemCommand).resolves({});
    await new DynamoRefundLedger(new DynamoDBClient({}), 'ledger').markRefunded('o-1');
    const input = ddb.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect(input?.TableName).toBe('ledger');
    expect(input?.Item?.id).toEqual({ S: 'refund#o-1' });
    const ttl = Number(input?.Item?.expiration?.N);
    expect(ttl - Date.now() / 1000).toBeGreaterThan(LEDGER_TTL_SECONDS - 60);
    ddb.restore();
  });

  it('looks refunded orders up in batches of 100 and asks again for unprocessed keys', async () => {
    const ddb = mockClient(DynamoDBClient);
    let call = 0;
    ddb.on(BatchGetItemCommand).callsFake((input) => {
      call++;
      const keys = input.RequestItems.ledger.Keys as { id: { S: string } }[];
      if (call === 1) {
        return {
          Responses: { ledger: [{ id: { S: 'refund#o-3' } }] },
          UnprocessedKeys: { ledger: { Keys: keys.slice(-1) } },
        };
      }
      return {
        Responses: { ledger: keys.filter((k) => k.id.S === 'refund#o-150').map((k) => ({ id: k.id })) },
      };
    });
    const ids = Array.from({ length: 150 }, (_, i) => `o-${i + 1}`);
    const refunded = await new DynamoRefundLedger(new DynamoDBClient({}), 'ledger').refundedAmong(ids);
    expect(refunded).toEqual(new Set(['o-3', 'o-150']));
    const sizes = ddb
      .commandCalls(BatchGetItemCommand)
      .map((c) => c.args[0].input.RequestItems?.ledger?.Keys?.length);
    expect(sizes).toEqual([100, 1, 50]);
    ddb.restore();
  });

  it('fails rather than guess when keys stay unprocessed', async () => {
    const ddb = mockClient(DynamoDBClient);
    ddb.on(BatchGetItemCommand).callsFake((input) => ({ UnprocessedKeys: input.RequestItems }));
    await expect(
      new DynamoRefundLedger(new DynamoDBClient({}), 'ledger').refundedAmong(['a']),
    ).rejects.toThrow('did not answer');
    ddb.restore();
  });

  it('is chosen by the environment', () => {
    expect(refundLedgerFromEnv({})).toBeUndefined();
    expect(refundLedgerFromEnv({ REFUND_LEDGER_TABLE_NAME: 't' })).toBeInstanceOf(DynamoRefundLedger);
    expect(refundLedgerFromEnv({ IDEMPOTENCY_STORE: 'memory' })).toBeDefined();
  });
});
