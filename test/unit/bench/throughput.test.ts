import { describe, expect, it } from '@jest/globals';
import { orderEvent } from '#bench/lib/events.js';
import { type BatchOutcome, pooledDrain, steadyRate } from '#bench/lib/pooled-drain.js';
import { throughputSection } from '#bench/lib/report/markdown-throughput.js';
import type { BenchResults } from '#bench/lib/report/results.js';
import type { QueuedMessage } from '#bench/lib/sqs-queue.js';
import { messagesFor, throughputGrid } from '#bench/lib/throughput-cells.js';
import { perDay, predict, workloadShape } from '#bench/lib/throughput-model.js';
import { saturationOf, throughputRow } from '#bench/lib/throughput-row.js';

const sale = (orderId: string, customerId: string) => ({
  body: JSON.stringify(orderEvent('Order Placed', { orderId, customerId, amount: 10, currency: 'USD' })),
});
const refund = (orderId: string) => ({ body: JSON.stringify(orderEvent('Order Refunded', { orderId })) });
const messages = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ messageId: `m${i}`, body: `{"n":${i}}` }));

describe('throughput model', () => {
  it('counts one round per batch with sales, one more with refunds, and a call per customer or refund', () => {
    const stream = [
      sale('o1', 'a'),
      sale('o2', 'a'),
      sale('o3', 'b'),
      sale('o1', 'a'), // a copy: the ledger sends nothing
      refund('o1'), // second batch: a DELETE
      refund('o9'), // never sold: nothing
      sale('o4', 'c'),
      refund('o1'), // third batch: a repeated refund, nothing
      sale('o1', 'a'), // a copy after its refund: nothing
    ];
    const shape = workloadShape(stream, 4);
    expect(shape.batches).toBe(3);
    // Batch 1: sales of a and b (1 round, 2 calls); batch 2: refund + sale of c (2 rounds, 2 calls).
    expect(shape.roundsPerBatch).toBeCloseTo(3 / 3);
    expect(shape.callsPerEvent).toBeCloseTo(4 / 9);
  });

  it('predicts concurrency × batch ÷ batch time, capped by rate limit ÷ calls per event', () => {
    const shape = { batches: 10, roundsPerBatch: 1.5, callsPerEvent: 0.4 };
    const free = predict({ concurrency: 2, batchSize: 10, localBatchMs: 50, latencyMs: 100, shape });
    expect(free.batchMs).toBe(200);
    expect(free.eventsPerSecond).toBe(100);
    expect(free.bottleneck).toBe('concurrency × batch');
    expect(free.rateCapEventsPerSecond).toBe(Number.POSITIVE_INFINITY);
    const limited = predict({
      concurrency: 10,
      batchSize: 10,
      localBatchMs: 50,
      latencyMs: 100,
      shape,
      rateLimit: 10,
    });
    expect(limited.consumerEventsPerSecond).toBe(500);
    expect(limited.eventsPerSecond).toBe(25);
    expect(limited.bottleneck).toBe('Partnero rate limit');
    expect(perDay(1)).toBe(86_400);
  });

  it('sizes each cell to a whole number of rounds of batches, within bounds', () => {
    const cell = { concurrency: 2, batchSize: 10 };
    expect(messagesFor(cell, 100, 8, { min: 200, max: 8000 })).toBe(800);
    expect(messagesFor(cell, 101, 8, { min: 200, max: 8000 })).toBe(820);
    expect(messagesFor(cell, 1, 8, { min: 200, max: 8000 })).toBe(200);
    expect(messagesFor({ concurrency: 10, batchSize: 25 }, 1e6, 8, { min: 200, max: 8000 })).toBe(8000);
    expect(messagesFor(cell, Number.NaN, 8, { min: 100, max: 8000 })).toBe(100);
    expect(throughputGrid('quick').length).toBeLessThan(throughputGrid('full').length);
    expect(throughputGrid('full')[0]).toEqual({ concurrency: 2, batchSize: 10 });
  });
});

