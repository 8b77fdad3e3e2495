import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseConfig } from '#infra/config.js';
import {
  DEFAULT_OUTPUTS_FILE,
  type LocalEndpoint,
  localEndpointFileFor,
} from '#local/system/stack-outputs.js';
import type { AwsClients, AwsSettings } from './aws-clients.js';
import { ToolError } from './errors.js';
import { describeStackOutputs, readOutputsFile, type StackOutputs, stackNameOf } from './stack-outputs.js';

/** The flags every tool shares: which stack, and how to reach it. */
export interface TargetOptions {
  stage: string;
  /** Whether the stage was named (else an outputs file's only stack is taken, whatever its stage). */
  stageGiven?: boolean;
  /** The local system of `npm start` (its outputs file and endpoint file). */
  local?: boolean;
  /** A `cdk deploy --outputs-file` JSON instead of CloudFormation. */
  outputsFile?: string;
  region?: string;
  profile?: string;
  /** Partnero's API base URL (else `PARTNERO_API_URL`, else the stack's default). */
  partneroUrl?: string;
}

/** The stack a tool works on. */
export interface Target {
  stackName: string;
  outputs: StackOutputs;
  /** Where the outputs came from, for the report ("CloudFormation (eu-west-1)", a file). */
  source: string;
  /** The local system: no CloudFormation, CloudWatch or Scheduler there. */
  local: boolean;
  aws: AwsSettings;
  partneroUrl: string;
}

/** Partnero's URL when nothing else names one: the stack's own default (infra/config.ts). */
const STACK_PARTNERO_URL = parseConfig({}).partneroApiUrl;

function readLocalEndpoint(outputsFile: string): LocalEndpoint {
  const file = localEndpointFileFor(outputsFile);
  let parsed: Partial<LocalEndpoint>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalEndpoint>;
  } catch {
    throw new ToolError(
      `No local system found (${file} is missing or unreadable): start it with npm start and run this again`,
    );
  }
  const { stackName, awsEndpointUrl, region, credentials, partneroApiUrl } = parsed;
  if (!stackName || !awsEndpointUrl || !region || !credentials || !partneroApiUrl) {
    throw new ToolError(`${file} is incomplete: restart the local system (npm start) and run this again`);
  }
  return { stackName, awsEndpointUrl, region, credentials, partneroApiUrl };
}

function localTarget(options: TargetOptions): Target {
  const outputsFile = resolve(options.outputsFile ?? DEFAULT_OUTPUTS_FILE);
  const endpoint = readLocalEndpoint(outputsFile);
  const { stackName, outputs } = readOutputsFile(outputsFile, endpoint.stackName);
  return {
    stackName,
    outputs,
    source: `local system (${outputsFile})`,
    local: true,
    aws: { region: endpoint.region, endpoint: endpoint.awsEndpointUrl, credentials: endpoint.credentials },
    partneroUrl: options.partneroUrl ?? endpoint.partneroApiUrl,
  };
}

/**
 * Finds the stack's outputs: the local system's files (`--local`), a `cdk deploy --outputs-file` JSON
 * (`--outputs-file`), or CloudFormation for `partnero-referrals-<stage>`; and makes the AWS clients
 * that reach it (`makeClients`, injected so tests hand in mocks).
 */
export async function resolveTarget<C extends Pick<AwsClients, 'cloudFormation'>>(
  options: TargetOptions,
  deps: { env: NodeJS.ProcessEnv; makeClients: (aws: AwsSettings) => C },
): Promise<{ target: Target; clients: C }> {
  if (options.local) {
    const target = localTarget(options);
    return { target, clients: deps.makeClients(target.aws) };
  }
  const region = options.region ?? deps.env.AWS_REGION ?? deps.env.AWS_DEFAULT_REGION;
  const aws: AwsSettings = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
  };
  const partneroUrl = options.partneroUrl ?? (deps.env.PARTNERO_API_URL?.trim() || STACK_PARTNERO_URL);
  const clients = deps.makeClients(aws);
  const wanted = stackNameOf(options.stage);
  if (options.outputsFile) {
    const file = resolve(options.outputsFile);
    const { stackName, outputs } = readOutputsFile(file, options.stageGiven ? wanted : undefined);
    return { target: { stackName, outputs, source: file, local: false, aws, partneroUrl }, clients };
  }
  const outputs = await describeStackOutputs(clients.cloudFormation, wanted, region);
  const source = `CloudFormation${region ? ` (${region})` : ''}`;
  return { target: { stackName: wanted, outputs, source, local: false, aws, partneroUrl }, clients };
}
