import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { IDEMPOTENCY_ACTIONS } from '#infra/constructs/idempotency-table.js';
import { ORDER_LEDGER_ACTIONS, ORDER_LEDGER_INDEX_ACTIONS } from '#infra/constructs/order-ledger-table.js';
import { ROUTES, routeKeyOf } from '#infra/routes.js';
import {
  FUNCTION_NAMES,
  lambdaOf,
  nagFindings,
  resourceByPrefix,
  routesOf,
  type Synthesized,
  statementsFor,
  statementsOf,
  synth,
} from './synth.js';

/** The stack as `npx cdk deploy` builds it with nothing configured (cdk.json defaults). */
let defaults: Synthesized;
beforeAll(() => {
  defaults = synth();
});

/** A function's DynamoDB statements but those on the Partnero budget (test/infra/partnero-budget.test.ts). */
const dynamoOf = (fn: (typeof FUNCTION_NAMES)[number]) =>
  statementsFor(statementsOf(defaults.template, fn), 'dynamodb').filter(
    (s) => !JSON.stringify(s.Resource).includes('PartneroBudgetTable'),
  );

/** jest matcher for `{ Ref: <logical id with this prefix> }`. */
const ref = (logicalIdPrefix: string) => ({
  Ref: expect.stringMatching(new RegExp(`^${logicalIdPrefix}[0-9A-F]{8}$`)),
});

describe('HTTP API routes', () => {
  it('has exactly the six routes of the issue', () => {
    expect(Object.keys(routesOf(defaults.template)).sort()).toEqual([
      'DELETE /transactions/{key}',
      'GET /referrals/me',
      'POST /customers/{id}/credit',
      'POST /referrals/signup',
      'POST /transactions',
      'POST /webhooks/partnero',
    ]);
  });

  it('requires the customer JWT on the customer routes', () => {
    const routes = routesOf(defaults.template);
    for (const key of ['POST /referrals/signup', 'GET /referrals/me']) {
      expect(routes[key]).toMatchObject({
        AuthorizationType: 'JWT',
        AuthorizerId: ref('ApiHttpApiCognitoAuthorizer'),
      });
    }
  });

  it('requires IAM (SigV4) on the back-office routes', () => {
    const routes = routesOf(defaults.template);
    for (const key of ['POST /transactions', 'DELETE /transactions/{key}', 'POST /customers/{id}/credit']) {
      expect(routes[key]).toMatchObject({ AuthorizationType: 'AWS_IAM' });
    }
  });

  it('leaves only the webhook without a gateway authorizer', () => {
    const open = Object.entries(routesOf(defaults.template))
      .filter(([, route]) => route.AuthorizationType === 'NONE' || route.AuthorizationType === undefined)
      .map(([key]) => key);
    expect(open).toEqual(['POST /webhooks/partnero']);
  });

  it('sends each route to its own function', () => {
    const integrations = Object.values(routesOf(defaults.template)).map((r) => JSON.stringify(r.Target));
    expect(new Set(integrations).size).toBe(6);
    const lambdaTargets = defaults.template.findResources('AWS::ApiGatewayV2::Integration');
    const functionsBehind = Object.values(lambdaTargets).map((i) =>
      JSON.stringify(i.Properties.IntegrationUri),
    );
    expect(new Set(functionsBehind).size).toBe(6);
  });

  it('allows the configured origins with credentials for the browser methods and headers', () => {
    defaults.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: ['http://localhost:3000'],
        AllowCredentials: true,
        AllowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
        AllowHeaders: Match.arrayWith(['authorization', 'content-type', 'idempotency-key', 'x-amz-date']),
      },
    });
  });

  it('throttles every route by its kind (customers, back office, webhook) and writes JSON access logs', () => {
    const byAuth = {
      jwt: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      iam: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      none: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    };
    defaults.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      RouteSettings: Object.fromEntries(ROUTES.map((r) => [routeKeyOf(r), byAuth[r.auth]])),
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiAccessLogs'), 'Arn'] },
      },
    });
    // Route settings may only name routes that exist: the stage waits for every route.
    const stages = defaults.template.findResources('AWS::ApiGatewayV2::Stage');
    const dependsOn = (Object.values(stages)[0] as { DependsOn?: string[] }).DependsOn ?? [];
    const routeIds = Object.keys(defaults.template.findResources('AWS::ApiGatewayV2::Route'));
    expect(dependsOn).toEqual(expect.arrayContaining(routeIds));
    const stage = resourceByPrefix(defaults.template, 'AWS::ApiGatewayV2::Stage', 'ApiHttpApiDefaultStage');
    const format = JSON.parse((stage.Properties.AccessLogSettings as { Format: string }).Format);
    expect(Object.keys(format)).toEqual(
      expect.arrayContaining(['requestId', 'ip', 'routeKey', 'status', 'latency', 'integrationError']),
    );
    defaults.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('creates a Cognito user pool and web client when no JWT issuer is configured', () => {
    defaults.template.resourceCountIs('AWS::Cognito::UserPool', 1);
    defaults.template.hasResourceProperties('AWS::Cognito::UserPool', {
      UsernameAttributes: ['email'],
      MfaConfiguration: 'OPTIONAL',
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
      UserPoolAddOns: Match.absent(),
    });
    defaults.template.hasResourceProperties('AWS::Cognito::UserPoolClient', { GenerateSecret: false });
    defaults.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Audience: [{ Ref: Match.stringLikeRegexp('^ApiUserPoolWebClient') }] },
    });
  });
});

