import { randomUUID } from 'node:crypto';
import { signBody } from '#shared/webhooks/signature.js';
import { parseSigningKeys } from '#shared/webhooks/webhook-secret.js';
import { readSecret } from '#tools/cli/secrets.js';
import { requireOutput } from '#tools/cli/stack-outputs.js';
import { type CheckResult, type CheckRun, fail, pass } from '#tools/doctor/check.js';

/**
 * The event of the synthetic delivery: a name of Partnero's form (`^[a-z_]+(\.[a-z_]+)+$`, so the
 * webhook route takes it) that no Partnero program sends, so no rule for real events reacts to it.
 */
export const TEST_EVENT = 'doctor.test_delivery';

/** How long the webhook route may take (the webhook function's own timeout is 5 s). */
const TIMEOUT_MS = 15_000;

/** A delivery shaped as Partnero's, unique per run so it is never answered as a duplicate. */
export function testDeliveryBody(url: string, now: number): string {
  return JSON.stringify({
    event: TEST_EVENT,
    url,
    webhook_key: null,
    created_at: new Date(now).toISOString(),
    data: { check: 'npm run doctor', id: randomUUID() },
  });
}

async function answerOf(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { status?: unknown; error?: { code?: unknown }; message?: unknown };
    const said = body.error?.code ?? body.status ?? body.message;
    return said === undefined ? `HTTP ${res.status}` : `HTTP ${res.status} ${String(said)}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

/** Signs a synthetic delivery with the stored signing secret and POSTs it to `WebhookUrl`: expects a 2xx. */
export async function testDeliveryCheck(run: CheckRun): Promise<CheckResult> {
  const name = 'test delivery';
  const { target, clients, connectCommand } = run.deps;
  const url = requireOutput(target.outputs, 'WebhookUrl', target.stackName);
  const secretName = requireOutput(target.outputs, 'WebhookSecretName', target.stackName);
  let secret: string;
  try {
    secret = parseSigningKeys(secretName, await readSecret(clients.secrets, secretName, run.aws)).current;
  } catch {
    return fail(
      name,
      `${secretName} holds no signing secret, so no delivery can be verified`,
      `run ${connectCommand}`,
    );
  }
  const body = testDeliveryBody(url, (run.deps.now ?? Date.now)());
  let res: Response;
  try {
    res = await (run.deps.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', signature: signBody(secret, body) },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    const why = e instanceof Error ? String((e as { cause?: unknown }).cause ?? e.message) : String(e);
    return fail(
      name,
      `POST ${url} failed (${why})`,
      'check that the stack (or npm start) is up and WebhookUrl is right',
    );
  }
  const answer = await answerOf(res);
  if (res.ok) return pass(name, `a ${TEST_EVENT} signed with the secret in ${secretName} → ${answer}`);
  if (res.status === 401) {
    return fail(
      name,
      `the webhook route refused a delivery signed with the secret in ${secretName} (${answer})`,
      `the function reads another secret: check its WEBHOOK_SECRET_ID, or run ${connectCommand}`,
    );
  }
  return fail(
    name,
    `the webhook route answered ${answer}`,
    "see the webhook function's log, then run this again",
  );
}
