import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { buildOpenApi } from '#tools/openapi/openapi.js';

describe('OpenAPI document', () => {
  const doc = buildOpenApi();

  it('is committed up to date (run `npm run openapi` after changing a schema)', () => {
    const committed = JSON.parse(
      readFileSync(new URL('../../../docs/openapi.json', import.meta.url), 'utf8'),
    );
    expect(committed).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it('documents every route with its security scheme', () => {
    const security = Object.fromEntries(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.entries(ops).map(([method, op]) => [
          `${method.toUpperCase()} ${path}`,
          Object.keys((op as { security: object[] }).security[0] ?? {}),
        ]),
      ),
    );
    expect(security).toEqual({
      'POST /referrals/signup': ['jwt'],
      'GET /referrals/me': ['jwt'],
      'POST /transactions': ['sigv4'],
      'DELETE /transactions/{key}': ['sigv4'],
      'POST /customers/{id}/credit': ['sigv4'],
      'POST /webhooks/partnero': [],
    });
  });

  it('derives request bodies from the validation schemas', () => {
    const operation = doc.paths['/customers/{id}/credit']?.post as {
      requestBody: { content: Record<string, { schema: unknown }> };
    };
    const credit = operation.requestBody.content['application/json']?.schema as {
      required: string[];
      properties: Record<string, { exclusiveMinimum?: number }>;
    };
    expect(credit.required).toEqual(expect.arrayContaining(['amount', 'currency', 'is_currency']));
    expect(credit.properties.amount?.exclusiveMinimum).toBe(0);
  });
});