describe('functions', () => {
  it.each(FUNCTION_NAMES)('%s runs Node.js 22 on arm64 with active tracing and its own log group', (fn) => {
    const props = lambdaOf(defaults.template, fn);
    expect(props.Runtime).toBe('nodejs22.x');
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.TracingConfig).toEqual({ Mode: 'Active' });
    expect(props.MemorySize).toBe(512);
    const logGroupId = props.LoggingConfig.LogGroup.Ref;
    expect(defaults.template.toJSON().Resources[logGroupId].Properties.RetentionInDays).toBe(30);
  });

  it('gives HTTP functions 10 s, the webhook 5 s (Partnero’s window) and the consumer 30 s', () => {
    const timeouts = Object.fromEntries(
      FUNCTION_NAMES.map((fn) => [fn, lambdaOf(defaults.template, fn).Timeout]),
    );
    expect(timeouts).toEqual({
      signup: 10,
      me: 10,
      createTransactions: 10,
      refundTransaction: 10,
      creditCustomer: 10,
      orderConsumer: 30,
      partneroWebhook: 5,
      reconciler: 120,
    });
  });

  it('makes the customer functions accept ID tokens of the created pool only, and leaves the guard off', () => {
    const identity = Object.fromEntries(
      FUNCTION_NAMES.map((fn) => {
        const env = lambdaOf(defaults.template, fn).Environment.Variables;
        return [fn, { tokenUse: env.REQUIRED_TOKEN_USE, disposable: env.BLOCK_DISPOSABLE_EMAILS }];
      }),
    );
    const none = { tokenUse: undefined, disposable: undefined };
    expect(identity).toEqual({
      signup: { tokenUse: 'id', disposable: 'false' },
      me: { tokenUse: 'id', disposable: undefined },
      createTransactions: none,
      refundTransaction: none,
      creditCustomer: none,
      orderConsumer: none,
      partneroWebhook: none,
      reconciler: none,
    });
  });

  it('uses no managed policy: each role may write only to its own log group', () => {
    for (const role of Object.values(defaults.template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    for (const fn of FUNCTION_NAMES) {
      const logs = statementsFor(statementsOf(defaults.template, fn), 'logs');
      expect(logs).toEqual([
        expect.objectContaining({
          Resource: [{ 'Fn::GetAtt': [lambdaOf(defaults.template, fn).LoggingConfig.LogGroup.Ref, 'Arn'] }],
        }),
      ]);
    }
  });

  it('passes the common environment to every function, and the API key secret to all but the webhook', () => {
    for (const fn of FUNCTION_NAMES) {
      const env = lambdaOf(defaults.template, fn).Environment.Variables;
      if (fn === 'partneroWebhook') expect(env.PARTNERO_SECRET_ID).toBeUndefined();
      else expect(env.PARTNERO_SECRET_ID).toEqual(ref('PartneroSecret'));
      expect(env).toMatchObject({
        PARTNERO_API_URL: 'https://api.partnero.com/v1',
        SECRET_CACHE_TTL_SECONDS: '300',
        POWERTOOLS_SERVICE_NAME: 'partnero-referrals',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: 'PartneroReferrals',
      });
    }
  });
});

describe('secrets and data access', () => {
  it('creates the API key secret and a separate webhook signing secret, empty, with instructions', () => {
    // And the generated key of the email hash in the referral key map.
    defaults.template.resourceCountIs('AWS::SecretsManager::Secret', 3);
    defaults.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ GenerateStringKey: 'hashKey' }),
    });
    defaults.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'Test/partnero-api-key',
      SecretString: '{"apiKey":""}',
      Description: Match.stringLikeRegexp('put-secret-value'),
    });
    defaults.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'Test/partnero-webhook-secret',
      SecretString: '{"webhookSecret":""}',
      Description: Match.stringLikeRegexp('put-secret-value'),
    });
  });

  it('lets every function read one secret, by its exact ARN: the webhook its own, the others the API key', () => {
    for (const fn of FUNCTION_NAMES) {
      expect(statementsFor(statementsOf(defaults.template, fn), 'secretsmanager')).toEqual([
        {
          Effect: 'Allow',
          Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
          Resource: [
            ref(fn === 'partneroWebhook' ? 'WebhookSigningSecret' : 'PartneroSecret'),
            // Sign-up also reads the key of the email hash.
            ...(fn === 'signup' ? [ref('ReferralKeysEmailHashKey')] : []),
          ],
        },
      ]);
    }
  });

  it('keeps the referral key map (every shared link depends on it): sign-up enrols, the dashboard reads', () => {
    const tables = defaults.template.findResources('AWS::DynamoDB::Table');
    const map = Object.entries(tables).find(([id]) => id.startsWith('ReferralKeysTable'));
    expect(map?.[1]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    const grant = (actions: string[]) => [
      {
        Effect: 'Allow',
        Action: actions.length === 1 ? actions[0] : actions,
        Resource: [{ 'Fn::GetAtt': [expect.stringMatching(/^ReferralKeysTable/), 'Arn'] }],
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['key#*', 'account#*'] } },
      },
    ];
    expect(dynamoOf('signup')).toEqual(
      grant(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']),
    );
    expect(dynamoOf('me')).toEqual(grant(['dynamodb:GetItem']));
    // The webhook finds the account of a referrer Partnero names by public key, to refresh its dashboard.
    expect(dynamoOf('partneroWebhook')).toEqual(expect.arrayContaining(grant(['dynamodb:GetItem'])));
    const env = (fn: 'signup' | 'me') => lambdaOf(defaults.template, fn).Environment.Variables;
    expect(env('signup').REFERRAL_KEYS_TABLE_NAME).toEqual(
      expect.objectContaining({ Ref: expect.any(String) }),
    );
    expect(env('signup').EMAIL_HASH_SECRET_ID).toEqual(expect.objectContaining({ Ref: expect.any(String) }));
    expect(env('me').EMAIL_HASH_SECRET_ID).toBeUndefined();
  });

  it('keeps idempotency records in an on-demand table with TTL and point-in-time recovery', () => {
    defaults.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('gives each function only the DynamoDB operations it uses, on its own table only', () => {
    const ledgerUsers = ['createTransactions', 'refundTransaction', 'orderConsumer', 'reconciler'];
    for (const fn of FUNCTION_NAMES) {
      const dynamo = dynamoOf(fn);
      const env = lambdaOf(defaults.template, fn).Environment.Variables;
      if (fn === 'creditCustomer' || fn === 'partneroWebhook') {
        // The webhook also reads the key map (checked with the map below).
        const onIdempotency = dynamo.filter(
          (st) => !JSON.stringify(st.Resource).includes('ReferralKeysTable'),
        );
        expect(onIdempotency).toEqual([
          {
            Effect: 'Allow',
            Action: [...IDEMPOTENCY_ACTIONS].sort(),
            Resource: [{ 'Fn::GetAtt': [expect.stringMatching(/^IdempotencyTable/), 'Arn'] }],
            Condition: {
              'ForAllValues:StringLike': {
                'dynamodb:LeadingKeys': [fn === 'creditCustomer' ? 'credit#*' : 'webhook#*'],
              },
            },
          },
        ]);
        expect(env.IDEMPOTENCY_TABLE_NAME).toEqual(
          expect.objectContaining({ Ref: expect.stringMatching(/^IdempotencyTable/) }),
        );
      } else if (ledgerUsers.includes(fn)) {
        const items = {
          Effect: 'Allow',
          Action: [...ORDER_LEDGER_ACTIONS].sort(),
          Resource: [{ 'Fn::GetAtt': [expect.stringMatching(/^OrderLedgerTable/), 'Arn'] }],
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['order#*'] } },
        };
        // Only the reconciler queries the sweep index (the ledger's `due()`).
        if (fn !== 'reconciler') expect(dynamo).toEqual([items]);
        else
          expect(dynamo).toEqual([
            items,
            {
              Effect: 'Allow',
              Action: ORDER_LEDGER_INDEX_ACTIONS[0],
              Resource: [
                {
                  'Fn::Join': [
                    '',
                    [{ 'Fn::GetAtt': [expect.stringMatching(/^OrderLedgerTable/), 'Arn'] }, '/index/sweep'],
                  ],
                },
              ],
              // On an index, LeadingKeys are the index's partition key (sweepShard), not the table's id.
              Condition: {
                'ForAllValues:StringEquals': {
                  'dynamodb:LeadingKeys': ['sweep#0', 'sweep#1', 'sweep#2', 'sweep#3'],
                },
              },
            },
          ]);
        expect(env.ORDER_LEDGER_TABLE_NAME).toEqual(
          expect.objectContaining({ Ref: expect.stringMatching(/^OrderLedgerTable/) }),
        );
        expect(Number(env.LEDGER_LEASE_SECONDS)).toBeGreaterThan(30);
      } else if (fn !== 'signup' && fn !== 'me') {
        expect(dynamo).toEqual([]);
      }
    }
  });

  it('keeps the order ledger when the stack is deleted, with the sparse sweep index', () => {
    const tables = defaults.template.findResources('AWS::DynamoDB::Table');
    const ledger = Object.entries(tables).find(([id]) => id.startsWith('OrderLedgerTable'));
    expect(ledger?.[1]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(ledger?.[1]).toMatchObject({
      Properties: {
        TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
        GlobalSecondaryIndexes: [
          {
            IndexName: 'sweep',
            KeySchema: [
              { AttributeName: 'sweepShard', KeyType: 'HASH' },
              { AttributeName: 'sweepAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      },
    });
  });

  it('runs the reconciler on an EventBridge Scheduler schedule, every 5 minutes by default', () => {
    const schedules = defaults.template.findResources('AWS::Scheduler::Schedule');
    const [schedule] = Object.values(schedules) as { Properties: Record<string, unknown> }[];
    expect(schedule?.Properties).toMatchObject({
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Target: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^ReconcilerHandlerFunction/), 'Arn'] } },
    });
  });

  it('alarms when ledger repairs happen in three sweeps in a row', () => {
    defaults.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'LedgerRepairs',
      Namespace: 'PartneroReferrals',
      Dimensions: [{ Name: 'service', Value: 'partnero-referrals' }],
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Period: 300,
    });
  });
});

