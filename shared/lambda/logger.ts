import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One structured (JSON) logger per container. Service name and level come from the standard
 * Powertools variables (`POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_LOG_LEVEL`) that the stack sets.
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'partnero-referrals',
});
