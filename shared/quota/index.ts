export { limiterFromEnv, QUOTA_DEFAULTS, quotaSettingsFromEnv } from './env.js';
export { isQuotaRefusal, QuotaRefusal, type QuotaScope } from './errors.js';
export {
  capsAt,
  createPartneroLimiter,
  factorAt,
  type LimitedCall,
  type LimiterOptions,
  MIN_FACTOR,
  type PartneroLimiter,
  type QuotaClock,
  type QuotaSettings,
  RECOVERY_STEP_MS,
} from './limiter.js';
export {
  dynamoQuotaStore,
  type PauseState,
  QUOTA_KEY_PREFIX,
  type QuotaPool,
  type QuotaStore,
  type WindowCaps,
} from './store.js';
