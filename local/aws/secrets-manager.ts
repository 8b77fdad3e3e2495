import { randomBytes, randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT_ID } from '#local/config.js';
import { AwsError, type AwsService, requireString } from './json-protocol.js';

interface StoredSecret {
  name: string;
  arn: string;
  versionId: string;
  value: string;
  createdDate: number;
}

const notFound = () =>
  new AwsError(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");

/** Secrets in memory, addressed by name, full ARN, or partial ARN (without the 6-character suffix). */
export class LocalSecrets {
  private readonly secrets = new Map<string, StoredSecret>();

  constructor(private readonly region: string) {}

  /** Creates the secret or stores a new current version of it. */
  put(name: string, value: string): StoredSecret {
    const existing = this.secrets.get(name);
    const suffix = randomBytes(3).toString('hex');
    const secret: StoredSecret = {
      name,
      arn:
        existing?.arn ?? `arn:aws:secretsmanager:${this.region}:${LOCAL_ACCOUNT_ID}:secret:${name}-${suffix}`,
      versionId: randomUUID(),
      value,
      createdDate: Date.now() / 1000,
    };
    this.secrets.set(name, secret);
    return secret;
  }

  find(id: string): StoredSecret | undefined {
    const direct = this.secrets.get(id);
    if (direct) return direct;
    return [...this.secrets.values()].find((s) => s.arn === id || s.arn.slice(0, -7) === id);
  }
}

/** GetSecretValue (what the functions call) and PutSecretValue (to rotate a value locally). */
export function secretsManagerService(secrets: LocalSecrets): AwsService {
  return {
    name: 'secretsmanager',
    targetPrefix: 'secretsmanager',
    jsonVersion: '1.1',
    errorMessageKey: 'Message',
    operations: {
      GetSecretValue: (input) => {
        const secret = secrets.find(requireString(input, 'SecretId'));
        if (!secret) throw notFound();
        if (input.VersionId !== undefined && input.VersionId !== secret.versionId) throw notFound();
        if (input.VersionStage !== undefined && input.VersionStage !== 'AWSCURRENT') throw notFound();
        return {
          ARN: secret.arn,
          Name: secret.name,
          VersionId: secret.versionId,
          SecretString: secret.value,
          VersionStages: ['AWSCURRENT'],
          CreatedDate: secret.createdDate,
        };
      },
      PutSecretValue: (input) => {
        const existing = secrets.find(requireString(input, 'SecretId'));
        if (!existing) throw notFound();
        const secret = secrets.put(existing.name, requireString(input, 'SecretString'));
        return {
          ARN: secret.arn,
          Name: secret.name,
          VersionId: secret.versionId,
          VersionStages: ['AWSCURRENT'],
        };
      },
    },
  };
}
