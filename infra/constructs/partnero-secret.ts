import type { Construct } from 'constructs';
import { FilledSecret, type FilledSecretProps } from './filled-secret.js';

export type { ImportedSecret } from './filled-secret.js';

/**
 * Props of the API key secret: `existingSecretNameOrArn` holds the key bare or as `{"apiKey": "..."}`;
 * the created one is named `<stack name>/partnero-api-key`.
 */
export type PartneroSecretProps = FilledSecretProps;

/**
 * The Secrets Manager secret holding the Partnero API key: an existing one (by name or ARN) or a new one.
 * The key is issued by Partnero and rotated there, so Secrets Manager rotation is not configured.
 */
export class PartneroSecret extends FilledSecret {
  constructor(scope: Construct, id: string, props: PartneroSecretProps = {}) {
    super(scope, id, props, {
      nameSuffix: 'partnero-api-key',
      field: 'apiKey',
      description:
        'Partnero API key of the referral backend. Put it in with: npm run connect, or aws secretsmanager ' +
        'put-secret-value --secret-id <this secret> --secret-string \'{"apiKey":"<API key>"}\' (see the PutSecretCommand output). ' +
        'The value starts empty on purpose: functions answer "has no non-empty apiKey" until it is set. ' +
        'The webhook signing secret has a secret of its own.',
      noRotationReason:
        'The Partnero API key is issued by Partnero and rotated there; a rotation Lambda here could not mint one.',
    });
  }
}
