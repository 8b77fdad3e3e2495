/** The local DynamoDB: what the local system, the tests and the benchmark use. */
export { LocalDynamoDb, type LocalDynamoDbOptions } from './database.js';
export { applyUpdate, type ExpressionContext, evaluateCondition, projectItem } from './expressions.js';
export { type FaultKind, type FaultRule, Faults, type InjectedFault, seededRandom } from './faults.js';
export { dynamoDbService } from './service.js';
export type { IndexDefinition, KeySchema, Table } from './table.js';
export type { AttributeValue, Item } from './values.js';
