import { REFER_A_FRIEND_EVENTS } from '#shared/partnero/events.js';
import { partneroCall } from '#tools/cli/partnero-errors.js';
import type { PartneroAdmin } from '#tools/cli/partnero-webhooks.js';
import { writeSecret } from '#tools/cli/secrets.js';
import type { Run, Stored } from './run.js';
import { planSecretWrites } from './secret-writes.js';
import type { SigningSecretUpdate } from './signing-secret.js';
import { webhookCreateFailure } from './webhook-errors.js';
import type { WebhookPlan } from './webhook-plan.js';

interface Decided {
  stored: Stored;
  apiKey: string;
  admin: PartneroAdmin;
  plan: WebhookPlan;
}

const graceNote = (update: SigningSecretUpdate | undefined) =>
  update?.previousValidUntil ? `; the previous one is accepted until ${update.previousValidUntil}` : '';

/** The webhook to keep or the one just made (dry run: none yet), with the rows saying so. */
async function settleWebhook(run: Run, { admin, plan }: Decided): Promise<string | undefined> {
  const { rows, webhookUrl, options, deps } = run;
  if (plan.action === 'keep') {
    rows.push({ step: 'webhook', result: 'kept', detail: `${plan.webhook.key} → ${webhookUrl}` });
    return plan.signature;
  }
  const what = `${webhookUrl} with the ${REFER_A_FRIEND_EVENTS.length} refer-a-friend events (${plan.reason})`;
  if (options.dryRun) {
    rows.push({ step: 'webhook', result: 'would create', detail: what });
    return undefined;
  }
  const name = `${deps.target.stackName} (npm run connect)`;
  const created = await admin
    .createWebhook({ name, url: webhookUrl, events: REFER_A_FRIEND_EVENTS })
    .catch((e: unknown) => {
      throw webhookCreateFailure(e, webhookUrl, deps.target.partneroUrl);
    });
  rows.push({ step: 'webhook', result: 'created', detail: `${created.key}: ${what}` });
  return created.signature;
}

/** Writes what `planSecretWrites` says (a dry run only says it), one row per secret. */
async function writeSecrets(run: Run, decided: Decided, signature: string | undefined): Promise<void> {
  const { rows, options, deps } = run;
  const oneSecret = run.secretName === run.webhookSecretName;
  const writes = planSecretWrites({
    stored: decided.stored,
    apiKey: decided.apiKey,
    signature,
    oneSecret,
    now: deps.now?.() ?? Date.now(),
    graceMs: options.graceMs,
  });
  const one = async (step: string, secretId: string, fields: object | undefined, what: string) => {
    if (!fields) {
      rows.push({ step, result: 'unchanged', detail: secretId });
      return;
    }
    if (!options.dryRun) await writeSecret(deps.clients.secrets, secretId, JSON.stringify(fields), run.aws);
    rows.push({ step, result: options.dryRun ? 'would write' : 'written', detail: `${secretId} (${what})` });
  };
  const keepsOld =
    options.graceMs > 0 && decided.stored.keys ? '; the current one stays valid for the grace period' : '';
  const signingWhat = signature
    ? `the webhook's signing secret${graceNote(writes.signing)}`
    : `the new webhook's signing secret${keepsOld}`;
  if (oneSecret) {
    await one('secret', run.secretName, writes.api, `API key and ${signingWhat}`);
    return;
  }
  await one('API key secret', run.secretName, writes.api, 'the API key');
  await one('signing secret', run.webhookSecretName, writes.webhook, signingWhat);
}

/** Deletes the webhooks the plan leaves behind: duplicates of the kept one, or the ones a new one replaced. */
async function deleteOld(run: Run, { admin, plan }: Decided): Promise<void> {
  const old = plan.action === 'keep' ? plan.duplicates : plan.replaces;
  const why = plan.action === 'keep' ? 'a duplicate for the same URL' : 'replaced';
  for (const webhook of old) {
    if (!run.options.dryRun) {
      await partneroCall(`deleting webhook ${webhook.key}`, run.deps.target.partneroUrl, () =>
        admin.deleteWebhook(webhook.key),
      );
    }
    run.rows.push({
      step: 'old webhook',
      result: run.options.dryRun ? 'would delete' : 'deleted',
      detail: `${webhook.key} (${why})`,
    });
  }
}

/**
 * Carries the plan out in the order that loses nothing: a new webhook first (its failure writes
 * nothing), then the secrets (the signing secret keeps the old value valid for the grace period), then
 * the old webhooks go. With `dryRun` every step only says what it would do.
 */
export async function applyPlan(run: Run, decided: Decided): Promise<void> {
  const signature = await settleWebhook(run, decided);
  await writeSecrets(run, decided, signature);
  await deleteOld(run, decided);
}
