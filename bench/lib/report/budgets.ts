/** The budgets of design.md ("Performance budgets"), each with its measured value and verdict. */
import { atMost, kib, ratio, round, times } from '../stats.js';
import { ms } from './format.js';
import {
  type BenchResults,
  type Budget,
  coldFlowsOf,
  fanoutOf,
  ordersVariantsOf,
  secretReadsOf,
  warmFlowsOf,
} from './results.js';

/** The budgets, as design.md states them. */
export const LIMITS = {
  coldStartVsFloor: 1.3,
  warmVsFloor: 1.2,
  dashboardVsOneCall: 1.3,
  bundleVsFloor: 1.5,
  partneroCallsPerEvent: 1,
  dynamoCallsPerEvent: 2,
} as const;

/** The goals beyond design.md's budgets: at or below the floor cold, close to it warm. */
export const GOALS = {
  coldStartVsFloor: 1.0,
  warmVsFloor: 1.1,
  /** The orders floor does the same ledger work, so its goal is looser. */
  ordersWarmVsFloor: 1.2,
} as const;

const bundleBudgets = (r: BenchResults): Budget[] =>
  r.bundles
    .filter((row) => row.variant === 'project' && row.ratio !== undefined)
    .map((b) => ({
      budget: 'Bundle ≤ 1.5× the floor with the same AWS clients',
      subject: `functions/${b.name}.ts`,
      value: b.ratio as number,
      display: `${kib(b.bytes)} = ${times(b.ratio as number)} ${b.floor}`,
      limit: '≤ 1.50×',
      verdict: b.verdict ?? 'n/a',
      ...(b.sameAwsClients ? {} : { note: 'AWS clients differ from the floor' }),
    }));

const coldStartBudgets = (r: BenchResults): Budget[] =>
  Object.entries(coldFlowsOf(r) ?? {}).flatMap(([flow, v]) => {
    const project = v.project.totalMs.median;
    const vsFloor = ratio(project, v.floor.totalMs.median);
    const vsPeer = ratio(project, v.peer.totalMs.median);
    return [
      {
        budget: 'Cold start (import + first invocation) ≤ 1.3× the floor',
        subject: flow,
        value: round(vsFloor),
        display: `${ms(project)} ms = ${times(vsFloor)} floor`,
        limit: '≤ 1.30×',
        verdict: atMost(vsFloor, LIMITS.coldStartVsFloor),
      },
      {
        budget: 'Goal: cold start ≤ 1.0× the floor',
        subject: flow,
        value: round(vsFloor),
        display: `${ms(project)} ms = ${times(vsFloor)} floor`,
        limit: '≤ 1.00×',
        verdict: atMost(vsFloor, GOALS.coldStartVsFloor),
      },
      {
        budget: 'Cold start below the peer (Express + serverless-http)',
        subject: flow,
        value: round(vsPeer),
        display: `${ms(project)} ms = ${times(vsPeer)} peer`,
        limit: '< 1.00×',
        verdict: atMost(vsPeer, 1, true),
      },
    ];
  });

const warmBudgets = (r: BenchResults): Budget[] =>
  Object.entries(warmFlowsOf(r) ?? {}).flatMap(([flow, v]) => {
    const vsFloor = ratio(v.project.median, v.floor.median);
    const row = {
      subject: flow,
      value: round(vsFloor),
      display: `${ms(v.project.median)} ms = ${times(vsFloor)} floor`,
    };
    const goal = flow === 'orders' ? GOALS.ordersWarmVsFloor : GOALS.warmVsFloor;
    return [
      {
        ...row,
        budget: 'Warm overhead per invocation ≤ 1.2× the floor (median)',
        limit: '≤ 1.20×',
        verdict: atMost(vsFloor, LIMITS.warmVsFloor),
      },
      {
        ...row,
        budget: `Goal: warm overhead ≤ ${goal.toFixed(1)}× the floor (median)`,
        limit: `≤ ${goal.toFixed(2)}×`,
        verdict: atMost(vsFloor, goal),
      },
    ];
  });

function fanoutBudgets(r: BenchResults): Budget[] {
  const fanout = fanoutOf(r);
  if (!fanout) return [];
  const vsOneCall = ratio(fanout.dashboard.project.median, fanout.oneCall.median);
  return [
    {
      budget: `Dashboard ≤ 1.3× one Partnero call (${fanout.latencyMs} ms each)`,
      subject: 'GET /referrals/me',
      value: round(vsOneCall),
      display: `${ms(fanout.dashboard.project.median)} ms ÷ ${ms(fanout.oneCall.median)} ms = ${times(vsOneCall)}`,
      limit: '≤ 1.30×',
      verdict: atMost(vsOneCall, LIMITS.dashboardVsOneCall),
    },
  ];
}

const secretReadBudgets = (r: BenchResults): Budget[] =>
  Object.entries(secretReadsOf(r) ?? {}).map(([flow, { project }]) => ({
    budget: 'Secrets Manager ≤ 1 call per warm container per cache period',
    subject: flow,
    value: project.calls,
    display: `${project.calls} call(s) in ${project.invocations} invocations, ${project.cachePeriods} period(s)`,
    limit: `≤ ${project.cachePeriods}`,
    verdict: atMost(project.calls, project.cachePeriods),
  }));

function orderBudgets(r: BenchResults): Budget[] {
  const project = ordersVariantsOf(r)?.project;
  if (!project) return [];
  const subject = `${r.orders?.messages} events`;
  return [
    {
      budget: 'Order events: Partnero calls per event < 1 when customers repeat',
      subject,
      value: project.partneroCallsPerEvent,
      display: `${project.partneroCalls} calls = ${project.partneroCallsPerEvent.toFixed(3)} per event`,
      limit: '< 1',
      verdict: atMost(project.partneroCallsPerEvent, LIMITS.partneroCallsPerEvent, true),
    },
    {
      budget: 'Order events: DynamoDB calls per event ≤ 2 (the ledger)',
      subject,
      value: project.dynamoCallsPerEvent,
      display: `${project.dynamoCalls} calls = ${project.dynamoCallsPerEvent.toFixed(3)} per event`,
      limit: '≤ 2',
      verdict: atMost(project.dynamoCallsPerEvent, LIMITS.dynamoCallsPerEvent),
    },
    {
      budget: 'Order events: zero lost, zero duplicated, balances exact',
      subject,
      value: project.lost + project.duplicated + project.unexpected + project.wrongBalances,
      display: `lost ${project.lost}, duplicated ${project.duplicated}, unexpected ${project.unexpected}, wrong balances ${project.wrongBalances}`,
      limit: '0',
      verdict: project.correct ? 'met' : 'missed',
    },
  ];
}

/** Every budget with its measured value and verdict. Timing verdicts are reported, never enforced. */
export const budgetsOf = (r: BenchResults): Budget[] => [
  ...bundleBudgets(r),
  ...coldStartBudgets(r),
  ...warmBudgets(r),
  ...fanoutBudgets(r),
  ...secretReadBudgets(r),
  ...orderBudgets(r),
];
