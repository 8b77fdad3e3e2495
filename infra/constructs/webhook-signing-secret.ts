import type { Construct } from 'constructs';
import { FilledSecret, type FilledSecretProps } from './filled-secret.js';

/**
 * Props of the webhook signing secret: `existingSecretNameOrArn` holds it bare or as
 * `{"webhookSecret": "..."}`; the created one is named `<stack name>/partnero-webhook-secret`.
 */
export type WebhookSigningSecretProps = FilledSecretProps;

/**
 * The secret holding the signing secret of Partnero's webhooks, apart from the API key: the webhook
 * function, which answers unauthenticated callers, can read this one and never the API key. An existing
 * one (by name or ARN) or a new one, left empty: `npm run connect` (or the PutWebhookSecretCommand
 * output) fills it with the value Partnero returns for the webhook.
 */
export class WebhookSigningSecret extends FilledSecret {
  constructor(scope: Construct, id: string, props: WebhookSigningSecretProps = {}) {
    super(scope, id, props, {
      nameSuffix: 'partnero-webhook-secret',
      field: 'webhookSecret',
      description:
        'Signing secret of the Partnero webhooks (Partnero returns it with the webhook). Put it in with: npm run ' +
        'connect, or aws secretsmanager put-secret-value --secret-id <this secret> --secret-string ' +
        '\'{"webhookSecret":"<signing secret>"}\' (see the PutWebhookSecretCommand output). Until then, ' +
        'deliveries are answered 503 and Partnero retries them.',
      noRotationReason:
        'The webhook signing secret is issued by Partnero and rotated there; a rotation Lambda here could not mint one.',
    });
  }
}
