import { CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { createAwsClients } from '#tools/cli/aws-clients.js';
import type { Target } from '#tools/cli/target.js';
import type { CheckRun } from '#tools/doctor/check.js';
import { alarmsCheck, reconcilerCheck } from '#tools/doctor/checks/aws.js';

const cfn = mockClient(CloudFormationClient);
const cw = mockClient(CloudWatchClient);
const scheduler = mockClient(SchedulerClient);

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:alarms';
const target = (local = false): Target => ({
  stackName: 'partnero-referrals-dev',
  source: 'CloudFormation (eu-west-1)',
  local,
  aws: { region: 'eu-west-1' },
  partneroUrl: 'https://api.partnero.com/v1',
  outputs: { AlarmTopicArn: TOPIC },
});
const checkRun = (local = false): CheckRun => ({
  deps: {
    target: target(local),
    clients: createAwsClients({ region: 'eu-west-1' }),
    partnero: () => {
      throw new Error('not used');
    },
    connectCommand: 'npm run connect -- --stage dev',
  },
  facts: {},
  aws: { region: 'eu-west-1' },
});

const resource = (type: string, physicalId: string) => ({
  ResourceType: type,
  PhysicalResourceId: physicalId,
  LogicalResourceId: physicalId.replace(/\W/g, ''),
  ResourceStatus: 'CREATE_COMPLETE' as const,
  LastUpdatedTimestamp: new Date(),
});

beforeEach(() => {
  cfn.reset();
  cw.reset();
  scheduler.reset();
  cfn
    .on(ListStackResourcesCommand, { StackName: 'partnero-referrals-dev', NextToken: undefined })
    .resolves({
      StackResourceSummaries: [
        resource('AWS::CloudWatch::Alarm', 'alarm-errors'),
        resource('AWS::Lambda::Function', 'fn'),
      ],
      NextToken: 'page2',
    })
    .on(ListStackResourcesCommand, { StackName: 'partnero-referrals-dev', NextToken: 'page2' })
    .resolves({
      StackResourceSummaries: [
        resource('AWS::CloudWatch::Alarm', 'alarm-dlq'),
        resource('AWS::Scheduler::Schedule', 'reconciler-schedule'),
      ],
    });
});

const alarm = (name: string, extra: object = {}) => ({
  AlarmName: name,
  ActionsEnabled: true,
  AlarmActions: [TOPIC],
  StateValue: 'OK' as const,
  ...extra,
});

describe('the alarms check (CloudWatch DescribeAlarms of the stack alarms)', () => {
  it('passes when every alarm of the stack notifies the alarm topic, naming those in ALARM', async () => {
    cw.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [alarm('alarm-errors'), alarm('alarm-dlq', { StateValue: 'ALARM' })],
    });
    const result = await alarmsCheck(checkRun());
    expect(result).toMatchObject({ status: 'pass' });
    expect(result.detail).toBe(
      `2 alarms notify ${TOPIC} (subscribe to it to hear of them); in ALARM now: alarm-dlq`,
    );
    expect(cw.commandCalls(DescribeAlarmsCommand)[0]?.args[0].input.AlarmNames).toEqual([
      'alarm-errors',
      'alarm-dlq',
    ]);
  });

  it('fails naming the alarms with no action, actions disabled, or missing', async () => {
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('alarm-errors', { AlarmActions: [] })] });
    expect(await alarmsCheck(checkRun())).toMatchObject({
      status: 'fail',
      detail: '2 of 2 alarms notify no topic: alarm-dlq, alarm-errors',
      fix: 'deploy the stack again (npx cdk deploy)',
    });
    cw.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [alarm('alarm-errors'), alarm('alarm-dlq', { ActionsEnabled: false })],
    });
    expect(await alarmsCheck(checkRun())).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/: alarm-dlq$/),
    });
  });

  it('is skipped for the local system', async () => {
    expect(await alarmsCheck(checkRun(true))).toMatchObject({ status: 'skip' });
    expect(cfn.calls()).toHaveLength(0);
  });
});

describe('the reconciler check (EventBridge Scheduler GetSchedule)', () => {
  it('passes when the schedule is ENABLED', async () => {
    scheduler.on(GetScheduleCommand, { Name: 'reconciler-schedule' }).resolves({
      State: 'ENABLED',
      ScheduleExpression: 'rate(5 minutes)',
    });
    expect(await reconcilerCheck(checkRun())).toEqual({
      name: 'reconciler',
      status: 'pass',
      detail: 'schedule reconciler-schedule ENABLED (rate(5 minutes))',
    });
  });

  it('fails with the fix when it is DISABLED', async () => {
    scheduler.on(GetScheduleCommand).resolves({ State: 'DISABLED' });
    expect(await reconcilerCheck(checkRun())).toMatchObject({
      status: 'fail',
      detail: 'schedule reconciler-schedule is DISABLED: the order ledger is not swept',
      fix: expect.stringMatching(/^enable it \(aws scheduler update-schedule/),
    });
  });

  it('turns a refused call into one line saying what to do', async () => {
    scheduler
      .on(GetScheduleCommand)
      .rejects(Object.assign(new Error('no'), { name: 'AccessDeniedException' }));
    await expect(reconcilerCheck(checkRun())).rejects.toThrow(
      'AWS denied reading schedule reconciler-schedule in eu-west-1 (AccessDeniedException): use credentials that may do it',
    );
  });

  it('is skipped for the local system', async () => {
    expect(await reconcilerCheck(checkRun(true))).toMatchObject({
      status: 'skip',
      detail: expect.stringMatching(/timer/),
    });
  });
});
