import { readFileSync } from 'node:fs';
import {
  type CloudFormationClient,
  DescribeStacksCommand,
  type DescribeStacksCommandOutput,
} from '@aws-sdk/client-cloudformation';
import { awsFailure } from './aws-errors.js';
import { ToolError } from './errors.js';

/** A stack's outputs by key (`ApiUrl`, `WebhookUrl`, `SecretName`…), as infra/stack-outputs.ts names them. */
export type StackOutputs = Readonly<Record<string, string>>;

/** The stack's name for a stage, as infra/app.ts names it. */
export const stackNameOf = (stage: string) => `partnero-referrals-${stage}`;

/** An output the tools cannot do without; a stack that lacks it predates them or failed to deploy. */
export function requireOutput(outputs: StackOutputs, name: string, stackName: string): string {
  const value = outputs[name]?.trim();
  if (!value) {
    throw new ToolError(
      `Stack ${stackName} has no ${name} output: deploy the current version of this project (npx cdk deploy) and run this again`,
    );
  }
  return value;
}

/** The outputs of a deployed stack (CloudFormation DescribeStacks). */
export async function describeStackOutputs(
  cloudFormation: Pick<CloudFormationClient, 'send'>,
  stackName: string,
  region: string | undefined,
): Promise<StackOutputs> {
  const where = region ? ` in ${region}` : '';
  let out: DescribeStacksCommandOutput;
  try {
    out = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
  } catch (e) {
    // CloudFormation's answer for an unknown stack: ValidationError "Stack with id … does not exist".
    if ((e as { name?: unknown }).name === 'ValidationError' && /does not exist/.test(String(e))) {
      throw missingStack(stackName, where);
    }
    throw awsFailure(e, { action: `reading stack ${stackName}`, ...(region ? { region } : {}) });
  }
  const stack = out.Stacks?.[0];
  if (!stack) throw missingStack(stackName, where);
  return Object.fromEntries(
    (stack.Outputs ?? []).flatMap((o) =>
      o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [],
    ),
  );
}

const missingStack = (stackName: string, where: string) =>
  new ToolError(
    `Stack ${stackName} does not exist${where}: deploy it first (npx cdk deploy), or name the stage and region it lives in (--stage, --region)`,
  );

/**
 * The outputs in a `cdk deploy --outputs-file` JSON (`{"<stack name>": {"ApiUrl": …}}`): the stack named
 * `stackName` when given, else the file's only stack.
 */
export function readOutputsFile(
  file: string,
  stackName?: string,
): { stackName: string; outputs: StackOutputs } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'is not valid JSON';
    throw new ToolError(
      `The outputs file ${file} ${reason}: write it with npx cdk deploy --outputs-file ${file}`,
    );
  }
  const stacks = Object.entries(isRecord(parsed) ? parsed : {}).filter(([, v]) => isRecord(v));
  const found = stackName
    ? stacks.find(([name]) => name === stackName)
    : stacks.length === 1
      ? stacks[0]
      : undefined;
  if (!found) {
    const names = stacks.map(([name]) => name).join(', ') || 'none';
    throw new ToolError(
      stackName
        ? `The outputs file ${file} has no stack ${stackName} (it has: ${names}): pass the --stage it was deployed with`
        : `The outputs file ${file} holds ${stacks.length} stacks (${names}): pass --stage to pick one`,
    );
  }
  const [name, values] = found;
  const outputs = Object.fromEntries(
    Object.entries(values as Record<string, unknown>).filter(
      (e): e is [string, string] => typeof e[1] === 'string',
    ),
  );
  return { stackName: name, outputs };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
