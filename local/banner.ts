import { DEMO_USERS, STACK_DEFAULTS } from './config.js';
import type { LocalSystem } from './system.js';

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Whether the sandbox delivers to the webhook route, and how to make it. */
const webhookNote = (system: LocalSystem) =>
  system.sandbox.webhooks.settings.urls.length > 0
    ? `(sandbox → gateway → bus, secret ${system.webhookSecret})`
    : '(not connected: run npm run connect -- --local)';

/** The Partnero rows: the sandbox, or another Partnero with what differs there. */
function partneroRows(system: LocalSystem, row: (label: string, value: string) => string): string[] {
  const { urls } = system;
  if (system.partnero.sandbox) {
    return [
      row('Partnero sandbox', `${urls.sandbox}  (API ${urls.sandboxApi}, key ${system.sandboxApiKey})`),
      row('Webhooks', `${urls.webhook}  ${webhookNote(system)}`),
    ];
  }
  const origin = new URL(urls.api).origin;
  const indent = ' '.repeat(20);
  return [
    row('Partnero', `${system.partnero.apiUrl}  (not the sandbox; API key from PARTNERO_API_KEY)`),
    `${indent}WARNING: the demo's "Buy" and the commands below create REAL transactions in this`,
    `${indent}Partnero program, and rewards to match. Use a test program, never a live one.`,
    row('Webhooks', `${urls.webhook}  (not subscribed: that Partnero cannot reach this machine)`),
    `${indent}To receive them, give it a public URL: run a tunnel to ${origin} (for example`,
    `${indent}\`cloudflared tunnel --url ${origin} --http-host-header ${new URL(origin).host}\` or`,
    `${indent}\`ngrok http ${system.ports.gateway} --host-header=rewrite\`: the gateway answers only its own Host), subscribe`,
    `${indent}<tunnel URL>/webhooks/partnero in Partnero, and store the subscription's signing secret:`,
    `${indent}aws secretsmanager put-secret-value --endpoint-url ${urls.aws} --region ${system.region} \\`,
    `${indent}  --secret-id ${system.webhookSecretName} --secret-string '{"webhookSecret":"<signature>"}'`,
    `${indent}Or deploy the stack and run npm run connect (docs/local.md, "Another Partnero").`,
    `${indent}The sandbox's referral-link script is not served either: a referred sign-up needs the`,
    `${indent}partnero_referral cookie set by hand (e.g. curl -H 'cookie: partnero_referral=<referrer key>').`,
  ];
}

/** What `npm start` prints once everything listens. */
export function banner(system: LocalSystem, stateFile: string | undefined): string {
  const { urls, credentials: c, region } = system;
  const alice = DEMO_USERS[0];
  const login = JSON.stringify(alice);
  const transaction = JSON.stringify({
    customer_id: 'bob',
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
    ...partneroRows(system, row),
    row('AWS endpoint', `${urls.aws}  (Secrets Manager, EventBridge, SQS, DynamoDB; bus ${system.busName})`),
    ...(system.outputsFile
      ? [row('Outputs', `${system.outputsFile}  (npm run connect -- --local, npm run doctor -- --local)`)]
      : []),
    row(
      'State',
      !system.partnero.sandbox
        ? `in memory; Partnero's state is the program's own at ${system.partnero.apiUrl}`
        : stateFile
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
