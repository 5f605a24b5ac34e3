/** Carries out one action of a chaos schedule on a running rehearsal, at its virtual instant. */
import { TagKeys } from '../../contract/tags';
import { MUTATING_COMMANDS } from '../region/faults';
import type { Rehearsal } from '../rehearsal';
import {
  describeAction,
  type ChaosAction,
  type ChaosRequest,
  type Colour,
  type KillAction,
} from './schedule';

/** The execution input of a request: releases ask for `capacity` instances. */
export function requestInput(request: ChaosRequest, capacity: number): Record<string, unknown> {
  return 'version' in request ? { version: request.version, capacity } : { action: 'rollback' };
}

/** The name of the Auto Scaling group tagged with this colour. */
export function groupNamed(rehearsal: Rehearsal, colour: Colour): string {
  const group = rehearsal.service.groups.find((g) =>
    g.tags.some((t) => t.key === TagKeys.colour && t.value === colour),
  );
  if (!group) throw new Error(`the service has no ${colour} group`);
  return group.name;
}

/** Does `action` now; what happened is noted in the rehearsal's timeline. */
export function applyAction(rehearsal: Rehearsal, action: ChaosAction, capacity: number): void {
  const note = (outcome?: string) =>
    rehearsal.monitor.note(`chaos ${describeAction(action)}${outcome ? ` (${outcome})` : ''}`);
  switch (action.do) {
    case 'start':
      note();
      rehearsal.start(requestInput(action.request, capacity), action.name);
      return;
    case 'stop': {
      const execution = rehearsal.executions().find((e) => e.name === action.name);
      if (execution?.status !== 'RUNNING') return note(`no-op: ${execution?.status ?? 'never started'}`);
      note();
      rehearsal.stop(execution, 'stopped by the chaos schedule');
      return;
    }
    case 'kill':
      return note(killInstance(rehearsal, action));
    case 'scale': {
      const group = groupNamed(rehearsal, action.colour);
      const faults = rehearsal.region.faults;
      const applied = action.by > 0 ? faults.scaleOut(group, action.by) : faults.scaleIn(group, -action.by);
      return note(applied ? undefined : 'ignored: AlarmNotification suspended');
    }
    case 'fail-calls': {
      note();
      const rule = rehearsal.region.faults.failCalls({
        commands: MUTATING_COMMANDS,
        error: action.error,
        probability: action.probability,
      });
      rehearsal.clock.setTimeout(() => rule.remove(), action.forMs);
      return;
    }
  }
}

/**
 * Returns what happened when it did not simply happen. Never takes the last healthy target still
 * answering in the victim's group: the load balancer only notices a dead target after its health
 * checks, and a swap to that group in between loses every request, whatever the release does.
 */
function killInstance(rehearsal: Rehearsal, action: KillAction): string | undefined {
  const name = groupNamed(rehearsal, action.colour);
  const observation = rehearsal.region.observe();
  const group = observation.groups.find((g) => g.name === name);
  const candidates = (group?.instances ?? []).filter((i) => i.lifecycleState === action.state);
  if (candidates.length === 0) return `no-op: no ${action.state} instance`;
  const victim = candidates[action.pick % candidates.length];
  const alive = new Set((group?.instances ?? []).filter((i) => !i.killed).map((i) => i.id));
  const answering = observation.targetGroups
    .flatMap((tg) => tg.targets)
    .filter((t) => t.state === 'healthy' && alive.has(t.id));
  if (answering.some((t) => t.id === victim.id) && answering.length <= 1) {
    return `no-op: ${victim.id} is the last healthy target answering in its group`;
  }
  try {
    if (action.how === 'impair') rehearsal.region.faults.killInstance(victim.id);
    else rehearsal.region.faults.terminateInstance(victim.id);
  } catch (error) {
    return `refused: ${(error as Error).message}`;
  }
  return victim.id;
}
