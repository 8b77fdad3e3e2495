import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CONFIG_CONTEXT_KEY, loadConfig } from '#infra/config.js';
import type { EntryName } from '#infra/entries.js';
import { ReferralStack, type ReferralStackProps } from '#infra/referral-stack.js';

/** Stand-in entry files, so the stack synthesizes whatever state functions/ is in. */
export const FIXTURE_FUNCTIONS_DIR = join(
  fileURLToPath(new URL('.', import.meta.url)),
  'fixtures',
  'functions',
);

/** The feature flags of cdk.json, so the tests synthesize what `cdk deploy` would. */
const CDK_JSON_FLAGS = Object.fromEntries(
  Object.entries(
    (
      JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
        context: Record<string, unknown>;
      }
    ).context,
  ).filter(([key]) => key.startsWith('@aws-cdk/') || key.startsWith('@aws-cdk-')),
);

export interface Synthesized {
  readonly stack: ReferralStack;
  readonly template: Template;
}

/**
 * Builds the stack the way infra/app.ts does, from CDK context (`referrals`, plus extra keys such as
 * `referrals.stageName`), with bundling skipped and without CDK's built-in CloudFormation schema
 * validation (10+ s per synth; `npx cdk synth` still runs it). Call once per config, in beforeAll.
 */
export function synth(
  config: unknown = {},
  extraContext: Record<string, unknown> = {},
  /** Adds to the stack before it is synthesized (the tree is frozen afterwards). */
  extend?: (stack: ReferralStack) => void,
  /** Stack properties such as `env` (the default stack is environment-agnostic). */
  stackProps: Omit<ReferralStackProps, 'config' | 'functionsDir'> = {},
): Synthesized {
  const app = new App({
    builtinCloudFormationValidation: false,
    context: {
      ...CDK_JSON_FLAGS,
      'aws:cdk:bundling-stacks': [],
      [CONFIG_CONTEXT_KEY]: config,
      ...extraContext,
    },
  });
  const stack = new ReferralStack(app, 'Test', {
    ...stackProps,
    config: loadConfig(app.node),
    functionsDir: FIXTURE_FUNCTIONS_DIR,
  });
  extend?.(stack);
  return { stack, template: Template.fromStack(stack) };
}

/** Unacknowledged cdk-nag AwsSolutions findings, one `severity rule @ construct path` each. */
export function nagFindings(stack: ReferralStack): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.severity} ${v.ruleName} @ ${r.constructPath}: ${v.description}`),
  );
}

/** Logical-id prefix of each function's constructs (`<prefix>Function…`, `<prefix>RoleDefaultPolicy…`). */
export const FUNCTION_ID_PREFIX: Record<EntryName, string> = {
  signup: 'ApiSignup',
  me: 'ApiMe',
  createTransactions: 'ApiCreateTransactions',
  refundTransaction: 'ApiRefundTransaction',
  creditCustomer: 'ApiCreditCustomer',
  orderConsumer: 'OrderEventsConsumer',
  partneroWebhook: 'WebhooksHandler',
  reconciler: 'ReconcilerHandler',
};
export const FUNCTION_NAMES = Object.keys(FUNCTION_ID_PREFIX) as EntryName[];

type Resource = { Type: string; Properties: Record<string, unknown> };

/** The one resource of `type` whose logical id starts with `prefix` (and is followed by a hash). */
export function resourceByPrefix(template: Template, type: string, prefix: string): Resource {
  const matches = Object.entries(template.findResources(type) as Record<string, Resource>).filter(([id]) =>
    new RegExp(`^${prefix}[0-9A-F]{8}$`).test(id),
  );
  if (matches.length !== 1) throw new Error(`expected one ${type} ${prefix}…, found ${matches.length}`);
  return (matches[0] as [string, Resource])[1];
}

export const lambdaOf = (template: Template, fn: EntryName) =>
  resourceByPrefix(template, 'AWS::Lambda::Function', `${FUNCTION_ID_PREFIX[fn]}Function`).Properties as {
    Runtime: string;
    Architectures: string[];
    TracingConfig: { Mode: string };
    Timeout: number;
    MemorySize: number;
    Environment: { Variables: Record<string, unknown> };
    LoggingConfig: { LogGroup: { Ref: string } };
  };

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** The statements of a function's role policy. */
export function statementsOf(template: Template, fn: EntryName): Statement[] {
  const policy = resourceByPrefix(template, 'AWS::IAM::Policy', `${FUNCTION_ID_PREFIX[fn]}RoleDefaultPolicy`);
  return (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
}

/** Statements granting any action of `service` (e.g. `dynamodb`). */
/**
 * The statements naming `service`'s actions, each action list sorted and each resource a list (how CDK
 * orders and merges them depends on feature flags).
 */
export const statementsFor = (statements: Statement[], service: string) =>
  statements
    .filter((s) => [s.Action].flat().some((a) => a.startsWith(`${service}:`)))
    .map((s) => ({
      ...s,
      ...(Array.isArray(s.Action) ? { Action: [...s.Action].sort() } : {}),
      Resource: [(s as { Resource?: unknown }).Resource].flat(),
    }));

/** The `RouteKey → route properties` map of the HTTP API. */
export function routesOf(template: Template): Record<string, Record<string, unknown>> {
  const routes = Object.values(
    template.findResources('AWS::ApiGatewayV2::Route') as Record<string, Resource>,
  );
  return Object.fromEntries(routes.map((r) => [r.Properties.RouteKey as string, r.Properties]));
}
