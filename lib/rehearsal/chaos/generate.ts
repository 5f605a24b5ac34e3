/**
 * Random chaos schedules, the same for the same seed: after a first release (sometimes two), a
 * release or a rollback request at instant 0, and at random virtual instants, to the millisecond:
 * StopExecution, a second release or rollback (often right after a stop, or overlapping a running
 * one), instance deaths, scale-out and scale-in of either group, and windows of throttling or
 * ResourceContention on mutating calls. Half the instants are tied to an execution entering a
 * state, a few milliseconds to a minute later: mid-Lambda, mid-batch and mid-retry, where the
 * narrow windows are, rather than anywhere in a ten-minute release. Each schedule has a state it
 * is about, most tied instants are tied to it: faults pile up in one window (a stop mid-Swap while
 * Swap's calls are throttled), as they must to meet.
 */
import { SeededRandom } from '../region/random';
import {
  inScheduleOrder,
  TASK_STATES,
  type ChaosAction,
  type ChaosRequest,
  type ChaosSchedule,
  type Colour,
  type DyingState,
  type Timing,
} from './schedule';

/** Where generated instants fall. */
export interface GenerateOptions {
  /** Instants not tied to a state fall within this long after instant 0. @default 450000 */
  readonly horizonMs?: number;
  /** Where most of those fall: before and around the swap. @default 120000 */
  readonly busyMs?: number;
  /** The states an action may be tied to (e.g. with the release hooks' Task states). @default TASK_STATES */
  readonly states?: readonly string[];
  /**
   * The lifecycle states an instance may die in (add `Pending:Wait` for a service validating its
   * launches). @default DYING_STATES
   */
  readonly dyingStates?: readonly DyingState[];
}

/** The first execution of every schedule; stops name it most often. */
export const MAIN_EXECUTION = 'chaos-a';

export const DYING_STATES: readonly DyingState[] = ['Pending', 'InService', 'Standby', 'EnteringStandby'];
const COLOURS: readonly Colour[] = ['blue', 'green'];

class Draw {
  constructor(private readonly random: SeededRandom) {}
  public chance(p: number): boolean {
    return this.random.next() < p;
  }
  public int(min: number, max: number): number {
    return min + this.random.int(max - min + 1);
  }
  public pick<T>(values: readonly T[]): T {
    return values[this.random.int(values.length)];
  }
}

/** The schedule of `seed` (see the module comment). */
export function generateSchedule(seed: number, options: GenerateOptions = {}): ChaosSchedule {
  const horizon = options.horizonMs ?? 450_000;
  const busy = Math.min(horizon, options.busyMs ?? 120_000);
  const draw = new Draw(new SeededRandom(seed).fork(0xc4a05));
  const starts: string[] = [MAIN_EXECUTION];
  const states = options.states ?? TASK_STATES;
  const focus = draw.pick(states);
  const timing = (): Timing => {
    if (draw.chance(0.5)) return { at: draw.int(0, draw.chance(0.6) ? busy : horizon) };
    const name = draw.chance(0.7) ? MAIN_EXECUTION : draw.pick(starts);
    return {
      at: draw.chance(0.75) ? draw.int(0, 3_000) : draw.int(0, 60_000),
      after: { name, state: draw.chance(0.6) ? focus : draw.pick(states) },
    };
  };
  let nextVersion = 3;
  const nextStart = (): string => `chaos-${String.fromCharCode(97 + starts.length)}`;
  const later = (): ChaosRequest =>
    draw.chance(0.5) ? { action: 'rollback' } : { version: `v${nextVersion++}` };

  const rollbackFirst = draw.chance(0.2);
  const actions: ChaosAction[] = [
    {
      at: 0,
      do: 'start',
      name: MAIN_EXECUTION,
      request: rollbackFirst ? { action: 'rollback' } : { version: 'v2' },
    },
  ];
  for (let i = draw.chance(0.75) ? draw.int(1, 2) : 0; i > 0; i--) {
    const when = timing();
    actions.push({ ...when, do: 'stop', name: draw.chance(0.7) ? MAIN_EXECUTION : draw.pick(starts) });
    // Often the next execution starts right after the stop: an operator's "stop, then roll back".
    if (draw.chance(0.5)) {
      const name = nextStart();
      actions.push({ ...when, at: when.at + draw.int(0, 50), do: 'start', name, request: later() });
      starts.push(name);
    }
  }
  for (let i = draw.chance(0.4) ? draw.int(1, 2) : 0; i > 0; i--) {
    const name = nextStart();
    actions.push({ ...timing(), do: 'start', name, request: later() });
    starts.push(name);
  }
  for (let i = draw.int(0, 3); i > 0; i--) {
    actions.push({
      ...timing(),
      do: 'kill',
      colour: draw.pick(COLOURS),
      state: draw.pick(options.dyingStates ?? DYING_STATES),
      pick: draw.int(0, 5),
      how: draw.chance(0.5) ? 'impair' : 'terminate',
    });
  }
  for (let i = draw.int(0, 2); i > 0; i--) {
    const by = draw.chance(0.5) ? draw.int(1, 3) : -draw.int(1, 2);
    actions.push({ ...timing(), do: 'scale', colour: draw.pick(COLOURS), by });
  }
  for (let i = draw.chance(0.7) ? draw.int(1, 2) : 0; i > 0; i--) {
    actions.push({
      ...timing(),
      do: 'fail-calls',
      error: draw.chance(0.5) ? 'Throttling' : 'ResourceContention',
      probability: draw.int(2, 7) / 10,
      forMs: draw.int(2_000, 60_000),
    });
  }
  return { seed, before: rollbackFirst ? ['v1', 'v2'] : ['v1'], actions: inScheduleOrder(actions) };
}
