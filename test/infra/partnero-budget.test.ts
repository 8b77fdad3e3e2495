import { BUDGET_USERS } from '#infra/constructs/partnero-budget.js';
import { FUNCTION_NAMES, lambdaOf, type Synthesized, statementsFor, statementsOf, synth } from './synth.js';

let defaults: Synthesized;
beforeAll(() => {
  defaults = synth();
});

const budgetStatements = (fn: (typeof FUNCTION_NAMES)[number]) =>
  statementsFor(statementsOf(defaults.template, fn), 'dynamodb').filter((s) =>
    JSON.stringify(s.Resource).includes('PartneroBudgetTable'),
  );

describe('the Partnero budget', () => {
  it('is an on-demand table keyed by id whose items expire (TTL)', () => {
    defaults.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
    });
  });

  it('lets every function that calls Partnero take from it, and each only its own kinds of items', () => {
    const get = ['dynamodb:GetItem', 'dynamodb:UpdateItem'];
    const update = 'dynamodb:UpdateItem';
    const statement = (Action: string | string[], prefix: string) => ({
      Effect: 'Allow',
      Action,
      Resource: [{ 'Fn::GetAtt': [expect.stringMatching(/^PartneroBudgetTable/), 'Arn'] }],
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${prefix}#*`] } },
    });
    const quota = statement(get, 'quota');
    const expected: Record<string, unknown[]> = {
      signup: [quota, statement(update, 'dash')],
      me: [quota, statement(get, 'dash')],
      createTransactions: [quota],
      refundTransaction: [quota],
      creditCustomer: [quota, statement(update, 'dash')],
      orderConsumer: [quota],
      reconciler: [quota],
      partneroWebhook: [statement(update, 'dash')],
    };
    expect(Object.keys(BUDGET_USERS).sort()).toEqual([...FUNCTION_NAMES].sort());
    for (const fn of FUNCTION_NAMES) {
      expect(budgetStatements(fn)).toEqual(expected[fn]);
      expect(lambdaOf(defaults.template, fn).Environment.Variables).toMatchObject({
        QUOTA_TABLE_NAME: { Ref: expect.stringMatching(/^PartneroBudgetTable/) },
        PARTNERO_CALLS_PER_SECOND: '20',
        PARTNERO_MONEY_SHARE: '0.5',
        CUSTOMER_CALLS_PER_MINUTE: '60',
        DASHBOARD_CACHE_SECONDS: '30',
      });
    }
  });
});
