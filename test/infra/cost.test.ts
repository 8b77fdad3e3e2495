import { type CfnTemplate, type CostReport, costAtRest, runsPerMonth } from '#tools/cost/cost.js';
import { loadPrices } from '#tools/cost/prices.js';
import { formatTable, toJson } from '#tools/cost/report.js';
import { synth } from './synth.js';

const prices = loadPrices();

type Resource = { Type: string; Properties?: Record<string, unknown> };

describe('npm run cost on the synthesized stack', () => {
  let template: CfnTemplate & { Resources: Record<string, Resource> };
  let report: CostReport;
  const ofType = (type: string) => Object.values(template.Resources).filter((r) => r.Type === type);
  const line = (kind: string) => {
    const found = report.lines.find((l) => l.kind === kind);
    if (!found) throw new Error(`no line "${kind}"`);
    return found;
  };

  beforeAll(() => {
    template = synth().template.toJSON() as typeof template;
    report = costAtRest(template, prices);
  });

  it('counts each kind as the template has it', () => {
    expect(line('CloudWatch alarms').count).toBe(ofType('AWS::CloudWatch::Alarm').length);
    expect(line('CloudWatch dashboards').count).toBe(ofType('AWS::CloudWatch::Dashboard').length);
    expect(line('Secrets Manager secrets').count).toBe(ofType('AWS::SecretsManager::Secret').length);
    expect(line('DynamoDB tables (on-demand)').count).toBe(ofType('AWS::DynamoDB::Table').length);
    expect(line('Lambda functions').count).toBe(ofType('AWS::Lambda::Function').length);
    expect(line('CloudWatch log groups').count).toBe(ofType('AWS::Logs::LogGroup').length);
    expect(line('SQS queues').count).toBe(ofType('AWS::SQS::Queue').length);
    expect(line('API Gateway HTTP APIs').count).toBe(ofType('AWS::ApiGatewayV2::Api').length);
    expect(line('Cognito user pools').count).toBe(ofType('AWS::Cognito::UserPool').length);
  });

  it('bills an alarm per metric it reads: a metric-math alarm for each of its metrics', () => {
    const metrics = ofType('AWS::CloudWatch::Alarm').reduce((n, a) => {
      const entries = (a.Properties?.Metrics ?? []) as { MetricStat?: unknown }[];
      return n + (entries.length === 0 ? 1 : entries.filter((m) => m.MetricStat).length);
    }, 0);
    expect(line('CloudWatch alarms').quantity).toBe(metrics);
    expect(line('CloudWatch alarms').monthly).toBeCloseTo(metrics * 0.1, 10);
  });

  it('charges fees for alarms, dashboards and secrets, and only usage for the rest', () => {
    const usd = (key: string) => prices.prices[key]?.usd ?? Number.NaN;
    const fees =
      line('CloudWatch alarms').quantity * usd('cloudwatch.alarm.standard') +
      ofType('AWS::CloudWatch::Dashboard').length * usd('cloudwatch.dashboard') +
      ofType('AWS::SecretsManager::Secret').length * usd('secretsmanager.secret');
    expect(report.fixedFees).toBeCloseTo(fees, 10);
    expect(report.lines.filter((l) => l.basis === 'fixed').map((l) => l.kind)).toEqual([
      'CloudWatch alarms',
      'CloudWatch dashboards',
      'Secrets Manager secrets',
    ]);
    expect(line('DynamoDB tables (on-demand)').monthly).toBe(0);
    expect(line('DynamoDB tables (on-demand)').note).toMatch(/point-in-time recovery on \d+ of \d+ tables/);
  });

  it('counts the schedule that runs with no traffic', () => {
    const [schedule] = ofType('AWS::Scheduler::Schedule');
    const runs = runsPerMonth(schedule?.Properties?.ScheduleExpression, prices.hoursPerMonth);
    expect(runs).toBeGreaterThan(0);
    expect(line('EventBridge Scheduler invocations').quantity).toBe(runs);
    expect(line('Lambda requests on a schedule').quantity).toBe(runs);
    expect(line('X-Ray traces on a schedule').quantity).toBe(runs);
  });

  it('has a total that is the sum of its lines, and puts every resource type on a line', () => {
    const sum = report.lines.reduce((n, l) => n + l.monthly, 0);
    expect(report.total).toBe(sum);
    expect(report.fixedFees + report.usageAtRest).toBeCloseTo(report.total, 10);
    expect(report.totalAfterFreeTier).toBeLessThanOrEqual(report.total);
    const onLines = new Set(report.lines.flatMap((l) => l.types));
    expect(
      [...new Set(Object.values(template.Resources).map((r) => r.Type))].filter((t) => !onLines.has(t)),
    ).toEqual([]);
    expect(report.unpriced).toEqual([]);
  });

  it('reports a resource type it does not know, in the table and the JSON', () => {
    const withUnknown = {
      Resources: {
        ...template.Resources,
        Thing: { Type: 'AWS::Made::Up' },
        Other: { Type: 'AWS::Made::Up' },
      },
    };
    const r = costAtRest(withUnknown, prices);
    expect(r.unpriced).toEqual([{ type: 'AWS::Made::Up', count: 2 }]);
    expect(r.lines.find((l) => l.kind === 'AWS::Made::Up')).toMatchObject({
      basis: 'not priced',
      count: 2,
      note: 'not priced (no fixed cost known)',
    });
    expect(r.total).toBe(report.total);
    expect(formatTable(r, 'test')).toMatch(/Not priced \(no fixed cost known\): AWS::Made::Up ×2/);
    expect(JSON.parse(toJson(r, 'test')).unpriced).toEqual([{ type: 'AWS::Made::Up', count: 2 }]);
  });

  it('prints the total, the date and the region of the price table, and each line’s pricing page', () => {
    const table = formatTable(report, 'test');
    expect(table).toContain(`as recorded on ${prices.recorded}`);
    expect(table).toContain('us-east-1');
    expect(table).toContain(`Total: $${report.total.toFixed(2)} a month`);
    expect(table).toContain('https://aws.amazon.com/cloudwatch/pricing/');
    const json = JSON.parse(toJson(report, 'test')) as { total: number; lines: { monthly: number }[] };
    expect(json.total).toBeCloseTo(report.total, 6);
    expect(json.lines).toHaveLength(report.lines.length);
  });
});

