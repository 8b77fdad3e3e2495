import { SecretValue, Stack, Validations } from 'aws-cdk-lib';
import { type ISecret, Secret, type SecretProps } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface PartneroSecretProps {
  /**
   * Name or ARN of an existing secret holding the Partnero API key (bare, or JSON `{"apiKey": "..."}`).
   * When set, nothing is created.
   * @default - a new secret is created
   */
  readonly existingSecretNameOrArn?: string;
  /**
   * Properties of the secret created when `existingSecretNameOrArn` is not set, merged over the defaults.
   * @default - named `<stack name>/partnero-api-key`, a description telling how to put the key in,
   *   and `{"apiKey": ""}` as the value
   */
  readonly secretProps?: SecretProps;
}

/** A secret imported from a name or ARN, with the identifier a function passes to GetSecretValue. */
export interface ImportedSecret {
  readonly secret: ISecret;
  readonly secretId: string;
}

const COMPLETE_ARN = /^arn:[^:]+:secretsmanager:[^:]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/;

/**
 * The Secrets Manager secret holding the Partnero API key: an existing one (by name or ARN) or a new one.
 * The key is issued by Partnero and rotated there, so Secrets Manager rotation is not configured.
 */
export class PartneroSecret extends Construct {
  /**
   * Imports a secret by name or ARN. A full ARN (ending in Secrets Manager's 6-character suffix) is
   * imported as complete; any other ARN as partial (grants then use the `-??????` pattern).
   */
  public static import(scope: Construct, id: string, nameOrArn: string): ImportedSecret {
    let secret: ISecret;
    if (!nameOrArn.startsWith('arn:')) secret = Secret.fromSecretNameV2(scope, id, nameOrArn);
    else if (COMPLETE_ARN.test(nameOrArn)) secret = Secret.fromSecretCompleteArn(scope, id, nameOrArn);
    else secret = Secret.fromSecretPartialArn(scope, id, nameOrArn);
    return { secret, secretId: nameOrArn };
  }

  /** The secret. */
  public readonly secret: ISecret;
  /** What functions pass to GetSecretValue (env `PARTNERO_SECRET_ID`): the configured name/ARN, or the new ARN. */
  public readonly secretId: string;
  /** Name of the secret (the configured name or ARN when imported). */
  public readonly secretName: string;
  /** Whether this construct created the secret (and the operator has to put the key in). */
  public readonly created: boolean;

  constructor(scope: Construct, id: string, props: PartneroSecretProps = {}) {
    super(scope, id);

    if (props.existingSecretNameOrArn) {
      const imported = PartneroSecret.import(this, 'Existing', props.existingSecretNameOrArn);
      this.secret = imported.secret;
      this.secretId = imported.secretId;
      this.secretName = imported.secretId;
      this.created = false;
      return;
    }

    const secretName = props.secretProps?.secretName ?? `${Stack.of(this).stackName}/partnero-api-key`;
    const secret = new Secret(this, 'Secret', {
      secretName,
      description:
        'Partnero API key of the referral backend. Put it in with: aws secretsmanager put-secret-value ' +
        '--secret-id <this secret> --secret-string \'{"apiKey":"<API key>"}\' (see the PutSecretCommand output). ' +
        'The value starts empty on purpose: functions answer "has no non-empty apiKey" until it is set. ' +
        'The webhook signing secret has a secret of its own.',
      // An empty key rather than a random one: a random string would be sent to Partnero as if it were a key.
      secretStringValue: SecretValue.unsafePlainText(JSON.stringify({ apiKey: '' })),
      ...props.secretProps,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The Partnero API key is issued by Partnero and rotated there; a rotation Lambda here could not mint one.',
    });
    this.secret = secret;
    this.secretId = secret.secretArn;
    this.secretName = secretName;
    this.created = true;
  }
}
