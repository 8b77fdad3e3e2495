import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type AwsCallContext, awsCall, awsFailure } from './aws-errors.js';
import { ToolError } from './errors.js';

type Secrets = Pick<SecretsManagerClient, 'send'>;

/** A secret's text, or undefined when it has no value yet. Never logged, never in an error. */
export async function readSecret(
  secrets: Secrets,
  secretId: string,
  context: Omit<AwsCallContext, 'action'>,
): Promise<string | undefined> {
  try {
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
    return out.SecretString;
  } catch (e) {
    if ((e as { name?: unknown }).name === 'ResourceNotFoundException') {
      // A secret created without a value has no current version yet.
      if (/version|staging label/i.test(String(e))) return undefined;
      throw new ToolError(
        `Secret ${secretId} does not exist: deploy the stack again (npx cdk deploy), or fix the secret it is configured with`,
      );
    }
    throw awsFailure(e, { ...context, action: `reading secret ${secretId}` });
  }
}

export async function writeSecret(
  secrets: Secrets,
  secretId: string,
  value: string,
  context: Omit<AwsCallContext, 'action'>,
): Promise<void> {
  await awsCall({ ...context, action: `writing secret ${secretId}` }, () =>
    secrets.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value })),
  );
}

/** A secret's text as a JSON object; a bare value or nothing gives `{}` (the caller fills the fields). */
export function jsonFields(raw: string | undefined): Record<string, unknown> {
  const text = raw?.trim() ?? '';
  if (!text.startsWith('{')) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
