import type { SigningKeys } from '#shared/webhooks/webhook-secret.js';
import type { AwsClients } from '#tools/cli/aws-clients.js';
import type { AwsCallContext } from '#tools/cli/aws-errors.js';
import type { PartneroAdmin } from '#tools/cli/partnero-webhooks.js';
import type { Target } from '#tools/cli/target.js';
import type { Row } from './report.js';

export interface ConnectOptions {
  /** Show the plan; write nothing (no secret, no webhook). */
  dryRun: boolean;
  /** Make a new webhook, so a new signing secret, keeping the old one valid for `graceMs`. */
  rotateWebhook: boolean;
  /** How long the previous signing secret is still accepted after it changes. */
  graceMs: number;
}

/** The API key to use and where it came from (for the table; the key itself is never shown). */
export interface ApiKey {
  value: string;
  origin: string;
}

export interface ConnectDeps {
  target: Target;
  clients: Pick<AwsClients, 'secrets' | 'sts'>;
  /** The key to use, given the one the secret holds (undefined: none). */
  apiKey: (stored: string | undefined) => Promise<ApiKey>;
  partnero: (apiKey: string) => PartneroAdmin;
  now?: () => number;
}

/** What connect read before deciding anything. */
export interface Stored {
  apiRaw: string | undefined;
  apiKey: string | undefined;
  webhookRaw: string | undefined;
  keys: SigningKeys | undefined;
}

/** What every step shares: the stack's names and the rows of the table. */
export interface Run {
  deps: ConnectDeps;
  options: ConnectOptions;
  rows: Row[];
  aws: Omit<AwsCallContext, 'action'>;
  webhookUrl: string;
  secretName: string;
  webhookSecretName: string;
}
