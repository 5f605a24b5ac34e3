/** The groups of a stable service that the decision tests start from. */
import { type GroupSpec, inService } from '../fixtures';

/** The live group: three instances of v1.0.0, v0.9.0 before it. */
export const live = (extra: GroupSpec = {}): GroupSpec => ({
  role: 'live',
  version: 'v1.0.0',
  previousVersion: 'v0.9.0',
  min: 2,
  instances: inService('b', 3),
  ...extra,
});
/** The idle group, left on the previous version. */
export const idle: GroupSpec = { role: 'idle', version: 'v0.9.0' };
