/**
 * Row 6: Step Functions state transitions of one release whose instances answer only ~10 minutes
 * after launch (health timeout 900 s). The delay is put in the boot (Pending), not in the app
 * start: an app that starts 600 s after InService is past the group's health-check grace period,
 * so the group replaces the instances before they ever pass (observed: 0 of 2 healthy after
 * 900 s), which would measure a never-healthy release, not a long health wait.
 */
import { Rehearsal } from '../../lib/rehearsal/rehearsal';
import type { CfnTemplate } from '../../lib/rehearsal/template';

export interface TransitionsResult {
  readonly status: string;
  /** StateEntered events of the measured release (each is one billed transition). */
  readonly transitions: number;
  /** Of which entries into the health-wait loop states. */
  readonly perState: Record<string, number>;
  /** ScaleUp's end → Swap entered, seconds. */
  readonly healthWaitSeconds: number;
  readonly pollSeconds: number;
}

/** App start fixed here (the profile samples it), so the boot can be stretched to hit `appUpSeconds`. */
const APP_START_SECONDS = 15;

/** `appUpSeconds`: launch → the app answers (boot stretched, app start fixed at 15 s). */
export async function measureTransitions(
  template: CfnTemplate,
  appUpSeconds: number,
): Promise<TransitionsResult> {
  const instanceBootSeconds = appUpSeconds - APP_START_SECONDS;
  const r = Rehearsal.fromTemplate(template, { instanceBootSeconds, appStartSeconds: APP_START_SECONDS });
  const first = await r.execute({ version: 'v1', healthTimeoutSeconds: 900 });
  if (first.status !== 'SUCCEEDED') throw new Error(`release v1: ${first.status} ${first.cause ?? ''}`);
  const release = await r.execute({ version: 'v2', healthTimeoutSeconds: 900 });
  const entered = release.events.filter((e) => e.type === 'StateEntered');
  const perState: Record<string, number> = {};
  for (const e of entered) perState[e.state ?? '?'] = (perState[e.state ?? '?'] ?? 0) + 1;
  const at = (type: string, state: string) =>
    release.events.find((e) => e.type === type && e.state === state)?.time ?? NaN;
  return {
    status: release.status,
    transitions: entered.length,
    perState,
    healthWaitSeconds: (at('StateEntered', 'Swap') - at('StateExited', 'ScaleUp')) / 1000,
    pollSeconds: Number(r.service.stepFunctions[0].environment.POLL_SECONDS),
  };
}
