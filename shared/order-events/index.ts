export {
  createDlqParker,
  type DlqParkerOptions,
  type ParkInDlq,
  type ParkReason,
  parkMessageInput,
} from './dlq.js';
export {
  isJsonPath,
  type JsonPath,
  JsonPathError,
  type PathStep,
  parseJsonPath,
  readJsonPath,
} from './json-path.js';
export {
  DEFAULT_ORDER_EVENTS_MAPPING,
  DEFAULT_ORDER_EVENTS_MAPPING_SPEC,
  ORDER_EVENT_FIELDS,
  type OrderEventField,
  type OrderEventMapping,
  OrderEventsMappingError,
  orderEventsMappingFromEnv,
  parseOrderEventsMapping,
} from './mapping.js';
export {
  isPoisonMessageError,
  type OrderMessage,
  type PoisonCode,
  PoisonMessageError,
  parseOrderMessage,
} from './parse-message.js';
export {
  ORDER_BATCH_METRICS,
  type OrderBatchCounts,
  type OrderBatchDeps,
  type OrderBatchResult,
  processOrderBatch,
} from './process-batch.js';
export { createRequeuer, type Requeue, requeueInput, requeuesOf } from './requeue.js';