describe('costAtRest on resources the stack does not have', () => {
  const cost = (Resources: Record<string, Resource>) => costAtRest({ Resources }, prices);

  it('prices a WAF web ACL and its rules, high-resolution and composite alarms, and KMS keys', () => {
    const r = cost({
      Acl: { Type: 'AWS::WAFv2::WebACL', Properties: { Rules: [{}, {}] } },
      Fast: { Type: 'AWS::CloudWatch::Alarm', Properties: { Period: 10 } },
      Both: { Type: 'AWS::CloudWatch::CompositeAlarm' },
      Key: { Type: 'AWS::KMS::Key' },
    });
    const monthly = Object.fromEntries(r.lines.map((l) => [l.kind, l.monthly]));
    expect(monthly).toMatchObject({
      'WAF web ACLs': 5,
      'WAF rules': 2,
      'CloudWatch alarms (high resolution)': 0.3,
      'CloudWatch composite alarms': 0.5,
      'KMS keys': 1,
    });
    expect(r.total).toBeCloseTo(8.8, 10);
  });

  it('prices provisioned DynamoDB capacity by the hour, and notes a cron schedule it cannot count', () => {
    const r = cost({
      T: {
        Type: 'AWS::DynamoDB::Table',
        Properties: { ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } },
      },
      S: { Type: 'AWS::Scheduler::Schedule', Properties: { ScheduleExpression: 'cron(0 12 * * ? *)' } },
    });
    expect(r.lines.find((l) => l.kind === 'DynamoDB provisioned writes')?.monthly).toBeCloseTo(
      5 * 730 * 0.00065,
      10,
    );
    expect(r.notIncluded.join('\n')).toContain('cron(0 12 * * ? *)');
  });

  it('reads rate expressions as runs in a 730-hour month', () => {
    expect(runsPerMonth('rate(5 minutes)', 730)).toBe(8760);
    expect(runsPerMonth('rate(1 hour)', 730)).toBe(730);
    expect(runsPerMonth('at(2030-01-01T00:00:00)', 730)).toBe(0);
    expect(runsPerMonth('cron(0 12 * * ? *)', 730)).toBeUndefined();
  });
});

describe('the price table', () => {
  it('is dated, for us-east-1, with the AWS pricing page of each price', () => {
    expect(prices.recorded).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(prices.region).toBe('us-east-1');
    for (const price of Object.values(prices.prices))
      expect(price.page).toMatch(/^https:\/\/aws\.amazon\.com\//);
  });
});
