/**
 * The building blocks of the configuration schema (infra/config.ts): coercion of CLI strings and the
 * field schemas several keys share.
 */
import { z } from 'zod';

// ---- coercion of CLI strings (`-c referrals.<key>=<value>` always arrives as a string) ----------

export const fromJsonString = (value: unknown): unknown => {
  if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value; // the schema then reports a type error at this path
  }
};
const fromListString = (value: unknown): unknown => {
  const parsed = fromJsonString(value);
  if (typeof parsed !== 'string') return parsed;
  return parsed
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
};
const fromNumericString = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
const fromBooleanString = (value: unknown): unknown => {
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (text === 'true') return true;
  if (text === 'false') return false;
  return value;
};

export const int = (min: number, max: number) =>
  z.preprocess(fromNumericString, z.number().int().min(min).max(max));
export const positive = (max: number) => z.preprocess(fromNumericString, z.number().positive().max(max));
export const number = () => z.preprocess(fromNumericString, z.number());
export const integer = () => z.preprocess(fromNumericString, z.number().int());
export const bool = () => z.preprocess(fromBooleanString, z.boolean({ error: 'must be true or false' }));
export const object = <T extends z.ZodRawShape>(shape: T) =>
  z.preprocess(fromJsonString, z.strictObject(shape));
export const list = <T extends z.ZodType>(item: T, what: string) =>
  z.preprocess(fromListString, z.array(item).min(1, { error: `must list at least one ${what}` }));

// ---- field schemas -----------------------------------------------------------------------------

const isHttpsUrl = (value: string): boolean => {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.hostname !== '';
  } catch {
    return false;
  }
};
export const httpsUrl = z.string().refine(isHttpsUrl, { error: 'must be an https URL' });

export const corsOrigin = z
  .string()
  .regex(
    /^(https:\/\/[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?|http:\/\/localhost(:\d{1,5})?)$/,
    {
      error:
        'must be an https URL or http://localhost:PORT, as an origin (lower-case scheme://host[:port], no path or trailing slash)',
    },
  );

const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
export const secretNameOrArn = z
  .string()
  .refine((v) => SECRET_ARN.test(v) || (!v.startsWith('arn:') && SECRET_NAME.test(v)), {
    error: 'must be a Secrets Manager secret name ([A-Za-z0-9/_+=.@-], up to 512) or secret ARN',
  });

/** `{rateLimit, burstLimit}` of an API Gateway stage or route, each defaulting on its own. */
export const throttle = (rateLimit: number, burstLimit: number) =>
  object({
    rateLimit: positive(10_000).default(rateLimit),
    burstLimit: int(0, 5_000).default(burstLimit),
  }).prefault({});

/** An OAuth scope as API Gateway matches it against the token's `scope` (or `scp`) claim. */
export const oauthScope = z
  .string()
  .regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/, { error: 'must be an OAuth scope (no spaces or quotes)' });

export const snsTopicArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/, {
    error: 'must be an SNS topic ARN',
  });

/**
 * Who an IAM policy may name as a principal: a 12-digit account id, or the ARN of an account root, role or
 * user (`arn:aws:iam::123456789012:role/ops`).
 */
export const iamPrincipal = z
  .string()
  .regex(/^(\d{12}|arn:aws[a-z-]*:iam::\d{12}:(root|role\/[\w+=,.@/-]{1,512}|user\/[\w+=,.@/-]{1,512}))$/, {
    error: 'must be a 12-digit AWS account id or an IAM root, role or user ARN',
  });

export const emailAddress = z.email({ error: 'must be an email address' });
