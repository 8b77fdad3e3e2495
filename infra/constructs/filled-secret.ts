import { SecretValue, Stack, Validations } from 'aws-cdk-lib';
import { type ISecret, Secret, type SecretProps } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** A secret imported from a name or ARN, with the identifier a function passes to GetSecretValue. */
export interface ImportedSecret {
  readonly secret: ISecret;
  readonly secretId: string;
}

export interface FilledSecretProps {
  /**
   * Name or ARN of an existing secret. When set, nothing is created.
   * @default - a new secret is created
   */
  readonly existingSecretNameOrArn?: string;
  /**
   * Properties of the secret created when `existingSecretNameOrArn` is not set, merged over the defaults.
   * @default - the defaults of the subclass: its name, a description telling how to put the value in,
   *   and `{"<field>": ""}` as the value
   */
  readonly secretProps?: SecretProps;
}

/** What a subclass says about the value it holds. */
export interface FilledSecretKind {
  /** Appended to the stack name for the created secret's name. */
  readonly nameSuffix: string;
  /** The JSON field the value goes in. */
  readonly field: string;
  readonly description: string;
  /** Why Secrets Manager rotation is not configured (cdk-nag AwsSolutions-SMG4). */
  readonly noRotationReason: string;
}

const COMPLETE_ARN = /^arn:[^:]+:secretsmanager:[^:]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/;

/**
 * A secret whose value an operator (or `npm run connect`) puts in after the deploy, as Partnero issues
 * it: an existing one (by name or ARN) or a new one holding `{"<field>": ""}`. Empty rather than random:
 * a random value would be sent to Partnero as a key, or fail every genuine signature.
 */
export class FilledSecret extends Construct {
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
  /** What functions pass to GetSecretValue: the configured name/ARN, or the new ARN. */
  public readonly secretId: string;
  /** Name of the secret (the configured name or ARN when imported). */
  public readonly secretName: string;
  /** Whether this construct created the secret (and the operator has to put the value in). */
  public readonly created: boolean;

  protected constructor(scope: Construct, id: string, props: FilledSecretProps, kind: FilledSecretKind) {
    super(scope, id);
    if (props.existingSecretNameOrArn) {
      const imported = FilledSecret.import(this, 'Existing', props.existingSecretNameOrArn);
      this.secret = imported.secret;
      this.secretId = imported.secretId;
      this.secretName = imported.secretId;
      this.created = false;
      return;
    }
    const secretName = props.secretProps?.secretName ?? `${Stack.of(this).stackName}/${kind.nameSuffix}`;
    const secret = new Secret(this, 'Secret', {
      secretName,
      description: kind.description,
      secretStringValue: SecretValue.unsafePlainText(JSON.stringify({ [kind.field]: '' })),
      ...props.secretProps,
    });
    Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: kind.noRotationReason });
    this.secret = secret;
    this.secretId = secret.secretArn;
    this.secretName = secretName;
    this.created = true;
  }
}
