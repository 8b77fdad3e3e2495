import { REFER_A_FRIEND_EVENTS } from '#shared/partnero/events.js';
import { isSecretError, parsePartneroSecret } from '#shared/secrets/secret-value.js';
import { parseSigningKeys } from '#shared/webhooks/webhook-secret.js';
import { isToolError } from '#tools/cli/errors.js';
import { partneroCall } from '#tools/cli/partnero-errors.js';
import { missingEvents, sameUrl, type Webhook } from '#tools/cli/partnero-webhooks.js';
import { checkProgramKey } from '#tools/cli/program-key.js';
import { readSecret } from '#tools/cli/secrets.js';
import { requireOutput } from '#tools/cli/stack-outputs.js';
import { type CheckResult, type CheckRun, fail, pass, skip } from '#tools/doctor/check.js';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The API key secret is filled, and Partnero accepts the key as a refer-a-friend program's. */
export async function apiKeyCheck(run: CheckRun): Promise<CheckResult> {
  const name = 'API key';
  const { target, connectCommand } = run.deps;
  const secretName = requireOutput(target.outputs, 'SecretName', target.stackName);
  let apiKey: string;
  try {
    apiKey = parsePartneroSecret(
      secretName,
      await readSecret(run.deps.clients.secrets, secretName, run.aws),
    ).apiKey;
  } catch (e) {
    if (isSecretError(e)) return fail(name, `${secretName} holds no usable API key`, `run ${connectCommand}`);
    throw e;
  }
  const admin = run.deps.partnero(apiKey);
  try {
    await checkProgramKey(admin, target.partneroUrl);
  } catch (e) {
    if (!isToolError(e)) throw e;
    return fail(name, `the key in ${secretName}: ${e.message}`, `run ${connectCommand} with the right key`);
  }
  run.facts.apiKey = apiKey;
  run.facts.admin = admin;
  return pass(name, `the key in ${secretName} is accepted by Partnero (${target.partneroUrl})`);
}

/** Why the one webhook for the URL is not right, or undefined when it is. */
async function problemOf(run: CheckRun, webhook: Webhook): Promise<string | undefined> {
  if (!webhook.isActive) return `webhook ${webhook.key} is inactive`;
  const missing = missingEvents(webhook);
  if (missing.length > 0) return `webhook ${webhook.key} lacks ${missing.join(', ')}`;
  if (!webhook.signature) return undefined;
  const { target, clients } = run.deps;
  const secretName = requireOutput(target.outputs, 'WebhookSecretName', target.stackName);
  const raw = await readSecret(clients.secrets, secretName, run.aws);
  let current: string | undefined;
  try {
    current = parseSigningKeys(secretName, raw).current;
  } catch {
    current = undefined;
  }
  return current === webhook.signature
    ? undefined
    : `the signing secret of webhook ${webhook.key} is not the one in ${secretName}`;
}

/** Exactly one webhook points at this stack's `WebhookUrl`: active, every refer-a-friend event, our secret. */
export async function webhookCheck(run: CheckRun): Promise<CheckResult> {
  const name = 'webhook';
  const { admin } = run.facts;
  if (!admin) return skip(name, 'needs an API key Partnero accepts (see above)');
  const { target, connectCommand } = run.deps;
  const url = requireOutput(target.outputs, 'WebhookUrl', target.stackName);
  const fix = `run ${connectCommand}`;
  let webhooks: Webhook[];
  try {
    webhooks = await partneroCall('listing the webhooks', target.partneroUrl, () => admin.listWebhooks());
  } catch (e) {
    return fail(name, message(e), 'fix what the message says, then run this again');
  }
  const forUrl = webhooks.filter((w) => sameUrl(w.url, url));
  if (forUrl.length === 0) return fail(name, `no webhook in Partnero points at ${url}`, fix);
  if (forUrl.length > 1) {
    return fail(
      name,
      `${forUrl.length} webhooks point at ${url}: every event arrives ${forUrl.length} times`,
      `${fix} (it keeps one)`,
    );
  }
  const webhook = forUrl[0] as Webhook;
  const problem = await problemOf(run, webhook);
  if (problem) return fail(name, problem, fix);
  const secret = webhook.signature ? ', signed with the stored secret' : '';
  return pass(
    name,
    `${webhook.key} → ${url}: active, ${REFER_A_FRIEND_EVENTS.length} refer-a-friend events${secret}`,
  );
}
