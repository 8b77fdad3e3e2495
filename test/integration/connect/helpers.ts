import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalSystem, type LocalSystemOptions, startLocalSystem } from '#local/system.js';
import { spawnScript } from '#test/support/spawn-script.js';
import { createAwsClients } from '#tools/cli/aws-clients.js';
import { createPartneroAdmin } from '#tools/cli/partnero-webhooks.js';
import { resolveTarget } from '#tools/cli/target.js';
import { apiKeyFrom } from '#tools/connect/api-key.js';
import { connect } from '#tools/connect/connect.js';
import type { Row } from '#tools/connect/report.js';
import { runDoctor } from '#tools/doctor/doctor.js';

/**
 * A local system on free ports that writes its outputs into a temporary folder, as `npm start` does
 * into `.local-state/`. Unconnected by default: empty secrets and no webhook, as after `cdk deploy`.
 */
export async function startOutputsSystem(options: Partial<LocalSystemOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'connect-'));
  const outputsFile = join(dir, 'outputs.json');
  const system = await startLocalSystem({
    port: 0,
    sandboxPort: 0,
    awsPort: 0,
    connected: false,
    outputsFile,
    reconcilerIntervalMs: 0,
    sandbox: { webhookBaseDelayMs: 50 },
    ...options,
  });
  const close = async () => {
    await system.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { system, outputsFile, close };
}

/** `--local` against that system, with the real SDK clients and the real Partnero admin client. */
async function localTarget(outputsFile: string) {
  return resolveTarget(
    { stage: 'dev', local: true, outputsFile },
    { env: {}, makeClients: createAwsClients },
  );
}

export interface ConnectRun {
  key: string;
  dryRun?: boolean;
  rotateWebhook?: boolean;
  graceMs?: number;
  now?: () => number;
}

/** connect as `npm run connect -- --local` runs it, with the key in PARTNERO_API_KEY; the rows it printed. */
export async function connectLocal(outputsFile: string, run: ConnectRun): Promise<Row[]> {
  const { target, clients } = await localTarget(outputsFile);
  try {
    return await connect(
      {
        target,
        clients,
        apiKey: apiKeyFrom({
          env: { PARTNERO_API_KEY: run.key },
          interactive: false,
          prompt: () => Promise.reject(new Error('no prompt in tests')),
          keepStored: false,
        }),
        partnero: (apiKey) => createPartneroAdmin({ baseUrl: target.partneroUrl, apiKey }),
        ...(run.now ? { now: run.now } : {}),
      },
      {
        dryRun: run.dryRun ?? false,
        rotateWebhook: run.rotateWebhook ?? false,
        graceMs: run.graceMs ?? 3_600_000,
      },
    );
  } finally {
    clients.destroy();
  }
}

/** doctor as `npm run doctor -- --local` runs it. */
export async function doctorLocal(outputsFile: string) {
  const { target, clients } = await localTarget(outputsFile);
  try {
    return await runDoctor({
      target,
      clients,
      partnero: (apiKey) => createPartneroAdmin({ baseUrl: target.partneroUrl, apiKey }),
      connectCommand: 'npm run connect -- --local',
    });
  } finally {
    clients.destroy();
  }
}

/** The JSON a local secret holds now, and its version (a write makes a new one). */
export function secretOf(system: LocalSystem, name: string) {
  const secret = system.secrets.find(name);
  if (!secret) throw new Error(`no secret ${name}`);
  return { json: JSON.parse(secret.value) as Record<string, string>, versionId: secret.versionId };
}

/** The sandbox's subscriptions for the system's WebhookUrl. */
export const subscriptionsFor = (system: LocalSystem) =>
  system.sandbox.store.state.webhooks.filter((w) => w.url === system.outputs.WebhookUrl);

/** Runs a tool's CLI (`tools/<tool>/main.ts`) as npm does; its exit code and output. */
export async function runTool(tool: 'connect' | 'doctor', args: string[], env: Record<string, string> = {}) {
  const run = spawnScript(`tools/${tool}/main.ts`, args, {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ...env,
  });
  const code = await run.exited;
  return { code, stdout: run.out(), stderr: run.err() };
}
