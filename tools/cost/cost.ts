import type { Price, PriceTable } from './prices.js';

/** The part of a CloudFormation template the calculation reads. */
export interface CfnTemplate {
  readonly Resources?: Readonly<Record<string, CfnResource>>;
}
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
}

/**
 * How a line is billed with no traffic at all:
 * - `fixed`: a monthly fee per resource, whatever the traffic;
 * - `at rest`: usage the stack makes by itself with no traffic (a schedule firing);
 * - `per use`: nothing until there is traffic or data;
 * - `no charge`: configuration with no price of its own;
 * - `not priced`: a resource type this tool does not know.
 */
export type Basis = 'fixed' | 'at rest' | 'per use' | 'no charge' | 'not priced';

export interface CostLine {
  readonly kind: string;
  /** The resource types the line counts. */
  readonly types: readonly string[];
  /** Resources of the kind in the template. */
  readonly count: number;
  readonly basis: Basis;
  /** Billed units per month at rest (alarm metrics, invocations); 0 when nothing is billed at rest. */
  readonly quantity: number;
  /** The price the line is computed with, or the main usage price of a per-use line. */
  readonly priceKey?: string;
  readonly price?: Price;
  /** USD per month at list price, no free tier, zero traffic. */
  readonly monthly: number;
  /** The same after the account's always-free allowance (if nothing else in the account uses it). */
  readonly monthlyAfterFreeTier: number;
  readonly note: string;
}

export interface CostReport {
  readonly recorded: string;
  readonly region: string;
  readonly currency: string;
  readonly lines: readonly CostLine[];
  /** Sum of the lines' `monthly`. */
  readonly total: number;
  /** The part of `total` that is monthly fees (`fixed` lines) and the part that is usage at rest. */
  readonly fixedFees: number;
  readonly usageAtRest: number;
  /** Sum of the lines' `monthlyAfterFreeTier`. */
  readonly totalAfterFreeTier: number;
  /** Resource types no line prices, with their counts: each is also a `not priced` line. */
  readonly unpriced: readonly { readonly type: string; readonly count: number }[];
  /** What the figure leaves out. */
  readonly notIncluded: readonly string[];
}

/** Types that are configuration of another resource and cost nothing of their own. */
export const NO_CHARGE_TYPES: ReadonlySet<string> = new Set([
  'AWS::CDK::Metadata',
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::IAM::ManagedPolicy',
  'AWS::IAM::InstanceProfile',
  'AWS::Lambda::Permission',
  'AWS::Lambda::EventSourceMapping',
  'AWS::Lambda::Url',
  'AWS::ApiGatewayV2::Stage',
  'AWS::ApiGatewayV2::Route',
  'AWS::ApiGatewayV2::Integration',
  'AWS::ApiGatewayV2::Authorizer',
  'AWS::ApiGatewayV2::Deployment',
  'AWS::SQS::QueuePolicy',
  'AWS::SNS::TopicPolicy',
  'AWS::SNS::Subscription',
  'AWS::Events::Rule',
  'AWS::Events::EventBusPolicy',
  'AWS::Scheduler::ScheduleGroup',
  'AWS::Cognito::UserPoolClient',
  'AWS::Cognito::UserPoolDomain',
  'AWS::SecretsManager::SecretTargetAttachment',
  'AWS::SecretsManager::ResourcePolicy',
  'AWS::SecretsManager::RotationSchedule',
  'AWS::KMS::Alias',
  'AWS::Logs::ResourcePolicy',
  'AWS::CloudFront::OriginAccessControl',
  'AWS::CloudFront::CachePolicy',
  'AWS::CloudFront::ResponseHeadersPolicy',
  'AWS::WAFv2::WebACLAssociation',
]);

type Resources = [string, CfnResource][];

const props = (r: CfnResource): Record<string, unknown> => (r.Properties ?? {}) as Record<string, unknown>;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** What a price charges for `quantity` single units, at list price and after the free tier. */
export function charge(price: Price, quantity: number): { monthly: number; afterFreeTier: number } {
  const units = price.units ?? 1;
  return {
    monthly: (price.usd * quantity) / units,
    afterFreeTier: (price.usd * Math.max(0, quantity - price.freeTier)) / units,
  };
}

