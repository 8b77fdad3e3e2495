import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import {
  type RunningSandbox,
  type SandboxOptions,
  sandboxClient,
  startSandbox,
} from '#local/sandbox/index.js';
import { createPartneroClient } from '#shared/partnero/index.js';
import { sandboxMode } from './sandbox-mode.js';

export const TEST_SECRET_ID = 'test/partnero';

/**
 * Starts the Partnero sandbox on an ephemeral port and points the handlers at it: Partnero over
 * real HTTP, Secrets Manager through aws-sdk-client-mock answering with the sandbox's key.
 */
export async function handlerSandbox(options: SandboxOptions = {}) {
  const sandbox = await startSandbox({ port: 0, ...sandboxMode(), ...options });
  const secretsManager = mockClient(SecretsManagerClient);
  secretsManager
    .on(GetSecretValueCommand)
    .resolves({ SecretString: JSON.stringify({ apiKey: sandbox.apiKey, webhookSecret: 'whsec_test' }) });
  process.env.PARTNERO_API_URL = sandbox.apiUrl;
  process.env.PARTNERO_SECRET_ID = TEST_SECRET_ID;
  /** A client of the sandbox, as handlers get it injected. */
  const partnero = createPartneroClient({
    apiKey: sandbox.apiKey,
    baseUrl: sandbox.apiUrl,
    baseDelayMs: 1,
    maxDelayMs: 5,
  });
  return { sandbox, secretsManager, partnero, ...controls(sandbox) };
}

/** Calls to the sandbox's test controls and API, for arranging and asserting state. */
export function controls(sandbox: RunningSandbox) {
  const { api, control } = sandboxClient(sandbox);
  return {
    api,
    control,
    reset: () => control('POST', '/reset'),
    faults: (spec: Record<string, unknown>) => control('POST', '/faults', spec),
    clearFaults: () => control('DELETE', '/faults'),
    requests: () => control('GET', '/requests'),
    resetRequests: () => control('POST', '/requests/reset'),
    createCustomer: (body: Record<string, unknown>) => api('POST', '/customers', body),
  };
}
