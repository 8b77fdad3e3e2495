import { type CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { type AwsCallContext, awsCall } from '#tools/cli/aws-errors.js';

/** A resource of the stack: its CloudFormation type and physical id (an alarm's or a schedule's name). */
export interface StackResource {
  type: string;
  physicalId: string;
  logicalId: string;
}

/** Every resource of the stack (ListStackResources, all pages), read once per doctor run. */
export function stackResources(
  cloudFormation: Pick<CloudFormationClient, 'send'>,
  stackName: string,
  aws: Omit<AwsCallContext, 'action'>,
): () => Promise<StackResource[]> {
  let listed: Promise<StackResource[]> | undefined;
  const list = async () => {
    const all: StackResource[] = [];
    let token: string | undefined;
    do {
      const page = await awsCall({ ...aws, action: `listing the resources of ${stackName}` }, () =>
        cloudFormation.send(new ListStackResourcesCommand({ StackName: stackName, NextToken: token })),
      );
      for (const r of page.StackResourceSummaries ?? []) {
        if (r.ResourceType && r.PhysicalResourceId && r.LogicalResourceId) {
          all.push({
            type: r.ResourceType,
            physicalId: r.PhysicalResourceId,
            logicalId: r.LogicalResourceId,
          });
        }
      }
      token = page.NextToken;
    } while (token);
    return all;
  };
  return () => {
    listed ??= list();
    return listed;
  };
}
