import { DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { GetScheduleCommand } from '@aws-sdk/client-scheduler';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { awsCall } from '#tools/cli/aws-errors.js';
import { type CheckResult, type CheckRun, fail, pass, skip } from '#tools/doctor/check.js';
import { type StackResource, stackResources } from './stack-resources.js';

const REDEPLOY = 'deploy the stack again (npx cdk deploy)';

/** The order DLQ is empty (SQS GetQueueAttributes: visible and in-flight messages). */
export async function dlqCheck(run: CheckRun): Promise<CheckResult> {
  const name = 'order DLQ';
  const { outputs } = run.deps.target;
  const queueUrl = outputs.OrderDlqUrl;
  if (!queueUrl) return fail(name, 'the stack has no OrderDlqUrl output', REDEPLOY);
  const out = await awsCall({ ...run.aws, action: 'reading the order DLQ' }, () =>
    run.deps.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    ),
  );
  const count = (attribute: string) =>
    Number(out.Attributes?.[attribute as 'ApproximateNumberOfMessages'] ?? 0);
  const waiting = count('ApproximateNumberOfMessages') + count('ApproximateNumberOfMessagesNotVisible');
  if (waiting === 0) return pass(name, `empty (${queueUrl})`);
  const redrive =
    outputs.OrderDlqRedriveCommand ?? 'aws sqs start-message-move-task --source-arn <OrderDlqArn>';
  return fail(
    name,
    `${waiting} order event(s) wait in the dead-letter queue ${queueUrl}`,
    `read their failure_code/failure_reason attributes, fix the cause, then redrive: ${redrive}`,
  );
}

const resourcesOf = (run: CheckRun) => {
  const { target, clients } = run.deps;
  run.facts.resources ??= stackResources(clients.cloudFormation, target.stackName, run.aws);
  return run.facts.resources();
};

const ofType = (resources: StackResource[], type: string) => resources.filter((r) => r.type === type);

async function describeAlarms(run: CheckRun, names: string[]): Promise<MetricAlarm[]> {
  const alarms: MetricAlarm[] = [];
  for (let i = 0; i < names.length; i += 100) {
    const out = await awsCall({ ...run.aws, action: 'describing the alarms' }, () =>
      run.deps.clients.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100) })),
    );
    alarms.push(...(out.MetricAlarms ?? []));
  }
  return alarms;
}

/** Every alarm of the stack notifies a topic (CloudWatch DescribeAlarms: actions enabled, an SNS action). */
export async function alarmsCheck(run: CheckRun): Promise<CheckResult> {
  const name = 'alarms';
  if (run.deps.target.local) return skip(name, 'the local system has no CloudWatch alarms');
  const names = ofType(await resourcesOf(run), 'AWS::CloudWatch::Alarm').map((r) => r.physicalId);
  if (names.length === 0) return fail(name, 'the stack has no alarms', REDEPLOY);
  const topic = run.deps.target.outputs.AlarmTopicArn;
  const alarms = await describeAlarms(run, names);
  const notifies = (a: MetricAlarm) =>
    a.ActionsEnabled !== false &&
    (a.AlarmActions ?? []).some((arn) => (topic ? arn === topic : arn.includes(':sns:')));
  const unwired = [
    ...names.filter((n) => !alarms.some((a) => a.AlarmName === n)),
    ...alarms.filter((a) => !notifies(a)).map((a) => a.AlarmName ?? '?'),
  ];
  if (unwired.length > 0) {
    return fail(
      name,
      `${unwired.length} of ${names.length} alarms notify no topic: ${unwired.join(', ')}`,
      REDEPLOY,
    );
  }
  const firing = alarms.filter((a) => a.StateValue === 'ALARM').map((a) => a.AlarmName);
  const now = firing.length > 0 ? `; in ALARM now: ${firing.join(', ')}` : '';
  return pass(
    name,
    `${names.length} alarms notify ${topic ?? 'an SNS topic'} (subscribe to it to hear of them)${now}`,
  );
}

/** The reconciler's EventBridge Scheduler schedule is ENABLED (Scheduler GetSchedule). */
export async function reconcilerCheck(run: CheckRun): Promise<CheckResult> {
  const name = 'reconciler';
  if (run.deps.target.local) return skip(name, 'the local system runs the reconciler on a 30-second timer');
  const schedules = ofType(await resourcesOf(run), 'AWS::Scheduler::Schedule');
  if (schedules.length === 0) return fail(name, 'the stack has no reconciler schedule', REDEPLOY);
  const results: string[] = [];
  for (const schedule of schedules) {
    const out = await awsCall({ ...run.aws, action: `reading schedule ${schedule.physicalId}` }, () =>
      run.deps.clients.scheduler.send(new GetScheduleCommand({ Name: schedule.physicalId })),
    );
    if (out.State !== 'ENABLED') {
      return fail(
        name,
        `schedule ${schedule.physicalId} is ${out.State ?? 'in no state'}: the order ledger is not swept`,
        `enable it (aws scheduler update-schedule …, or ${REDEPLOY})`,
      );
    }
    results.push(`${schedule.physicalId} ENABLED (${out.ScheduleExpression ?? '?'})`);
  }
  return pass(name, `schedule ${results.join(', ')}`);
}
