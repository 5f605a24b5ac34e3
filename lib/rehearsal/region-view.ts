import { LOCK_KEY } from '../contract/lock-table';
import { TagKeys } from '../contract/tags';
import type { ServiceView } from './invariants';
import type { SimulatedRegion } from './region/region';

/** What the invariants look at, read from the simulated region. */
export function serviceView(region: SimulatedRegion, lockTables: readonly string[]): ServiceView {
  const observation = region.observe();
  const tag = (tags: readonly { key: string; value: string }[], key: string) =>
    tags.find((t) => t.key === key)?.value || undefined;
  return {
    groups: observation.groups.map((g) => ({
      name: g.name,
      colour: tag(g.tags, TagKeys.colour),
      role: tag(g.tags, TagKeys.role),
      version: tag(g.tags, TagKeys.version),
      previousVersion: tag(g.tags, TagKeys.previousVersion),
      minSize: g.minSize,
      maxSize: g.maxSize,
      desiredCapacity: g.desiredCapacity,
      suspendedProcesses: g.suspendedProcesses,
      instances: g.instances.map((i) => ({
        id: i.id,
        lifecycleState: i.lifecycleState,
        version: i.version,
        impaired: i.killed,
        launchedAt: i.launchedAt,
      })),
      lastInstanceFaultAt: g.lastInstanceFaultAt,
    })),
    targets: observation.targetGroups.flatMap((tg) => tg.targets.map((t) => ({ id: t.id, state: t.state }))),
    // The table also keeps the validator's records: only the lock item counts.
    lockHeld: lockTables.some((name) => region.scanTable(name).some((item) => item.pk?.S === LOCK_KEY)),
  };
}
