/**
 * Matches the handlers a rehearsal is given for the release hook functions to the hooks' Task
 * states. A hook function without a handler, or a handler that names no hook, is refused when the
 * rehearsal is created: a rehearsal that silently skipped a migration would prove nothing.
 */
import type { ReleaseHookHandler } from './executions';
import { hookHandlerKeys, type HookTaskInfo } from './template-release-hooks';

/**
 * Handlers of release hook functions, each keyed by the function's logical id, name, ARN or
 * construct path, or by the hook point (`beforeTraffic`, `afterTraffic`, `beforeFinalize`,
 * `afterFinalize`).
 */
export type ReleaseHookHandlers = Readonly<Record<string, ReleaseHookHandler>>;

/** The handler of each hook Task state, by state name. */
export function releaseHookHandlers(
  hookTasks: Readonly<Record<string, HookTaskInfo>>,
  given: ReleaseHookHandlers,
): Record<string, ReleaseHookHandler> {
  const used = new Set<string>();
  const byState: Record<string, ReleaseHookHandler> = {};
  const missing: string[] = [];
  for (const [stateName, task] of Object.entries(hookTasks)) {
    const keys = hookHandlerKeys(task);
    const key = keys.find((k) => given[k] !== undefined);
    if (key === undefined) {
      missing.push(
        `the ${task.point} hook function ${task.logicalId ?? task.functionName} has no handler: ` +
          `give one as hooks[${JSON.stringify(task.logicalId ?? task.functionName)}] (or under ${keys
            .filter((k) => k !== (task.logicalId ?? task.functionName))
            .map((k) => JSON.stringify(k))
            .join(', ')})`,
      );
      continue;
    }
    used.add(key);
    byState[stateName] = given[key];
  }
  const unknown = Object.keys(given).filter((key) => !used.has(key));
  if (unknown.length > 0) {
    const known = Object.values(hookTasks).map((t) => t.logicalId ?? t.functionName);
    missing.push(
      `hooks ${unknown.map((k) => JSON.stringify(k)).join(', ')} name(s) no release hook function of the rehearsed service` +
        ` (its hook functions: ${known.length > 0 ? known.join(', ') : 'none'})`,
    );
  }
  if (missing.length > 0) throw new Error(`Rehearsal: ${missing.join('; ')}`);
  return byState;
}
