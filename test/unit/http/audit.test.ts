import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { httpEvent, iamEvent, jwtEvent, lambdaContext } from '#test/support/events.js';

/** The JSON lines the shared logger writes while a test runs. */
const lines: Record<string, unknown>[] = [];
let restore: () => void;
let route: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;
beforeAll(async () => {
  // The logger keeps the level it was made with (Powertools resets it on every warm invocation).
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  const { AppError } = await import('#shared/errors.js');
  const { httpRoute, jsonResponse } = await import('#shared/http/route.js');
  const { logger } = await import('#shared/lambda/runtime.js');
  route = httpRoute(
    () => ({}),
    async (event: APIGatewayProxyEventV2) => {
      logger.info('handler at work');
      if (event.rawPath === '/fail') throw new AppError('validation', 'bad input');
      return jsonResponse(201, { ok: true });
    },
  );
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown) => {
    for (const line of String(chunk).split('\n')) {
      if (line.trim().startsWith('{')) lines.push(JSON.parse(line));
    }
    return true;
  }) as typeof process.stdout.write);
  restore = () => spy.mockRestore();
});
afterEach(() => {
  lines.length = 0;
});
afterAll(() => {
  restore();
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

const principal = 'arn:aws:iam::123456789012:user/back-office';
const linesWith = (message: string) => lines.filter((l) => l.message === message);

describe('the audit trail of IAM-authorized routes', () => {
  it("logs the caller's IAM principal and API Gateway's request id on every line of the invocation", async () => {
    const event = iamEvent({ method: 'POST', path: '/transactions', body: {} });
    await route(event, lambdaContext());
    const [request] = linesWith('back-office request');
    expect(request).toMatchObject({
      caller: { userArn: principal, accountId: '123456789012', callerId: 'AIDAEXAMPLE' },
      apiRequestId: event.requestContext.requestId,
      routeKey: 'POST /transactions',
    });
    expect(linesWith('handler at work')[0]).toMatchObject({
      caller: { userArn: principal },
      apiRequestId: event.requestContext.requestId,
    });
    expect(linesWith('back-office answer')[0]).toMatchObject({ status: 201, caller: { userArn: principal } });
  });

  it('logs the answer of a refused request with the caller too', async () => {
    await route(iamEvent({ method: 'POST', path: '/fail', body: {} }), lambdaContext());
    expect(linesWith('back-office answer')[0]).toMatchObject({ status: 400, caller: { userArn: principal } });
  });

  it('keeps the caller out of the next invocation, and leaves customer and public routes alone', async () => {
    await route(iamEvent({ method: 'POST', path: '/transactions', body: {} }), lambdaContext());
    lines.length = 0;
    await route(jwtEvent({ sub: 'alice' }, { method: 'GET', path: '/referrals/me' }), lambdaContext());
    await route(httpEvent({ method: 'POST', path: '/webhooks/partnero', body: {} }), lambdaContext());
    expect(linesWith('handler at work')).toHaveLength(2);
    for (const line of lines) {
      expect(line).not.toHaveProperty('caller');
      expect(line).not.toHaveProperty('apiRequestId');
    }
    expect(linesWith('back-office request')).toEqual([]);
  });
});
