import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, type ITable, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** The item prefixes of the key map (shared/referrals/public-keys.ts). */
const ITEMS = ['key#*', 'account#*'];

export interface ReferralKeysProps {
  /**
   * What happens to the map when the stack goes. Every link customers shared depends on it.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Our public referral keys: the map from a public key to its account (and the reverse), and the secret
 * that keys the email hash kept beside it for the self-referral check. Sign-up enrols (`grantEnrol`),
 * the dashboard reads (`grantRead`); nothing else touches them.
 */
export class ReferralKeys extends Construct {
  public readonly table: ITable;
  /** Generated once; never rotated (a new key would unlink every stored hash from its mailbox). */
  public readonly hashSecret: ISecret;

  constructor(scope: Construct, id: string, props: ReferralKeysProps = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'id', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.hashSecret = new Secret(this, 'EmailHashKey', {
      description:
        'Key of the email hash in the referral key map (self-referral check). Generated; do not change it.',
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'hashKey',
        passwordLength: 48,
        excludePunctuation: true,
      },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    Validations.of(this.hashSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Keys the email hashes stored in the map: a new value would unlink every stored hash from its mailbox.',
    });
  }

  /** The variables the functions read (shared/referrals/keys-env.ts). */
  public environment(withHashKey: boolean): Record<string, string> {
    return {
      REFERRAL_KEYS_TABLE_NAME: this.table.tableName,
      ...(withHashKey ? { EMAIL_HASH_SECRET_ID: this.hashSecret.secretArn } : {}),
    };
  }

  /**
   * Sign-up: read and write the map's items (a new key is two conditional puts in one transaction; a key
   * drawn for a customer enrolled before is deleted again) and read the hash key.
   */
  public grantEnrol(grantee: IGrantable): void {
    this.grantItems(grantee, [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    ]);
    this.hashSecret.grantRead(grantee);
  }

  /** The dashboard: read an account's key. */
  public grantRead(grantee: IGrantable): void {
    this.grantItems(grantee, ['dynamodb:GetItem']);
  }

  private grantItems(grantee: IGrantable, actions: string[]) {
    Grant.addToPrincipal({
      grantee,
      actions,
      resourceArns: [this.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ITEMS } },
    });
  }
}
