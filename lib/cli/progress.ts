/**
 * What `--follow` shows, decided purely: observations of the execution (the step it is in, the
 * healthy/wanted instances read from the fleet, the elapsed time) and which of them are a change
 * worth a line; the plain `key=value` lines; the words of the terminal display and the summary.
 */
import { formatDuration, formatTime, keyValueLine } from './format';
import type { PendingApproval } from './history-events';
import type { ExecutionOutcome } from './outcome';

export interface ProgressObservation {
  /** Epoch ms. */
  readonly time: number;
  /** The state the execution is in (Task, Wait, Succeed or Fail state). */
  readonly step: string;
  /** Healthy instances of the group being brought up, when a plan names it. */
  readonly healthy?: number;
  readonly wanted?: number;
  readonly elapsedSeconds: number;
  /** Where the release's canary stands, while it runs one (`canary: 1 instance of 2.0.0 taking traffic, 4 min 12 s left`). */
  readonly canary?: string;
}

/**
 * Decides which observations are changes. A step is shown when it is entered, and again only
 * once the health figures have moved since it was last shown: a loop (WaitBeforeRollbackAgain ⇄
 * Rollback, Bake handing back each minute) makes one line, not one per turn.
 */
export class ProgressTracker {
  private health?: string;
  private shownSinceHealthChanged = new Set<string>();

  public isChange(observation: ProgressObservation): boolean {
    const health = observation.healthy === undefined ? '' : `${observation.healthy}/${observation.wanted}`;
    if (health !== this.health) {
      this.health = health;
      this.shownSinceHealthChanged = new Set([observation.step]);
      return true;
    }
    if (this.shownSinceHealthChanged.has(observation.step)) return false;
    this.shownSinceHealthChanged.add(observation.step);
    return true;
  }
}

export function startedLine(
  time: number,
  name: string,
  action: string,
  version: string | undefined,
  requestedBy: string,
): string {
  return keyValueLine([
    ['time', formatTime(time)],
    ['execution', name],
    ['action', action],
    ['version', version],
    ['requestedBy', requestedBy],
  ]);
}

export function progressLine(o: ProgressObservation): string {
  return keyValueLine([
    ['time', formatTime(o.time)],
    ['step', o.step],
    ['healthy', o.healthy],
    ['wanted', o.healthy === undefined ? undefined : o.wanted],
    ['elapsed', formatDuration(o.elapsedSeconds)],
    ['canary', o.canary?.replace(/^canary: /, '')],
  ]);
}

/** The instruction an operator needs when a release waits at an approval gate. */
export function approvalInstruction(selector: string): string {
  return `bluegreen approve ${selector}; or: bluegreen reject ${selector} --reason TEXT`;
}

export function approvalWaitingLine(time: number, pending: PendingApproval, selector: string): string {
  return keyValueLine([
    ['time', formatTime(time)],
    ['step', pending.stateName],
    ['approval', 'waiting'],
    ['gate', pending.gate],
    ['version', pending.version],
    ['colour', pending.colour],
    ['run', approvalInstruction(selector)],
  ]);
}

export function approvalAnsweredLine(
  time: number,
  pending: PendingApproval,
  answer: 'approve' | 'reject',
  by: string,
  standIn: boolean,
): string {
  return keyValueLine([
    ['time', formatTime(time)],
    ['step', pending.stateName],
    ['approval', answer === 'approve' ? 'approved' : 'rejected'],
    ['gate', pending.gate],
    ['version', pending.version],
    ['execution', pending.executionArn.split(':').pop()],
    ['by', by],
    ['note', standIn ? 'answered by the rehearsal (--rehearse-answer)' : undefined],
  ]);
}

export function summaryLine(time: number, result: ExecutionOutcome): string {
  return keyValueLine([
    ['time', formatTime(time)],
    ['outcome', result.outcome],
    ['version', result.version],
    ['live', result.liveColour],
    ['requested', result.requestedVersion !== result.version ? result.requestedVersion : undefined],
    ['duration', result.durationSeconds === undefined ? undefined : formatDuration(result.durationSeconds)],
    ['status', result.status],
    ['error', result.status === 'SUCCEEDED' ? undefined : result.error],
    ['reason', result.reason],
    ['canary', result.canary ? `passed ${result.canary}` : undefined],
    ['execution', result.name],
  ]);
}

/** The terminal display's title for the current state of a follow. */
export function displayTitle(heading: string, o: ProgressObservation): string {
  const health =
    o.healthy === undefined
      ? ''
      : `  ${healthBar(o.healthy, o.wanted ?? 0)} ${o.healthy}/${o.wanted} healthy`;
  const canary = o.canary ? `  ${o.canary}` : '';
  return `${heading}  ${o.step}${health}  ${formatDuration(o.elapsedSeconds)}${canary}`;
}

/** `■■■□` style bar of healthy over wanted, at most 20 cells. */
export function healthBar(healthy: number, wanted: number): string {
  if (wanted <= 0) return '';
  const cells = Math.min(wanted, 20);
  const filled = Math.min(cells, Math.round((Math.min(healthy, wanted) / wanted) * cells));
  return `${'■'.repeat(filled)}${'□'.repeat(cells - filled)}`;
}

/** The summary a person reads at the end of a follow. */
export function summarySentence(result: ExecutionOutcome): string {
  const duration =
    result.durationSeconds === undefined ? '' : ` in ${formatDuration(result.durationSeconds)}`;
  const live = result.liveColour ? `; ${result.liveColour} is live` : '';
  switch (result.outcome) {
    case 'released': {
      const canary = result.canary ? ` after a canary of ${result.canary}` : '';
      return `${result.action === 'rollback' ? 'rolled back by re-releasing' : 'released'} ${result.version ?? '?'}${canary}${live}${duration} (${result.name})`;
    }
    case 'rolled-back': {
      const asked = result.requestedVersion ? ` ${result.requestedVersion}` : '';
      const serves = result.version ? `; ${result.version} serves` : '';
      return `rolled back${asked}${result.reason ? `: ${result.reason}` : ''}${serves}${live}${duration} (${result.name})`;
    }
    case 'running':
      return `still running (${result.name})`;
    default:
      return `${result.outcome}${result.error ? ` (${result.error})` : ''}${result.reason ? `: ${result.reason}` : ''}${duration} (${result.name})`;
  }
}
