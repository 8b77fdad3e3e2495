export { InMemoryPersistenceLayer } from './memory-persistence.js';
export { idempotencyStoreFromEnv } from './store.js';
