import { randomSchedules } from './chaos-fixture';

/**
 * Random chaos schedules in the `harsh` region (docs/aws-model.md): every timing at the pessimistic
 * end, the account's default rate limits mostly used by others, calls that fail after taking
 * effect, reads up to 5 s stale. Seeds 1 to 100; `npm run chaos -- --profile harsh` runs more.
 */
describe('chaos search, harsh region', () => randomSchedules(1, 100, 'harsh'));