/** The billed metrics of one alarm, and whether any of them is high resolution. */
function alarmMetrics(alarm: CfnResource): { metrics: number; highResolution: boolean } {
  const p = props(alarm);
  const entries = Array.isArray(p.Metrics) ? (p.Metrics as Record<string, unknown>[]) : [];
  const periods = [
    p.Period,
    ...entries.map((m) => (isRecord(m.MetricStat) ? m.MetricStat.Period : undefined)),
  ].filter((x): x is number => typeof x === 'number');
  const highResolution = periods.some((s) => s < 60);
  if (entries.length === 0) return { metrics: 1, highResolution };
  const read = entries.filter((m) => isRecord(m.MetricStat)).length;
  // An anomaly detection alarm is billed as 3 metrics per metric it watches.
  const anomaly = entries.some(
    (m) => typeof m.Expression === 'string' && m.Expression.includes('ANOMALY_DETECTION_BAND'),
  );
  return { metrics: Math.max(1, read) * (anomaly ? 3 : 1), highResolution };
}

/** Runs per month of a schedule expression; undefined when it cannot be computed (cron). */
export function runsPerMonth(expression: unknown, hoursPerMonth: number): number | undefined {
  if (typeof expression !== 'string') return undefined;
  if (expression.startsWith('at(')) return 0;
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!rate) return undefined;
  const unit = { minute: 60, hour: 3600, day: 86_400 } as const;
  const seconds = Number(rate[1]) * unit[(rate[2] ?? 'minute').replace(/s$/, '') as keyof typeof unit];
  return seconds > 0 ? Math.floor((hoursPerMonth * 3600) / seconds) : undefined;
}

/** The logical id of the Lambda function an ARN points at (`Fn::GetAtt: [id, Arn]`), if it is one. */
function lambdaTarget(arn: unknown, resources: ReadonlyMap<string, CfnResource>): string | undefined {
  if (!isRecord(arn)) return undefined;
  const getAtt = arn['Fn::GetAtt'];
  const id = Array.isArray(getAtt) && getAtt[1] === 'Arn' ? getAtt[0] : undefined;
  return typeof id === 'string' && resources.get(id)?.Type === 'AWS::Lambda::Function' ? id : undefined;
}

interface Scheduled {
  readonly function: string;
  readonly runs: number;
  /** Billed by EventBridge Scheduler (a scheduled EventBridge rule is not). */
  readonly scheduler: boolean;
}

/** Functions that run on a schedule, whether or not anyone uses the stack. */
function scheduledRuns(
  all: Resources,
  byId: ReadonlyMap<string, CfnResource>,
  hoursPerMonth: number,
): {
  runs: Scheduled[];
  uncomputed: string[];
} {
  const runs: Scheduled[] = [];
  const uncomputed: string[] = [];
  for (const [id, r] of all) {
    const p = props(r);
    if (p.State === 'DISABLED') continue;
    let targets: unknown[];
    if (r.Type === 'AWS::Scheduler::Schedule') targets = [isRecord(p.Target) ? p.Target.Arn : undefined];
    else if (r.Type === 'AWS::Events::Rule' && p.ScheduleExpression !== undefined) {
      targets = (Array.isArray(p.Targets) ? p.Targets : []).map((t) => (isRecord(t) ? t.Arn : undefined));
    } else continue;
    const n = runsPerMonth(p.ScheduleExpression, hoursPerMonth);
    if (n === undefined) {
      uncomputed.push(`${id} (${String(p.ScheduleExpression)})`);
      continue;
    }
    const scheduler = r.Type === 'AWS::Scheduler::Schedule';
    for (const arn of targets) {
      const fn = lambdaTarget(arn, byId);
      if (fn) runs.push({ function: fn, runs: n, scheduler });
      else if (scheduler) runs.push({ function: '', runs: n, scheduler });
    }
  }
  return { runs, uncomputed };
}

const usd = (n: number) => `$${n.toFixed(n !== 0 && n < 0.01 ? 4 : 2)}`;

/**
 * The monthly cost of the template's resources at rest (zero traffic), per resource kind, at the price
 * table's list prices. Every resource type in the template is on some line: a type this tool does not
 * know gets a `not priced` line of its own.
 */
