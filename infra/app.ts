#!/usr/bin/env node
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, loadConfig, type ReferralConfig } from './config.js';
import { ReferralStack } from './referral-stack.js';

const app = new App();
// cdk-nag 3 runs as a CDK policy-validation plugin: unacknowledged findings fail the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

let config: ReferralConfig;
try {
  config = loadConfig(app.node);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(
    `${error.message}\n(set them under "referrals" in cdk.json "context", or -c referrals.<key>=<value>)`,
  );
  process.exit(1);
}

new ReferralStack(app, 'PartneroReferrals', {
  config,
  stackName: `partnero-referrals-${config.stageName}`,
  description: `Refer-a-friend backend on AWS, backed by Partnero (stage ${config.stageName})`,
});
Tags.of(app).add('project', 'partnero-referrals');
Tags.of(app).add('stage', config.stageName);
