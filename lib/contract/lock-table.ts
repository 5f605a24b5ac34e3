/**
 * The lock table's keys (partition key `pk`): the one release-lock item, and beside it the
 * pre-traffic validator's records (lib/contract/instance-validation.ts), never mistaken for it.
 */
export const LOCK_KEY = 'release-lock';

/**
 * The attribute DynamoDB's time to live reads (epoch seconds): the validator's records carry it,
 * the lock item never does. TTL deletes expired items within days, not at once
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html): nothing relies on
 * the deletion, it only keeps the table small.
 */
export const RECORD_EXPIRY_ATTRIBUTE = 'expiresAt';

/** How long a validator's record is kept. */
export const RECORD_RETENTION_SECONDS = 7 * 24 * 3600;

/** The expiry attribute of a record written at `nowMs`. */
export function recordExpiry(nowMs: number): Record<string, { N: string }> {
  return { [RECORD_EXPIRY_ATTRIBUTE]: { N: String(Math.floor(nowMs / 1000) + RECORD_RETENTION_SECONDS) } };
}