describe('webhook', () => {
  it('republishes onto the project bus: events:PutEvents on that bus, its own source only, only from the webhook', () => {
    const events = statementsFor(statementsOf(defaults.template, 'partneroWebhook'), 'events');
    expect(events).toEqual([
      {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: [{ 'Fn::GetAtt': [expect.stringMatching(/^OrderEventsBus/), 'Arn'] }],
        Condition: {
          'ForAllValues:StringEquals': { 'events:source': ['partnero'] },
          Null: { 'events:source': 'false' },
        },
      },
    ]);
    for (const fn of FUNCTION_NAMES.filter((f) => f !== 'partneroWebhook')) {
      expect(statementsFor(statementsOf(defaults.template, fn), 'events')).toEqual([]);
    }
  });

  it('tells the function its bus, event source, tolerance, table and its own signing secret, never the API key', () => {
    const env = lambdaOf(defaults.template, 'partneroWebhook').Environment.Variables;
    expect(env).toMatchObject({
      EVENT_BUS_NAME: { Ref: expect.stringMatching(/^OrderEventsBus/) },
      WEBHOOK_EVENT_SOURCE: 'partnero',
      WEBHOOK_TOLERANCE_SECONDS: '259200',
      WEBHOOK_SECRET_ID: ref('WebhookSigningSecret'),
    });
    expect(env.PARTNERO_SECRET_ID).toBeUndefined();
    // No statement of the webhook's role names the API key secret, whatever the action.
    expect(JSON.stringify(statementsOf(defaults.template, 'partneroWebhook'))).not.toMatch(/PartneroSecret/);
  });

  it('puts events of the configured source only', () => {
    const { template } = synth({ webhookEventSource: 'acme.partnero' });
    expect(statementsFor(statementsOf(template, 'partneroWebhook'), 'events')).toEqual([
      expect.objectContaining({
        Condition: expect.objectContaining({
          'ForAllValues:StringEquals': { 'events:source': ['acme.partnero'] },
        }),
      }),
    ]);
    expect(lambdaOf(template, 'partneroWebhook').Environment.Variables.WEBHOOK_EVENT_SOURCE).toBe(
      'acme.partnero',
    );
  });
});