export function costAtRest(template: CfnTemplate, table: PriceTable): CostReport {
  const all: Resources = Object.entries(template.Resources ?? {});
  const byId = new Map(all);
  const ofType = (type: string) => all.filter(([, r]) => r.Type === type);
  const priceOf = (key: string): Price => {
    const price = table.prices[key];
    if (!price) throw new Error(`the price table has no "${key}"`);
    return price;
  };
  const counted = new Set<string>();
  const lines: CostLine[] = [];

  /** A line charged by `quantity` of the price `key`. */
  const priced = (
    basis: 'fixed' | 'at rest',
    kind: string,
    types: string[],
    count: number,
    key: string,
    quantity: number,
    note: string,
  ) => {
    const price = priceOf(key);
    const { monthly, afterFreeTier } = charge(price, quantity);
    lines.push({
      kind,
      types,
      count,
      basis,
      quantity,
      priceKey: key,
      price,
      monthly,
      monthlyAfterFreeTier: afterFreeTier,
      note: note || price.note || '',
    });
  };
  const fixed = (kind: string, types: string[], count: number, key: string, quantity: number, note = '') => {
    for (const t of types) counted.add(t);
    if (count > 0) priced('fixed', kind, types, count, key, quantity, note);
  };
  const perUse = (kind: string, types: string[], count: number, key: string | undefined, note: string) => {
    for (const t of types) counted.add(t);
    if (count === 0) return;
    lines.push({
      kind,
      types,
      count,
      basis: 'per use',
      quantity: 0,
      ...(key ? { priceKey: key, price: priceOf(key) } : {}),
      monthly: 0,
      monthlyAfterFreeTier: 0,
      note,
    });
  };
  const atRest = (
    kind: string,
    types: string[],
    count: number,
    key: string,
    quantity: number,
    note: string,
  ) => {
    if (quantity > 0) priced('at rest', kind, types, count, key, quantity, note);
  };

  // CloudWatch alarms: per alarm metric, standard or high resolution.
  const alarms = ofType('AWS::CloudWatch::Alarm').map(([, r]) => alarmMetrics(r));
  const standard = alarms.filter((a) => !a.highResolution);
  const high = alarms.filter((a) => a.highResolution);
  const sum = (xs: { metrics: number }[]) => xs.reduce((n, a) => n + a.metrics, 0);
  const alarmNote = (xs: { metrics: number }[]) =>
    `${sum(xs)} alarm metrics (a metric-math alarm pays for each metric it reads)`;
  fixed(
    'CloudWatch alarms',
    ['AWS::CloudWatch::Alarm'],
    standard.length,
    'cloudwatch.alarm.standard',
    sum(standard),
    `${alarmNote(standard)}; 10 alarm metrics are free per account`,
  );
  fixed(
    'CloudWatch alarms (high resolution)',
    ['AWS::CloudWatch::Alarm'],
    high.length,
    'cloudwatch.alarm.highResolution',
    sum(high),
    alarmNote(high),
  );
  const composite = ofType('AWS::CloudWatch::CompositeAlarm').length;
  fixed(
    'CloudWatch composite alarms',
    ['AWS::CloudWatch::CompositeAlarm'],
    composite,
    'cloudwatch.alarm.composite',
    composite,
  );
  const dashboards = ofType('AWS::CloudWatch::Dashboard').length;
  fixed(
    'CloudWatch dashboards',
    ['AWS::CloudWatch::Dashboard'],
    dashboards,
    'cloudwatch.dashboard',
    dashboards,
  );

  // Secrets Manager: per secret, each replica a secret of its own.
  const secrets = ofType('AWS::SecretsManager::Secret');
  const secretCopies = secrets.reduce((n, [, r]) => {
    const replicas = props(r).ReplicaRegions;
    return n + 1 + (Array.isArray(replicas) ? replicas.length : 0);
  }, 0);
  fixed(
    'Secrets Manager secrets',
    ['AWS::SecretsManager::Secret'],
    secrets.length,
    'secretsmanager.secret',
    secretCopies,
    `${secretCopies} secret${secretCopies === 1 ? '' : 's'} incl. replicas; plus $0.05 per 10,000 API calls`,
  );

  // KMS customer managed keys.
  const keys = ofType('AWS::KMS::Key').length + ofType('AWS::KMS::ReplicaKey').length;
  fixed('KMS keys', ['AWS::KMS::Key', 'AWS::KMS::ReplicaKey'], keys, 'kms.key', keys);

  // WAF: per web ACL and per rule in it.
  const acls = ofType('AWS::WAFv2::WebACL');
  fixed(
    'WAF web ACLs',
    ['AWS::WAFv2::WebACL'],
    acls.length,
    'waf.webAcl',
    acls.length,
    'plus $0.60 per million requests',
  );
  const rules = acls.reduce(
    (n, [, r]) => n + (Array.isArray(props(r).Rules) ? (props(r).Rules as []).length : 0),
    0,
  );
  if (acls.length > 0) fixed('WAF rules', ['AWS::WAFv2::WebACL'], rules, 'waf.rule', rules);

  // DynamoDB: on-demand tables cost by data and requests; provisioned capacity is billed by the hour.
  const tables = ofType('AWS::DynamoDB::Table');
  const onDemand = tables.filter(([, r]) => props(r).BillingMode === 'PAY_PER_REQUEST');
  const provisioned = tables.filter(([, r]) => props(r).BillingMode !== 'PAY_PER_REQUEST');
  const pitr = onDemand.filter(([, r]) => {
    const spec = props(r).PointInTimeRecoverySpecification;
    return isRecord(spec) && spec.PointInTimeRecoveryEnabled === true;
  }).length;
  perUse(
    'DynamoDB tables (on-demand)',
    ['AWS::DynamoDB::Table'],
    onDemand.length,
    'dynamodb.storage',
    `no fixed fee: requests $0.625/million writes, $0.125/million reads; storage $0.25/GB-month (25 GB free)` +
      (pitr > 0
        ? `; point-in-time recovery on ${pitr} of ${onDemand.length} tables, $0.20/GB-month of table size: ~$0 while the tables hold ~0 data`
        : ''),
  );
  if (provisioned.length > 0) {
    const capacity = (key: 'ReadCapacityUnits' | 'WriteCapacityUnits') =>
      provisioned.reduce((n, [, r]) => {
        const p = props(r);
        const own = isRecord(p.ProvisionedThroughput) ? Number(p.ProvisionedThroughput[key] ?? 0) : 0;
        const gsis = (Array.isArray(p.GlobalSecondaryIndexes) ? p.GlobalSecondaryIndexes : []).reduce(
          (m: number, g: unknown) =>
            m +
            (isRecord(g) && isRecord(g.ProvisionedThroughput)
              ? Number(g.ProvisionedThroughput[key] ?? 0)
              : 0),
          0,
        );
        return n + own + gsis;
      }, 0);
    const hours = table.hoursPerMonth;
    fixed(
      'DynamoDB provisioned reads',
      ['AWS::DynamoDB::Table'],
      provisioned.length,
      'dynamodb.provisionedRcu',
      capacity('ReadCapacityUnits') * hours,
      `${capacity('ReadCapacityUnits')} RCU × ${hours} h (table and indexes; auto scaling not modelled)`,
    );
    fixed(
      'DynamoDB provisioned writes',
      ['AWS::DynamoDB::Table'],
      provisioned.length,
      'dynamodb.provisionedWcu',
      capacity('WriteCapacityUnits') * hours,
      `${capacity('WriteCapacityUnits')} WCU × ${hours} h (table and indexes; auto scaling not modelled)`,
    );
  }

  // Lambda: no fixed fee, unless provisioned concurrency is configured (not priced here).
  const functions = ofType('AWS::Lambda::Function');
  perUse(
    'Lambda functions',
    ['AWS::Lambda::Function'],
    functions.length,
    'lambda.requests',
    'no fixed fee: $0.20/million requests plus duration per GB-second',
  );
  const provisionedConcurrency = [...ofType('AWS::Lambda::Alias'), ...ofType('AWS::Lambda::Version')].filter(
    ([, r]) => props(r).ProvisionedConcurrencyConfig !== undefined,
  );
  if (provisionedConcurrency.length > 0) {
    lines.push({
      kind: 'Lambda provisioned concurrency',
      types: ['AWS::Lambda::Alias', 'AWS::Lambda::Version'],
      count: provisionedConcurrency.length,
      basis: 'not priced',
      quantity: 0,
      monthly: 0,
      monthlyAfterFreeTier: 0,
      note: 'a fixed hourly fee per GB of concurrency this tool does not price: see https://aws.amazon.com/lambda/pricing/',
    });
  }
  const traced = functions.filter(([, r]) => {
    const tracing = props(r).TracingConfig;
    return isRecord(tracing) && tracing.Mode === 'Active';
  });
  if (traced.length > 0) {
    lines.push({
      kind: 'X-Ray tracing',
      types: ['AWS::Lambda::Function'],
      count: traced.length,
      basis: 'per use',
      quantity: 0,
      priceKey: 'xray.traces',
      price: priceOf('xray.traces'),
      monthly: 0,
      monthlyAfterFreeTier: 0,
      note: `no fixed fee: ${traced.length} functions traced (active tracing), $5.00 per million traces recorded (100,000 free a month)`,
    });
  }

  // What runs by itself: schedules invoke functions with nobody using the stack.
  const { runs, uncomputed } = scheduledRuns(all, byId, table.hoursPerMonth);
  const scheduleTypes = ['AWS::Scheduler::Schedule'];
  const schedules = ofType('AWS::Scheduler::Schedule').length;
  const schedulerRuns = runs.filter((r) => r.scheduler).reduce((n, r) => n + r.runs, 0);
  for (const t of scheduleTypes) counted.add(t);
  if (schedules > 0 && schedulerRuns === 0) {
    perUse(
      'EventBridge Scheduler schedules',
      scheduleTypes,
      schedules,
      'scheduler.invocations',
      'per invocation',
    );
  }
  atRest(
    'EventBridge Scheduler invocations',
    scheduleTypes,
    schedules,
    'scheduler.invocations',
    schedulerRuns,
    `${schedulerRuns.toLocaleString('en-US')} invocations a month (${table.hoursPerMonth} h); 14 million free a month`,
  );
  const lambdaRuns = runs.filter((r) => r.function !== '');
  const scheduledFunctions = new Set(lambdaRuns.map((r) => r.function));
  const invocations = lambdaRuns.reduce((n, r) => n + r.runs, 0);
  const perSecond = lambdaRuns.reduce((n, r) => {
    const p = props(byId.get(r.function) as CfnResource);
    const gb = (typeof p.MemorySize === 'number' ? p.MemorySize : 128) / 1024;
    const arm = Array.isArray(p.Architectures) && p.Architectures.includes('arm64');
    return n + charge(priceOf(arm ? 'lambda.durationArm' : 'lambda.durationX86'), r.runs * gb).monthly;
  }, 0);
  atRest(
    'Lambda requests on a schedule',
    ['AWS::Lambda::Function'],
    scheduledFunctions.size,
    'lambda.requests',
    invocations,
    `${invocations.toLocaleString('en-US')} scheduled runs a month; 1 million requests free a month. ` +
      `Duration not included: ${usd(perSecond)} a month for each second a run lasts on average`,
  );
  const tracedIds = new Set(traced.map(([id]) => id));
  const tracedRuns = lambdaRuns.filter((r) => tracedIds.has(r.function)).reduce((n, r) => n + r.runs, 0);
  atRest(
    'X-Ray traces on a schedule',
    ['AWS::Lambda::Function'],
    new Set(lambdaRuns.filter((r) => tracedIds.has(r.function)).map((r) => r.function)).size,
    'xray.traces',
    tracedRuns,
    `${tracedRuns.toLocaleString('en-US')} traced scheduled runs a month; 100,000 traces free a month`,
  );

  // Per use only.
  perUse(
    'CloudWatch log groups',
    ['AWS::Logs::LogGroup'],
    ofType('AWS::Logs::LogGroup').length,
    'logs.ingestion',
    'no fixed fee: $0.50/GB ingested, $0.03/GB-month stored (5 GB free a month)',
  );
  const apis = ofType('AWS::ApiGatewayV2::Api');
  perUse(
    'API Gateway HTTP APIs',
    ['AWS::ApiGatewayV2::Api'],
    apis.length,
    'apigateway.httpRequests',
    apis.some(([, r]) => props(r).ProtocolType === 'WEBSOCKET')
      ? 'no fixed fee: per request (HTTP) and per message and connection minute (WebSocket)'
      : 'no fixed fee: $1.00 per million requests',
  );
  perUse(
    'SQS queues',
    ['AWS::SQS::Queue'],
    ofType('AWS::SQS::Queue').length,
    'sqs.requests',
    'no fixed fee: $0.40 per million requests (1 million free a month); an event source mapping polls its queue even when it is empty',
  );
  perUse(
    'EventBridge event buses',
    ['AWS::Events::EventBus'],
    ofType('AWS::Events::EventBus').length,
    'events.customEvents',
    'no fixed fee: $1.00 per million custom events published; rules and delivery to targets are free',
  );
  perUse(
    'SNS topics',
    ['AWS::SNS::Topic'],
    ofType('AWS::SNS::Topic').length,
    'sns.requests',
    'no fixed fee: $0.50 per million publishes (1 million free a month), plus deliveries',
  );
  perUse(
    'Cognito user pools',
    ['AWS::Cognito::UserPool'],
    ofType('AWS::Cognito::UserPool').length,
    'cognito.essentialsMau',
    'no fixed fee: by monthly active user, 10,000 free a month (Essentials: $0.015 per MAU beyond)',
  );
  perUse(
    'CloudFront distributions',
    ['AWS::CloudFront::Distribution'],
    ofType('AWS::CloudFront::Distribution').length,
    'cloudfront.dataOut',
    'no fixed fee (pay-as-you-go): data out and requests',
  );

  // Configuration with no price of its own.
  const free = all.filter(([, r]) => NO_CHARGE_TYPES.has(r.Type) || isUnpricedVersion(r));
  if (free.length > 0) {
    const byType = countByType(free);
    lines.push({
      kind: 'Configuration (no charge of its own)',
      types: byType.map((t) => t.type),
      count: free.length,
      basis: 'no charge',
      quantity: 0,
      monthly: 0,
      monthlyAfterFreeTier: 0,
      note: byType.map((t) => `${t.type.replace(/^AWS::/, '')} ${t.count}`).join(', '),
    });
  }
  for (const [, r] of free) counted.add(r.Type);

  // Everything else is visible as not priced.
  // (A Lambda alias or version is either configuration or on the provisioned concurrency line.)
  const unpriced = countByType(all.filter(([, r]) => !counted.has(r.Type) && !isPcType(r)));
  for (const { type, count } of unpriced) {
    lines.push({
      kind: type,
      types: [type],
      count,
      basis: 'not priced',
      quantity: 0,
      monthly: 0,
      monthlyAfterFreeTier: 0,
      note: 'not priced (no fixed cost known)',
    });
  }

  const notIncluded = [
    'traffic: requests, invocations and their duration, events, messages, traces, log bytes, data stored and transferred',
    'custom metrics the functions publish (CloudWatch, $0.30 per metric-month while published, 10 free)',
    ...(runs.length > 0
      ? [
          'what a scheduled run does besides being invoked: its duration, the reads and writes it makes, its log lines',
        ]
      : []),
    ...(ofType('AWS::Lambda::EventSourceMapping').length > 0
      ? [
          'the requests an event source mapping makes polling an empty queue (SQS requests; 1 million a month are free)',
        ]
      : []),
    ...(uncomputed.length > 0
      ? [`runs of schedules given as cron expressions: ${uncomputed.join(', ')}`]
      : []),
    'taxes, support plans, and anything outside this stack (the CDK bootstrap stack and its bucket)',
  ];
  return {
    recorded: table.recorded,
    region: table.region,
    currency: table.currency,
    lines,
    total: lines.reduce((n, l) => n + l.monthly, 0),
    fixedFees: lines.filter((l) => l.basis === 'fixed').reduce((n, l) => n + l.monthly, 0),
    usageAtRest: lines.filter((l) => l.basis === 'at rest').reduce((n, l) => n + l.monthly, 0),
    totalAfterFreeTier: lines.reduce((n, l) => n + l.monthlyAfterFreeTier, 0),
    unpriced,
    notIncluded,
  };
}

const isPcType = (r: CfnResource) => r.Type === 'AWS::Lambda::Alias' || r.Type === 'AWS::Lambda::Version';
/** A Lambda alias or version without provisioned concurrency costs nothing of its own. */
const isUnpricedVersion = (r: CfnResource) =>
  isPcType(r) && props(r).ProvisionedConcurrencyConfig === undefined;

function countByType(resources: Resources): { type: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const [, r] of resources) counts.set(r.Type, (counts.get(r.Type) ?? 0) + 1);
  return [...counts].map(([type, count]) => ({ type, count })).sort((a, b) => a.type.localeCompare(b.type));
}
