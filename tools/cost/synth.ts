import { existsSync, readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { loadConfig } from '#infra/config.js';
import { ReferralStack } from '#infra/referral-stack.js';
import type { CfnTemplate } from './cost.js';

const CDK_JSON = new URL('../../cdk.json', import.meta.url);
const CDK_CONTEXT_JSON = new URL('../../cdk.context.json', import.meta.url);

const readJson = (file: URL): Record<string, unknown> =>
  existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};

export interface Synthesized {
  readonly stackName: string;
  readonly template: CfnTemplate;
}

/**
 * Builds the stack as `npx cdk synth` does (infra/app.ts, the context of cdk.json and cdk.context.json,
 * then `-c key=value` overrides), without bundling the functions: bundling changes the code assets, not
 * the resources.
 */
export function synthesizeStack(overrides: Record<string, unknown> = {}): Synthesized {
  const app = new App({
    builtinCloudFormationValidation: false,
    context: {
      ...(readJson(CDK_JSON).context as Record<string, unknown> | undefined),
      ...readJson(CDK_CONTEXT_JSON),
      ...overrides,
      'aws:cdk:bundling-stacks': [],
    },
  });
  const config = loadConfig(app.node);
  const stack = new ReferralStack(app, 'PartneroReferrals', {
    config,
    stackName: `partnero-referrals-${config.stageName}`,
  });
  const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
  return { stackName: stack.stackName, template };
}
