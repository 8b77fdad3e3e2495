import type { AwsClients } from '#tools/cli/aws-clients.js';
import type { AwsCallContext } from '#tools/cli/aws-errors.js';
import type { PartneroAdmin } from '#tools/cli/partnero-webhooks.js';
import type { Target } from '#tools/cli/target.js';
import type { StackResource } from './checks/stack-resources.js';

export type Status = 'pass' | 'fail' | 'skip';

/** One line of the doctor's report; a failure says how to fix it. */
export interface CheckResult {
  name: string;
  status: Status;
  detail: string;
  fix?: string;
}

export interface DoctorDeps {
  target: Target;
  clients: Pick<AwsClients, 'secrets' | 'sqs' | 'cloudWatch' | 'scheduler' | 'cloudFormation'>;
  partnero: (apiKey: string) => PartneroAdmin;
  /** Where the test delivery is POSTed with (injected for tests). */
  fetch?: typeof fetch;
  now?: () => number;
  /** How to re-run connect for this target, for the fixes ("npm run connect -- --stage prod"). */
  connectCommand: string;
}

/** What the checks learn and later checks use. */
export interface Facts {
  apiKey?: string;
  admin?: PartneroAdmin;
  /** The stack's resources, listed once (alarms and the schedule are found among them). */
  resources?: () => Promise<StackResource[]>;
}

export interface CheckRun {
  deps: DoctorDeps;
  facts: Facts;
  aws: Omit<AwsCallContext, 'action'>;
}

export const pass = (name: string, detail: string): CheckResult => ({ name, status: 'pass', detail });
export const fail = (name: string, detail: string, fix: string): CheckResult => ({
  name,
  status: 'fail',
  detail,
  fix,
});
export const skip = (name: string, detail: string): CheckResult => ({ name, status: 'skip', detail });
