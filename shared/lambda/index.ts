export { beforeDeadline, deadlineOf, msUntil } from './deadline.js';
export { numberEnv, requiredEnv } from './env.js';
export { lazy } from './lazy.js';
export { logger } from './logger.js';
export { createMetrics } from './metrics.js';
export { type PartneroRuntime, type PartneroRuntimeOverrides, partneroFromEnv } from './partnero.js';