describe('outputs', () => {
  it('outputs what an operator needs after deploying', () => {
    const outputs = defaults.template.toJSON().Outputs;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'ApiUrl',
        'WebhookUrl',
        'SecretName',
        'PutSecretCommand',
        'WebhookSecretName',
        'WebhookSecretArn',
        'PutWebhookSecretCommand',
        'UserPoolId',
        'UserPoolClientId',
        'EventBusName',
        'OrderQueueUrl',
        'OrderDlqUrl',
        'OrderDlqArn',
        'OrderDlqRedriveCommand',
        'IdempotencyTableName',
        'OrderLedgerTableName',
        'AlarmTopicArn',
        'DashboardUrl',
        'BackOfficeRoleArn',
      ].sort(),
    );
    // ApiUrl has no trailing slash, so `${API}/referrals/signup` in the README is a valid URL.
    expect(JSON.stringify(outputs.ApiUrl.Value)).toContain('ApiEndpoint');
    expect(outputs.WebhookUrl.Value['Fn::Join'][1]).toEqual([outputs.ApiUrl.Value, '/webhooks/partnero']);
    expect(outputs.SecretName.Value).toBe('Test/partnero-api-key');
    expect(outputs.WebhookSecretName.Value).toBe('Test/partnero-webhook-secret');
    expect(JSON.stringify(outputs.OrderDlqRedriveCommand.Value)).toContain(
      'aws sqs start-message-move-task --source-arn ',
    );
  });

  it('prints a put-secret-value command per secret, each with its own JSON field', () => {
    const outputs = defaults.template.toJSON().Outputs;
    const joined = (name: string) =>
      (outputs[name].Value['Fn::Join'][1] as unknown[]).map((p) => JSON.stringify(p)).join('');
    expect(joined('PutSecretCommand')).toMatch(/put-secret-value --secret-id .*PartneroSecret/);
    expect(joined('PutSecretCommand')).toContain('apiKey');
    expect(joined('PutSecretCommand')).not.toContain('webhookSecret');
    expect(joined('PutWebhookSecretCommand')).toMatch(/put-secret-value --secret-id .*WebhookSigningSecret/);
    expect(joined('PutWebhookSecretCommand')).toContain('webhookSecret');
    expect(joined('PutWebhookSecretCommand')).not.toContain('apiKey');
    expect(outputs.WebhookSecretArn.Value).toEqual(ref('WebhookSigningSecret'));
  });

  it('says how to subscribe to the alarm topic it created', () => {
    const outputs = defaults.template.toJSON().Outputs;
    expect(outputs.AlarmTopicArn.Value).toEqual(ref('MonitoringAlarmTopic'));
    expect(outputs.AlarmTopicArn.Description).toMatch(
      /aws sns subscribe --topic-arn .* --protocol email --notification-endpoint/,
    );
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  it('has no unacknowledged error or warning', () => {
    expect(nagFindings(defaults.stack)).toEqual([]);
  });

  it('raises no CDK warning or error annotation', () => {
    const annotations = Annotations.fromStack(defaults.stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
  });
});

describe('stages side by side', () => {
  it('names the bus after the stage, so dev and prod can share an account and region', () => {
    const names = ['dev', 'prod'].map((stageName) => {
      const { template } = synth({ stageName, corsOrigins: ['https://shop.example.com'] });
      const buses = Object.values(template.findResources('AWS::Events::EventBus'));
      return buses.map((b) => (b as { Properties: { Name: string } }).Properties.Name);
    });
    expect(names).toEqual([['partnero-referrals-dev'], ['partnero-referrals-prod']]);
  });

  it('creates a web client without hosted-UI OAuth flows or placeholder callbacks', () => {
    const clients = Object.values(defaults.template.findResources('AWS::Cognito::UserPoolClient'));
    expect(clients).toHaveLength(1);
    const props = (clients[0] as { Properties: Record<string, unknown> }).Properties;
    expect(props.AllowedOAuthFlows).toBeUndefined();
    expect(props.CallbackURLs).toBeUndefined();
  });
});
