/**
 * Rows 2 and 3 (and 4): one release v1 → v2, observed each virtual second.
 *
 * Health wait, unavoidable part: from ScaleUp's end (its StateExited) until the first observed
 * second at which every instance of the new group is InService with a healthy target (the region
 * is sampled once per virtual second, so that moment is late by < 1 s, which can only shrink the
 * overhead). Overhead: the Swap state entered minus that moment.
 */
import type { RegionObservation } from '../../lib/rehearsal/region/observation';
import { Rehearsal, type RehearsalOptions } from '../../lib/rehearsal/rehearsal';
import type { CfnTemplate } from '../../lib/rehearsal/template';
import { healthWaitOverheadSeconds, mixedVersionWindowSeconds } from './figures';

export interface ReleaseTiming {
  /** ScaleUp's end → last new target healthy, seconds. */
  readonly unavoidableHealthWaitSeconds: number;
  /** Swap entered − last new target healthy, seconds. */
  readonly overheadSeconds: number;
  readonly pollSeconds: number;
  readonly mixedWindowSeconds: number;
  readonly healthCheckIntervalSeconds: number;
}

/** Every instance of the group running `version` is InService with a healthy target. */
export function newFleetHealthy(observation: RegionObservation, version: string): boolean {
  const group = observation.groups.find((g) =>
    g.tags.some((t) => t.key === 'bluegreen:version' && t.value === version),
  );
  if (!group || group.desiredCapacity === 0) return false;
  const active = group.instances.filter((i) => !i.killed && !i.lifecycleState.startsWith('Terminat'));
  if (active.length < group.desiredCapacity) return false;
  const healthy = new Set(
    observation.targetGroups.flatMap((tg) =>
      tg.targets.filter((t) => t.state === 'healthy').map((t) => t.id),
    ),
  );
  return active.every((i) => i.lifecycleState === 'InService' && healthy.has(i.id));
}

export async function measureReleaseTiming(
  template: CfnTemplate,
  options: RehearsalOptions = {},
): Promise<ReleaseTiming> {
  const r = Rehearsal.fromTemplate(template, options);
  const first = await r.execute({ version: 'v1' });
  if (first.status !== 'SUCCEEDED') throw new Error(`release v1: ${first.status} ${first.cause ?? ''}`);

  const from = r.clock.now();
  const release = r.start({ version: 'v2' });
  const healthySeconds: number[] = [];
  const sampler = r.clock.every(1000, () => {
    if (newFleetHealthy(r.region.observe(), 'v2')) healthySeconds.push(r.clock.now());
  });
  await r.run(release.done);
  sampler.cancel();
  if (release.status !== 'SUCCEEDED') throw new Error(`release v2: ${release.status} ${release.cause ?? ''}`);

  const at = (type: string, state: string) =>
    release.events.find((e) => e.type === type && e.state === state)?.time;
  const scaleUpEnd = at('StateExited', 'ScaleUp');
  const swapEntered = at('StateEntered', 'Swap');
  if (scaleUpEnd === undefined || swapEntered === undefined)
    throw new Error('release v2 passed no ScaleUp/Swap');
  const allHealthyAt = healthySeconds.find((t) => t >= scaleUpEnd);
  if (allHealthyAt === undefined) throw new Error('the new fleet was never observed all healthy');

  return {
    unavoidableHealthWaitSeconds: (allHealthyAt - scaleUpEnd) / 1000,
    overheadSeconds: healthWaitOverheadSeconds(allHealthyAt, swapEntered),
    pollSeconds: Number(r.service.stepFunctions[0].environment.POLL_SECONDS),
    mixedWindowSeconds: mixedVersionWindowSeconds(
      r.monitor.traffic,
      'v1',
      'v2',
      from,
      release.stoppedAt ?? r.clock.now(),
    ),
    healthCheckIntervalSeconds: r.service.targetGroups[0].healthCheckIntervalSeconds,
  };
}
