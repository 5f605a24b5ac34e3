/**
 * The bake, decided purely: the old fleet waits in Standby while the new one serves; an alarm in
 * ALARM rolls the release back, the end of the bake time finalizes it.
 */
import type { AlarmView } from './alarms';
import { InvalidStateError } from './errors';
import type { ReleasePlan, RollbackInfo } from '../../lib/contract/release-state';

export type BakeDecision =
  | { readonly next: 'finalize' }
  | { readonly next: 'bake'; readonly remainingMs: number }
  | { readonly next: 'rollback'; readonly rollback: RollbackInfo };

export function decideBake(
  plan: ReleasePlan,
  timings: Readonly<Record<string, number>> | undefined,
  alarms: readonly AlarmView[],
  nowMs: number,
): BakeDecision {
  const rollback = alarmRollback(alarms, `the bake of ${plan.version}`);
  if (rollback) return { next: 'rollback', rollback };
  const swappedAt = timings?.swapped;
  if (swappedAt === undefined)
    throw new InvalidStateError('the bake needs the time of the swap, and the state has none');
  const remainingMs = swappedAt + plan.bakeSeconds * 1000 - nowMs;
  return remainingMs <= 0 ? { next: 'finalize' } : { next: 'bake', remainingMs };
}

/** An automatic rollback naming the alarms in ALARM (and the first one's reason), if any is. */
export function alarmRollback(alarms: readonly AlarmView[], during: string): RollbackInfo | undefined {
  const firing = alarms.filter((alarm) => alarm.state === 'ALARM');
  if (firing.length === 0) return undefined;
  const first = firing[0];
  return {
    reason:
      `alarm ${firing.map((alarm) => alarm.name).join(', ')} in ALARM during ${during}` +
      (first.reason ? `: ${first.reason}` : ''),
    automatic: true,
  };
}

/** Names of configured alarms that DescribeAlarms did not return (deleted or misspelt). */
export function missingAlarms(configured: readonly string[], found: readonly AlarmView[]): string[] {
  const names = new Set(found.map((alarm) => alarm.name));
  return configured.filter((name) => !names.has(name));
}