describe('pooled drain (one queue, N containers)', () => {
  const fakeClock = () => {
    let t = 0;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  it('hands every message out once when nothing fails, never more than N batches at a time', async () => {
    const seen: string[] = [];
    let running = 0;
    let peak = 0;
    const result = await pooledDrain({
      messages: messages(95),
      workers: 3,
      batchSize: 10,
      maxReceives: 5,
      invoke: async (_worker, batch): Promise<BatchOutcome> => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setImmediate(resolve));
        running -= 1;
        seen.push(...batch.map((m) => m.messageId));
        return { ms: 1, ok: true, failedIds: [], cpuMicros: 5 };
      },
    });
    expect(seen.sort()).toEqual(
      messages(95)
        .map((m) => m.messageId)
        .sort(),
    );
    expect(peak).toBe(3);
    expect(result).toMatchObject({
      done: 95,
      invocations: 10,
      redeliveries: 0,
      deadLetters: [],
      cpuMicros: 50,
    });
  });

  it('redelivers batch item failures, and an idle worker waits for the failures of a batch in flight', async () => {
    const receives = new Map<string, number>();
    const result = await pooledDrain({
      messages: messages(4),
      workers: 4,
      batchSize: 4,
      maxReceives: 3,
      invoke: async (_worker, batch: QueuedMessage[]) => {
        for (const m of batch) receives.set(m.messageId, m.receiveCount);
        await new Promise((resolve) => setImmediate(resolve));
        // m0 fails twice, m1 always: it is dead-lettered after 3 receives.
        const failedIds = batch
          .filter((m) => m.messageId === 'm1' || (m.messageId === 'm0' && m.receiveCount < 3))
          .map((m) => m.messageId);
        return { ms: 1, ok: failedIds.length === 0, failedIds, detail: 'failed' };
      },
    });
    expect(receives.get('m0')).toBe(3);
    expect(receives.get('m1')).toBe(3);
    expect(result.deadLetters).toEqual(['m1']);
    expect(result.done).toBe(3);
    expect(result.redeliveries).toBe(4);
    expect(result.firstFailure).toBe('failed');
  });

  it('measures wall time and the steady rate on its clock', async () => {
    const clock = fakeClock();
    const result = await pooledDrain({
      messages: messages(100),
      workers: 1,
      batchSize: 10,
      maxReceives: 5,
      now: clock.now,
      invoke: async () => {
        clock.advance(100);
        return { ms: 100, ok: true, failedIds: [] };
      },
    });
    expect(result.wallMs).toBe(1000);
    expect(result.steadyEventsPerSecond).toBeCloseTo(100);
    expect(steadyRate([], 10)).toBeNaN();
  });

  it('stops when a container dies', async () => {
    await expect(
      pooledDrain({
        messages: messages(50),
        workers: 2,
        batchSize: 10,
        maxReceives: 5,
        invoke: async () => {
          throw new Error('container exited');
        },
      }),
    ).rejects.toThrow('container exited');
  });
});

describe('throughput rows and report', () => {
  it('names what saturated: 429s, else the model when measured came close, else the machine', () => {
    expect(saturationOf(3, 1, 0.2)).toBe('Partnero rate limit');
    expect(saturationOf(0, 0.9, 0.99)).toBe('concurrency × batch');
    expect(saturationOf(0, 0.4, 0.99)).toBe('bench machine CPU');
    expect(saturationOf(0, 0.4, 0.3)).toBe('below the model, cause unknown');
  });

  const row = throughputRow({
    cell: { concurrency: 2, batchSize: 10, rateLimit: 10 },
    messages: 200,
    drained: {
      wallMs: 8000,
      done: 200,
      steadyEventsPerSecond: 26,
      batchMs: [100, 200, 300],
      invocations: 3,
      failedInvocations: 0,
      redeliveries: 4,
      deadLetters: [],
      cpuMicros: 90_000,
    },
    requests: 100,
    throttled: 20,
    harnessCpuMicros: 10_000,
    machineBusy: 0.5,
    cores: 2,
    model: {
      ...predict({
        concurrency: 2,
        batchSize: 10,
        localBatchMs: 50,
        latencyMs: 100,
        rateLimit: 10,
        shape: { batches: 20, roundsPerBatch: 1.2, callsPerEvent: 0.4 },
      }),
      shape: { batches: 20, roundsPerBatch: 1.2, callsPerEvent: 0.4 },
      localBatchMs: 50,
    },
    check: { problems: [], lost: 0, duplicated: 0 },
  });

  it('derives rates from messages done, leaves 429s out of answered calls, compares with the model', () => {
    expect(row).toMatchObject({
      eventsPerSecond: 25,
      eventsPerDay: 2_160_000,
      partneroCalls: 80,
      partneroCallsPerSecond: 10,
      throttled: 20,
      cpuMsPerBatch: 30,
      benchCpu: 0.01,
      measuredVsModel: 1,
      saturatedBy: 'Partnero rate limit',
      correct: true,
    });
    expect(row.model).toMatchObject({ eventsPerSecond: 25, rateCapEventsPerSecond: 25, batchMs: 170 });
  });

  it('renders a measured table and the model beside it, nothing without a throughput run', () => {
    const results = {
      throughput: {
        latencyMs: 100,
        maxReceives: 5,
        consumerTimeoutMs: 30_000,
        secondsPerCell: 8,
        cores: 2,
        calibration: [{ batchSize: 10, batches: 40, meanMs: 50, medianMs: 45 }],
        rows: [row],
      },
    } as unknown as BenchResults;
    const text = throughputSection(results)?.join('\n') ?? '';
    expect(text).toContain('## Throughput ceiling');
    expect(text).toContain('| 2 × 10 | 10 req/s | 200 | 25 (26) | 2.2 M |');
    expect(text).toContain('50.0 + 1.2 × 100 = 170');
    expect(text).toContain('25 (= 10 ÷ 0.4)');
    expect(throughputSection({} as BenchResults)).toBeUndefined();
  });
});
