/**
 * After the chaos: a release of a fresh version must succeed and leave it live, whatever the
 * schedule did. A refusal because a lock holder still runs is waited out and retried.
 */
import { stableLiveVersion } from '../invariants';
import type { Rehearsal } from '../rehearsal';

/** The version every convergence releases: never one a schedule uses. */
export const CONVERGENCE_VERSION = 'v9';

export interface ConvergeOptions {
  /** Instances the release asks for. */
  readonly capacity: number;
  /** Releases refused with ReleaseInProgress before giving up. @default 5 */
  readonly attempts?: number;
  /** Virtual seconds between two attempts. @default 60 */
  readonly retrySeconds?: number;
}

/** Runs the convergence release; returns what went wrong (empty when v9 is live, at rest). */
export async function converge(rehearsal: Rehearsal, options: ConvergeOptions): Promise<string[]> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const release = await rehearsal.execute(
      { version: CONVERGENCE_VERSION, capacity: options.capacity },
      `converge-${attempt}`,
    );
    if (release.status === 'FAILED' && release.error === 'ReleaseInProgress') {
      await rehearsal.advance(options.retrySeconds ?? 60);
      continue;
    }
    if (release.status !== 'SUCCEEDED') {
      return [
        `convergence: the release of ${CONVERGENCE_VERSION} ended ${release.status}` +
          `${release.error ? ` ${release.error}: ${release.cause}` : ''}`,
      ];
    }
    const live = stableLiveVersion(rehearsal.monitor.view());
    if (live !== CONVERGENCE_VERSION) {
      return [
        `convergence: the release of ${CONVERGENCE_VERSION} succeeded, but ${live ? `${live} is live` : 'the service is not at rest'}`,
      ];
    }
    return [];
  }
  return [
    `convergence: the release of ${CONVERGENCE_VERSION} was refused ${attempts} times (ReleaseInProgress)`,
  ];
}
