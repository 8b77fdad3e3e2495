import { type Command, Option } from 'commander';
import { DEFAULT_OUTPUTS_FILE } from '#local/system/stack-outputs.js';
import type { TargetOptions } from './target.js';

/** The flags connect and doctor share: which stack, and how to reach it and Partnero. */
export function addTargetOptions(command: Command): Command {
  return command
    .addOption(new Option('--stage <name>', 'stage of the stack partnero-referrals-<stage>').default('dev'))
    .addOption(
      new Option('--local', `the local system of npm start (reads ${DEFAULT_OUTPUTS_FILE})`).conflicts([
        'region',
        'profile',
      ]),
    )
    .option(
      '--outputs-file <file>',
      'read the outputs from a `cdk deploy --outputs-file` JSON, not CloudFormation',
    )
    .option('--region <region>', "AWS region (default: AWS_REGION or the profile's)")
    .option('--profile <name>', 'AWS profile (default: AWS_PROFILE)')
    .option(
      '--partnero-url <url>',
      'Partnero API base URL (default: PARTNERO_API_URL, else https://api.partnero.com/v1; the sandbox with --local)',
    );
}

/** The shared flags as `resolveTarget` takes them. */
export function targetOptionsOf(command: Command): TargetOptions {
  const o = command.opts<{
    stage: string;
    local?: boolean;
    outputsFile?: string;
    region?: string;
    profile?: string;
    partneroUrl?: string;
  }>();
  return {
    stage: o.stage,
    stageGiven: command.getOptionValueSource('stage') === 'cli',
    ...(o.local ? { local: true } : {}),
    ...(o.outputsFile ? { outputsFile: o.outputsFile } : {}),
    ...(o.region ? { region: o.region } : {}),
    ...(o.profile ? { profile: o.profile } : {}),
    ...(o.partneroUrl ? { partneroUrl: o.partneroUrl } : {}),
  };
}
