import { CfnOutput, type Stack } from 'aws-cdk-lib';
import type { BackOfficeRole } from './constructs/back-office-role.js';
import type { ReferralDashboard } from './constructs/dashboard.js';
import type { IdempotencyTable } from './constructs/idempotency-table.js';
import type { ReferralMonitoring } from './constructs/monitoring.js';
import type { OrderEvents } from './constructs/order-events.js';
import type { OrderLedgerTable } from './constructs/order-ledger-table.js';
import type { PartneroSecret } from './constructs/partnero-secret.js';
import type { ReferralApi } from './constructs/referral-api.js';
import type { WebhookFirewall } from './constructs/webhook-firewall.js';
import type { WebhookSigningSecret } from './constructs/webhook-signing-secret.js';
import type { PartneroWebhooks } from './constructs/webhooks.js';

export interface OutputSources {
  api: ReferralApi;
  webhooks: PartneroWebhooks;
  orderEvents: OrderEvents;
  partnero: PartneroSecret;
  webhookSecret: WebhookSigningSecret;
  idempotency: IdempotencyTable;
  orderLedger: OrderLedgerTable;
  monitoring: ReferralMonitoring;
  dashboard: ReferralDashboard;
  backOffice: BackOfficeRole;
  webhookFirewall?: WebhookFirewall;
}

const putSecret = (secretId: string, json: string) =>
  `aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string '${json}'`;

type Output = (id: string, value: string, description: string) => CfnOutput;

/** The stack's outputs: what a team wires further (URLs, names) and the commands the README shows. */
export function addStackOutputs(stack: Stack, parts: OutputSources): void {
  const { api } = parts;
  const output: Output = (id, value, description) => new CfnOutput(stack, id, { value, description });
  output('ApiUrl', api.url, 'Base URL of the HTTP API');
  webhookUrlOutputs(output, parts);
  output(
    'BackOfficeRoleArn',
    parts.backOffice.role.roleArn,
    'Role that may call the back-office routes only (POST /transactions, DELETE /transactions/{key}, POST /customers/{id}/credit): assume it to sign those calls',
  );
  secretOutputs(output, parts);
  if (api.userPool && api.userPoolClient) {
    output('UserPoolId', api.userPool.userPoolId, 'Cognito user pool of the customers');
    output('UserPoolClientId', api.userPoolClient.userPoolClientId, 'App client for the web frontend');
  }
  orderEventOutputs(output, parts.orderEvents);
  operationsOutputs(output, parts);
}

/** The URL to register in Partnero: the firewall's when there is one, else the route on execute-api. */
function webhookUrlOutputs(output: Output, { webhooks, webhookFirewall }: OutputSources): void {
  if (webhookFirewall) {
    output(
      'WebhookUrl',
      webhookFirewall.url,
      'Register this URL as the webhook endpoint in Partnero (CloudFront with AWS WAF in front of the webhook route)',
    );
    output('WebhookOriginUrl', webhooks.url, 'The webhook route on execute-api, behind the firewall');
  } else {
    output('WebhookUrl', webhooks.url, 'Register this URL as the webhook endpoint in Partnero');
  }
}

/** The two secrets, and the command that fills each one the stack created. */
function secretOutputs(output: Output, { partnero, webhookSecret }: OutputSources): void {
  output('SecretName', partnero.secretName, 'Secret holding the Partnero API key');
  if (partnero.created) {
    output(
      'PutSecretCommand',
      putSecret(partnero.secretId, '{"apiKey":"<Partnero API key>"}'),
      'Put the Partnero API key in',
    );
  }
  output(
    'WebhookSecretName',
    webhookSecret.secretName,
    'Secret holding the Partnero webhook signing secret (read by the webhook function only)',
  );
  if (webhookSecret.created) {
    output('WebhookSecretArn', webhookSecret.secretId, 'ARN of the webhook signing secret');
    output(
      'PutWebhookSecretCommand',
      putSecret(webhookSecret.secretId, '{"webhookSecret":"<Partnero webhook signing secret>"}'),
      'Put the signing secret Partnero shows for the webhook in',
    );
  }
}

/** The bus, the order queue and its DLQ, and the redrive command. */
function orderEventOutputs(output: Output, orderEvents: OrderEvents): void {
  output('EventBusName', orderEvents.eventBus.eventBusName, 'Bus for order events and republished webhooks');
  output('OrderQueueUrl', orderEvents.queue.queueUrl, 'Queue between the order rule and the consumer');
  output('OrderDlqUrl', orderEvents.deadLetterQueue.queueUrl, 'Dead-letter queue of order events');
  output('OrderDlqArn', orderEvents.deadLetterQueue.queueArn, 'Dead-letter queue ARN (redrive source)');
  output(
    'OrderDlqRedriveCommand',
    `aws sqs start-message-move-task --source-arn ${orderEvents.deadLetterQueue.queueArn} --destination-arn ${orderEvents.queue.queueArn}`,
    'After fixing the cause: move dead-lettered order events back to the queue',
  );
}

/** What an operator watches (the alarm topic, the dashboard) and the tables they may look into. */
function operationsOutputs(
  output: Output,
  { monitoring, dashboard, idempotency, orderLedger }: OutputSources,
): void {
  output(
    'AlarmTopicArn',
    monitoring.alarmTopic.topicArn,
    monitoring.alarmTopicCreated
      ? 'Topic every alarm notifies. Subscribe: aws sns subscribe --topic-arn <this ARN> --protocol email --notification-endpoint <you@example.com> (then confirm the email), or set alarmEmail'
      : 'Topic every alarm notifies (configured alarmTopicArn)',
  );
  output('DashboardUrl', dashboard.url, 'CloudWatch dashboard: the referral funnel and the pipeline health');
  output('IdempotencyTableName', idempotency.table.tableName, 'Idempotency records (credit, webhook)');
  output(
    'OrderLedgerTableName',
    orderLedger.table.tableName,
    'Order ledger (exactly-once transactions and refunds)',
  );
}
