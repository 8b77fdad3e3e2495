import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LOCAL_BUS_NAME, LOCAL_SECRET_NAME, LOCAL_TABLES } from '#local/config.js';
import type { Credentials } from '#local/gateway/sigv4.js';

/** The name the local system's "stack" goes by in its outputs file (the stack is `partnero-referrals-<stage>`). */
export const LOCAL_STACK_NAME = 'partnero-referrals-local';

/** The local webhook signing secret (`WEBHOOK_SECRET_ID`), apart from the API key, as the stack makes it. */
export const LOCAL_WEBHOOK_SECRET_NAME = 'referrals/partnero-webhook';

/** Where `npm start` writes its outputs (git-ignored, beside the sandbox's state file). */
export const DEFAULT_OUTPUTS_FILE = '.local-state/outputs.json';

/** The file beside the outputs that tells `npm run connect -- --local` how to reach the local endpoints. */
export const LOCAL_ENDPOINT_FILE = 'local-endpoint.json';

/** What a tool needs besides the outputs to talk to the local system as it would to AWS and Partnero. */
export interface LocalEndpoint {
  stackName: string;
  /** The local AWS endpoint (Secrets Manager, SQS, EventBridge, DynamoDB). */
  awsEndpointUrl: string;
  region: string;
  /** The credentials it accepts. Not secret: local only, printed at start. */
  credentials: Credentials;
  /** The sandbox's API (the stack's `partneroApiUrl`). */
  partneroApiUrl: string;
}

export interface OutputSources {
  /** The API's base URL without the trailing slash. */
  apiUrl: string;
  /** The webhook route, as the sandbox reaches it. */
  webhookUrl: string;
  queues: { orderQueue: { url: string }; deadLetterQueue: { url: string; arn: string } };
}

/** The local system's outputs under the names infra/stack-outputs.ts gives the stack's. */
export function localStackOutputs({ apiUrl, webhookUrl, queues }: OutputSources): Record<string, string> {
  return {
    ApiUrl: `${apiUrl}/`,
    WebhookUrl: webhookUrl,
    SecretName: LOCAL_SECRET_NAME,
    WebhookSecretName: LOCAL_WEBHOOK_SECRET_NAME,
    EventBusName: LOCAL_BUS_NAME,
    OrderQueueUrl: queues.orderQueue.url,
    OrderDlqUrl: queues.deadLetterQueue.url,
    OrderDlqArn: queues.deadLetterQueue.arn,
    IdempotencyTableName: LOCAL_TABLES.idempotency,
    OrderLedgerTableName: LOCAL_TABLES.orderLedger,
  };
}

/** The endpoint file that belongs to an outputs file. */
export const localEndpointFileFor = (outputsFile: string) => join(dirname(outputsFile), LOCAL_ENDPOINT_FILE);

/**
 * Writes the outputs as `cdk deploy --outputs-file` does (`{"<stack name>": {"ApiUrl": …}}`) and the
 * endpoint file beside them. The returned function undoes that, unless another system rewrote them: it
 * puts back what a system started before this one had written (a second `npm start` on other ports
 * leaves the first one reachable by `npm run doctor -- --local`), or removes them.
 */
export function writeOutputsFiles(
  outputsFile: string,
  outputs: Record<string, string>,
  endpoint: LocalEndpoint,
): () => void {
  const files = [
    [outputsFile, `${JSON.stringify({ [endpoint.stackName]: outputs }, null, 2)}\n`],
    [localEndpointFileFor(outputsFile), `${JSON.stringify(endpoint, null, 2)}\n`],
  ] as const;
  const before = files.map(([file]) => readOrUndefined(file));
  mkdirSync(dirname(outputsFile), { recursive: true });
  for (const [file, text] of files) writeFileSync(file, text);
  return () => {
    files.forEach(([file, text], i) => {
      if (readOrUndefined(file) !== text) return;
      const previous = before[i];
      if (previous === undefined) rmSync(file, { force: true });
      else writeFileSync(file, previous);
    });
  };
}

function readOrUndefined(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
