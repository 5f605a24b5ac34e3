/**
 * The canary phase of a release, as the state machine, the CLI and the notifications name it: a
 * few instances of the new version take their share of traffic beside the live fleet while the
 * rollback alarms are watched, before the full scale-up.
 */
import type { CanaryPlan, ReleaseState } from './release-state';

/** The Task state of the canary watch (the WatchBake step's function in its canary phase). */
export const CANARY_WATCH_STATE_NAME = 'WatchCanary';

/** The bounds of `canary.duration`, in seconds: long enough for an alarm to see, at most a day. */
export const CANARY_DURATION_LIMITS = { minSeconds: 60, maxSeconds: 86_400 } as const;

/**
 * One line on where a release's canary stands, or undefined when the release is not in its canary
 * phase: `canary: 1 instance of 2.0.0 taking traffic, 4 min 12 s left` once the canary serves,
 * `canary: starting 1 instance of 2.0.0` while it boots.
 */
export function describeCanary(state: Partial<ReleaseState> | undefined, nowMs: number): string | undefined {
  const canary = state?.plan?.canary;
  if (!state?.plan || !canary || state.phase !== 'canary') return undefined;
  const count = `${canary.instances} instance${canary.instances === 1 ? '' : 's'} of ${state.plan.version}`;
  const healthyAt = state.timings?.canaryHealthy;
  if (healthyAt === undefined) return `canary: starting ${count}`;
  const leftMs = Math.max(0, healthyAt + canary.durationSeconds * 1000 - nowMs);
  return `canary: ${count} taking traffic, ${formatLeft(leftMs)} left`;
}

/** A canary a release passed, in a few words: `1 instance for 5 min`. */
export function describePassedCanary(canary: CanaryPlan): string {
  return `${canary.instances} instance${canary.instances === 1 ? '' : 's'} for ${formatLeft(canary.durationSeconds * 1000)}`;
}

/** `45 s`, `4 min 12 s`, `5 min`, `1 h 2 min`. */
function formatLeft(ms: number): string {
  const total = Math.ceil(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const parts = [
    hours > 0 ? `${hours} h` : '',
    minutes > 0 ? `${minutes} min` : '',
    seconds > 0 ? `${seconds} s` : '',
  ];
  return parts.filter((part) => part !== '').join(' ') || '0 s';
}
