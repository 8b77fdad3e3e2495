/** Dedup records live a week: Partnero's retries are long over by then. */
export const DEDUP_TTL_SECONDS = 7 * 24 * 60 * 60;
