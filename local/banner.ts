import { DEMO_USERS, STACK_DEFAULTS } from './config.js';
import type { LocalSystem } from './system.js';

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Whether the sandbox delivers to the webhook route, and how to make it. */
const webhookNote = (system: LocalSystem) =>
  system.sandbox.webhooks.settings.urls.length > 0
    ? `(sandbox → gateway → bus, secret ${system.webhookSecret})`
    : '(not connected: run npm run connect -- --local)';

/** What `npm start` prints once everything listens. */
export function banner(system: LocalSystem, stateFile: string | undefined): string {
  const { urls, credentials: c, region } = system;
  const alice = DEMO_USERS[0];
  const login = JSON.stringify(alice);
  const transaction = JSON.stringify({
    customer_key: 'bob',
    key: 'order-1001',
    amount: 100,
    currency: 'USD',
  });
  const entries = JSON.stringify([
    {
      EventBusName: system.busName,
      Source: STACK_DEFAULTS.orderEvents.source,
      DetailType: STACK_DEFAULTS.orderEvents.placedDetailType,
      Detail: JSON.stringify({ orderId: 'order-1002', customerId: 'bob', amount: 100, currency: 'USD' }),
    },
  ]);
  const row = (label: string, value: string) => `  ${label.padEnd(18)}${value}`;
  return [
    '',
    'Partnero referrals — local system is running (Ctrl-C stops everything)',
    '',
    row('Demo shop', urls.demo),
    row('API', `${urls.api}  (every route of the HTTP API; JWT issuer ${urls.issuer})`),
    row('Partnero sandbox', `${urls.sandbox}  (API ${urls.sandboxApi}, key ${system.sandboxApiKey})`),
    row('AWS endpoint', `${urls.aws}  (Secrets Manager, EventBridge, SQS, DynamoDB; bus ${system.busName})`),
    row('Webhooks', `${urls.webhook}  ${webhookNote(system)}`),
    ...(system.outputsFile
      ? [row('Outputs', `${system.outputsFile}  (npm run connect -- --local, npm run doctor -- --local)`)]
      : []),
    row(
      'State',
      stateFile
        ? `sandbox persisted to ${stateFile}`
        : 'in memory (--persist keeps the sandbox across restarts)',
    ),
    '',
    'Demo users — open the demo shop and click one, or get a token yourself:',
    ...DEMO_USERS.map((u) => `  ${u.user_id.padEnd(7)}${u.email.padEnd(20)}${u.name}`),
    `  curl -s -X POST ${urls.api}/local/login -H 'content-type: application/json' -d ${shellQuote(login)}`,
    '',
    'Local AWS credentials (the IAM routes accept only these; the AWS endpoint accepts any):',
    `  AWS_ACCESS_KEY_ID=${c.accessKeyId}`,
    `  AWS_SECRET_ACCESS_KEY=${c.secretAccessKey}`,
    `  AWS_REGION=${region}`,
    '',
    'Try it:',
    `  curl --aws-sigv4 'aws:amz:${region}:execute-api' --user '${c.accessKeyId}:${c.secretAccessKey}' \\`,
    `    -X POST ${urls.api}/transactions -H 'content-type: application/json' -d ${shellQuote(transaction)}`,
    `  AWS_ACCESS_KEY_ID=${c.accessKeyId} AWS_SECRET_ACCESS_KEY=${c.secretAccessKey} \\`,
    `    aws events put-events --endpoint-url ${urls.aws} --region ${region} --entries ${shellQuote(entries)}`,
    '',
  ].join('\n');
}
