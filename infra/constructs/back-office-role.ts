import { Stack, Validations } from 'aws-cdk-lib';
import {
  AccountPrincipal,
  AccountRootPrincipal,
  ArnPrincipal,
  CompositePrincipal,
  type IPrincipal,
  Role,
} from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { ReferralApi } from './referral-api.js';

export interface BackOfficeRoleProps {
  /** The API whose IAM-authorized routes the role may call. */
  readonly api: ReferralApi;
  /**
   * Who may assume the role: 12-digit account ids or IAM ARNs (root, role, user).
   * @default - this account: its administrators let people and systems assume the role with their own
   *   IAM policies (`sts:AssumeRole` on the role's ARN)
   */
  readonly principals?: readonly string[];
}

/**
 * The back-office role: it may invoke the back-office routes (`POST /transactions`,
 * `DELETE /transactions/{key}`, `POST /customers/{id}/credit`) and nothing else, so callers need no
 * account-wide `execute-api:Invoke`. Every call it makes is logged with the assumed-role session name.
 */
export class BackOfficeRole extends Construct {
  public readonly role: Role;

  constructor(scope: Construct, id: string, props: BackOfficeRoleProps) {
    super(scope, id);
    const principals = props.principals?.length
      ? props.principals.map(principalOf)
      : [new AccountRootPrincipal()];
    this.role = new Role(this, 'Role', {
      assumedBy:
        principals.length === 1 ? (principals[0] as IPrincipal) : new CompositePrincipal(...principals),
      description:
        'Back office: invoke POST /transactions, DELETE /transactions/{key}, POST /customers/{id}/credit',
    });
    props.api.grantBackOfficeInvoke(this.role);
    const stack = Stack.of(this);
    Validations.of(this.role).acknowledge(
      ...props.api.backOfficeRouteArns().map((arn) => ({
        id: `AwsSolutions-IAM5[Resource::${nagForm(stack.resolve(arn))}]`,
        reason:
          'execute-api:Invoke on one back-office route: the `*` stand for the stage and for the {key}/{id} path segment of the route, never for another route.',
      })),
    );
  }
}

/** A resolved ARN as cdk-nag names it in a finding: `<AWS::Region>` for a Ref, `<Id.Attr>` for a GetAtt. */
function nagForm(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return String(value);
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return `<${v.Ref}>`;
  if (Array.isArray(v['Fn::GetAtt'])) return `<${v['Fn::GetAtt'].join('.')}>`;
  if (Array.isArray(v['Fn::Join'])) {
    const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(nagForm).join(separator);
  }
  return JSON.stringify(value);
}

/** A principal from a configured value: an account id (its root) or an IAM ARN. */
function principalOf(value: string): IPrincipal {
  return /^\d{12}$/.test(value) ? new AccountPrincipal(value) : new ArnPrincipal(value);
}
