import { SecretValue, Stack, Validations } from 'aws-cdk-lib';
import { type ISecret, Secret, type SecretProps } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { PartneroSecret } from './partnero-secret.js';

export interface WebhookSigningSecretProps {
  /**
   * Name or ARN of an existing secret holding Partnero's webhook signing secret (bare, or JSON
   * `{"webhookSecret": "..."}`). When set, nothing is created.
   * @default - a new secret is created
   */
  readonly existingSecretNameOrArn?: string;
  /**
   * Properties of the secret created when `existingSecretNameOrArn` is not set, merged over the defaults.
   * @default - named `<stack name>/partnero-webhook-secret`, a description telling how to put the value
   *   in, and `{"webhookSecret": ""}` as the value
   */
  readonly secretProps?: SecretProps;
}

/**
 * The secret holding the signing secret of Partnero's webhooks, apart from the API key: the webhook
 * function, which answers unauthenticated callers, can read this one and never the API key. An existing
 * one (by name or ARN) or a new one, left empty: `npm run connect` (or the PutWebhookSecretCommand
 * output) fills it with the value Partnero shows for the webhook.
 */
export class WebhookSigningSecret extends Construct {
  /** The secret. */
  public readonly secret: ISecret;
  /** What the webhook function passes to GetSecretValue (`WEBHOOK_SECRET_ID`): the configured name/ARN, or the new ARN. */
  public readonly secretId: string;
  /** Name of the secret (the configured name or ARN when imported). */
  public readonly secretName: string;
  /** Whether this construct created the secret (and the operator has to put the value in). */
  public readonly created: boolean;

  constructor(scope: Construct, id: string, props: WebhookSigningSecretProps = {}) {
    super(scope, id);

    if (props.existingSecretNameOrArn) {
      const imported = PartneroSecret.import(this, 'Existing', props.existingSecretNameOrArn);
      this.secret = imported.secret;
      this.secretId = imported.secretId;
      this.secretName = imported.secretId;
      this.created = false;
      return;
    }

    const secretName = props.secretProps?.secretName ?? `${Stack.of(this).stackName}/partnero-webhook-secret`;
    const secret = new Secret(this, 'Secret', {
      secretName,
      description:
        'Signing secret of the Partnero webhooks (Partnero shows it with the webhook). Put it in with: aws ' +
        'secretsmanager put-secret-value --secret-id <this secret> --secret-string \'{"webhookSecret":"<signing secret>"}\' ' +
        '(see the PutWebhookSecretCommand output). Until then, deliveries are answered 503 and Partnero retries them.',
      // Empty rather than random: a random value would only make every genuine delivery fail its signature check.
      secretStringValue: SecretValue.unsafePlainText(JSON.stringify({ webhookSecret: '' })),
      ...props.secretProps,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The webhook signing secret is issued by Partnero and rotated there; a rotation Lambda here could not mint one.',
    });
    this.secret = secret;
    this.secretId = secret.secretArn;
    this.secretName = secretName;
    this.created = true;
  }
}
