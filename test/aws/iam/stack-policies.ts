/**
 * Each function's IAM policy as the synthesized stack grants it, with `Ref` / `Fn::GetAtt` / `Fn::Join`
 * resolved to the ARNs of the local system's resources, so recorded local calls can be evaluated against
 * it. Which local resource stands for which of the stack's is read off the functions' environment.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import type { EntryName } from '#infra/entries.js';
import { DEFAULT_REGION, LOCAL_ACCOUNT_ID } from '#local/config.js';
import { FUNCTION_NAMES, type Statement, statementsOf } from '#test/infra/synth.js';

export const REGION = DEFAULT_REGION;
export const ACCOUNT = LOCAL_ACCOUNT_ID;

/** Secrets Manager ARNs end in `-` and six random characters; locally a fixed suffix stands in. */
export const secretArn = (name: string) =>
  `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-LOCAL1`;
export const tableArn = (name: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
export const queueArn = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
export const busArn = (name: string) => `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${name}`;
export const roleArn = (fn: string) => `arn:aws:iam::${ACCOUNT}:role/${fn}`;

/** The ARN of a resource of CloudFormation `type` that the functions' environment names `value` locally. */
function localArn(type: string, value: string): string | undefined {
  if (type === 'AWS::DynamoDB::Table' || type === 'AWS::DynamoDB::GlobalTable') return tableArn(value);
  if (type === 'AWS::SecretsManager::Secret') return value.startsWith('arn:') ? value : secretArn(value);
  if (type === 'AWS::SQS::Queue') return queueArn(value.split('/').pop() ?? value);
  if (type === 'AWS::Events::EventBus') return busArn(value);
  return undefined;
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/**
 * Logical id → local ARN, read off the runtime contract: a function's environment variable that the
 * stack sets to `Ref`/`Fn::GetAtt` of a resource holds, in the local system's environment (`localEnv`),
 * the local resource's name or URL. So every resource a function is told about maps, new ones included.
 */
export function localResources(
  resources: Resources,
  localEnv: Record<string, string>,
): Record<string, string> {
  const map: Record<string, string> = {};
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const variables = ((resource.Properties?.Environment as { Variables?: Record<string, unknown> })
      ?.Variables ?? {}) as Record<string, unknown>;
    for (const [name, value] of Object.entries(variables)) {
      const ref =
        (value as { Ref?: string }).Ref ?? (value as { 'Fn::GetAtt'?: [string] })['Fn::GetAtt']?.[0];
      const local = localEnv[name];
      const type = ref ? resources[ref]?.Type : undefined;
      const arn = ref && type && local ? localArn(type, local) : undefined;
      if (ref && arn) map[ref] = arn;
    }
  }
  return map;
}

const PSEUDO: Record<string, string> = {
  'AWS::Region': REGION,
  'AWS::AccountId': ACCOUNT,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
};

export class UnresolvedReference extends Error {}

/** `value` with every intrinsic function resolved to a local name. */
export function resolve(value: unknown, template: Resources, local: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, template, local));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const [key, arg] = entries[0] ?? [];
  if (entries.length === 1 && (key === 'Ref' || key === 'Fn::GetAtt')) {
    const [id, attribute] = key === 'Ref' ? [arg as string, 'Ref'] : (arg as [string, string]);
    if (key === 'Ref' && PSEUDO[id]) return PSEUDO[id];
    const arn = local[id];
    if (arn && (attribute === 'Arn' || attribute === 'Ref')) return arn;
    const type = template[id]?.Type;
    // Log groups: never called by the code (Lambda writes the logs), any stand-in ARN will do.
    if (type === 'AWS::Logs::LogGroup') return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${id}:*`;
    throw new UnresolvedReference(
      `no local resource for ${key} ${JSON.stringify(arg)} (${type ?? 'unknown type'})`,
    );
  }
  if (entries.length === 1 && key === 'Fn::Join') {
    const [separator, parts] = arg as [string, unknown[]];
    return parts.map((p) => resolve(p, template, local)).join(separator);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v, template, local)]));
}

export interface FunctionPolicy {
  fn: EntryName;
  principal: string;
  /** The identity policy, in local ARNs. */
  policy: { Version: '2012-10-17'; Statement: Statement[] };
  /** Resource policies by resource ARN (the bus's `AWS::Events::EventBusPolicy` statements). */
  resourcePolicies: Record<string, { Version: '2012-10-17'; Statement: unknown[] }>;
}

/** The statements of every `AWS::Events::EventBusPolicy`, by the local ARN of their bus. */
function busPolicies(resources: Resources, local: Record<string, string>) {
  const policies: FunctionPolicy['resourcePolicies'] = {};
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::Events::EventBusPolicy') continue;
    const statement = resolve(resource.Properties?.Statement, resources, local) as { Resource?: string };
    const bus = String(statement.Resource);
    policies[bus] ??= { Version: '2012-10-17', Statement: [] };
    policies[bus].Statement.push(statement);
  }
  return policies;
}

/** Every function's policy from the synthesized template, in the ARNs of the local resources. */
export function functionPolicies(
  template: Template,
  localEnv: Record<string, string>,
): Record<EntryName, FunctionPolicy> {
  const resources = template.toJSON().Resources as Resources;
  const local = localResources(resources, localEnv);
  const resourcePolicies = busPolicies(resources, local);
  return Object.fromEntries(
    FUNCTION_NAMES.map((fn) => [
      fn,
      {
        fn,
        principal: roleArn(fn),
        policy: {
          Version: '2012-10-17',
          Statement: resolve(statementsOf(template, fn), resources, local) as Statement[],
        },
        resourcePolicies,
      },
    ]),
  ) as Record<EntryName, FunctionPolicy>;
}
