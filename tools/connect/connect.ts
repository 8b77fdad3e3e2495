export type { ApiKey, ConnectDeps, ConnectOptions } from './run.js';

import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { parseSigningKeys } from '#shared/webhooks/webhook-secret.js';
import { awsCall } from '#tools/cli/aws-errors.js';
import { partneroCall } from '#tools/cli/partnero-errors.js';
import { checkProgramKey } from '#tools/cli/program-key.js';
import { jsonFields, readSecret } from '#tools/cli/secrets.js';
import { requireOutput } from '#tools/cli/stack-outputs.js';
import { applyPlan } from './apply.js';
import type { Row } from './report.js';
import type { ConnectDeps, ConnectOptions, Run, Stored } from './run.js';
import { planWebhook } from './webhook-plan.js';

const tryParse = <T>(parse: () => T): T | undefined => {
  try {
    return parse();
  } catch {
    return undefined;
  }
};

async function identify(run: Run): Promise<void> {
  const { target, clients } = run.deps;
  let where = target.source;
  if (!target.local) {
    const me = await awsCall({ ...run.aws, action: 'checking the AWS credentials' }, () =>
      clients.sts.send(new GetCallerIdentityCommand({})),
    );
    where = `account ${me.Account ?? '?'}, ${target.source}`;
  }
  run.rows.push({ step: 'stack', result: 'found', detail: `${target.stackName}: ${where}` });
}

async function readStored(run: Run): Promise<Stored> {
  const { secrets } = run.deps.clients;
  const apiRaw = await readSecret(secrets, run.secretName, run.aws);
  const webhookRaw =
    run.webhookSecretName === run.secretName
      ? apiRaw
      : await readSecret(secrets, run.webhookSecretName, run.aws);
  const apiKey = tryParse(() => {
    const fields = jsonFields(apiRaw);
    const text = apiRaw?.trim() ?? '';
    const key = text.startsWith('{') ? fields.apiKey : text;
    return typeof key === 'string' && key.trim() !== '' ? key.trim() : undefined;
  });
  const keys = tryParse(() => parseSigningKeys(run.webhookSecretName, webhookRaw));
  return { apiRaw, apiKey, webhookRaw, keys };
}

/**
 * `npm run connect`: puts the Partnero API key into the stack's secret, registers (or keeps) exactly one
 * webhook for the stack's `WebhookUrl` with the refer-a-friend events, and stores its signing secret.
 * Everything is read and checked before the first write; re-running it changes nothing that is right.
 * Rows of what was done are appended to `rows` as it goes, so a failure still shows what happened.
 */
export async function connect(deps: ConnectDeps, options: ConnectOptions, rows: Row[] = []): Promise<Row[]> {
  const { target } = deps;
  const run: Run = {
    deps,
    options,
    rows,
    aws: target.local
      ? { localEndpoint: target.aws.endpoint ?? '' }
      : target.aws.region
        ? { region: target.aws.region }
        : {},
    webhookUrl: requireOutput(target.outputs, 'WebhookUrl', target.stackName),
    secretName: requireOutput(target.outputs, 'SecretName', target.stackName),
    webhookSecretName: requireOutput(target.outputs, 'WebhookSecretName', target.stackName),
  };
  await identify(run);
  const stored = await readStored(run);
  const apiKey = await deps.apiKey(stored.apiKey);
  const admin = deps.partnero(apiKey.value);
  await checkProgramKey(admin, target.partneroUrl);
  rows.push({
    step: 'API key',
    result: 'accepted',
    detail: `${apiKey.origin}; refer-a-friend program at ${target.partneroUrl}`,
  });
  const webhooks = await partneroCall('listing the webhooks', target.partneroUrl, () => admin.listWebhooks());
  const plan = planWebhook({
    url: run.webhookUrl,
    webhooks,
    stored: stored.keys,
    rotate: options.rotateWebhook,
  });
  await applyPlan(run, { stored, apiKey: apiKey.value, admin, plan });
  return rows;
}
