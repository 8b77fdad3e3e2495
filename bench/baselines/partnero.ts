/**
 * What both baselines share: the Partnero key read from Secrets Manager through the real SDK once per
 * container (the client created at import time, as a bare handler does), and Partnero calls with `fetch`.
 * No retries, no validation, no logging: the floor is the least code that does the same work.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const secrets = new SecretsManagerClient({});
let secret: Promise<{ apiKey: string; webhookSecret?: string }> | undefined;

export function partneroSecret() {
  secret ??= secrets
    .send(new GetSecretValueCommand({ SecretId: process.env.PARTNERO_SECRET_ID }))
    .then((out) => {
      const text = out.SecretString ?? '';
      return text.startsWith('{') ? JSON.parse(text) : { apiKey: text };
    });
  secret.catch(() => {
    secret = undefined;
  });
  return secret;
}

export interface PartneroAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the least code reads Partnero's JSON as it comes
  body: any;
}

export async function partnero(method: string, path: string, body?: unknown): Promise<PartneroAnswer> {
  const { apiKey } = await partneroSecret();
  const res = await fetch(`${process.env.PARTNERO_API_URL}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${apiKey}`,
      accept: 'application/json',
      'content-type': 'application/json',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export const json = (statusCode: number, body: unknown, cookies?: string[]) => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
  ...(cookies ? { cookies } : {}),
});
