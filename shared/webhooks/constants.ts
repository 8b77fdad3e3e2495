/** Dedup records live a week: Partnero's retries are long over by then. */
export const DEDUP_TTL_SECONDS = 7 * 24 * 60 * 60;

/**
 * The default age check (`WEBHOOK_TOLERANCE_SECONDS`): 3 days, above Partnero's retry horizon and inside
 * the dedup window, so a delivery is either deduplicated by its hash or, older than this, acknowledged and
 * dropped: a captured delivery replayed after its dedup record expired is never republished.
 */
export const DEFAULT_TOLERANCE_SECONDS = 3 * 24 * 60 * 60;
