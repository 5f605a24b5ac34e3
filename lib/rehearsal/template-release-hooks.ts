/**
 * Reads the release hooks' Task states from a synthesized definition: which user function each
 * hook point invokes, how long its Task waits, and how the function can be named when a
 * rehearsal is given its in-process handler (the hook point, the function's logical id, its
 * name or its construct path).
 */
import {
  RELEASE_HOOK_POINTS,
  RELEASE_HOOK_STATE_NAMES,
  type ReleaseHookPoint,
} from '../contract/release-hooks';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A hook's Task state and the function it invokes. */
export interface HookTaskInfo {
  readonly point: ReleaseHookPoint;
  /** The function's ARN, as the Task state names it (simulated when the function is in the template). */
  readonly functionArn: string;
  /** The function's name (the ARN's last part). */
  readonly functionName: string;
  /** The function's logical id, when the template defines it. */
  readonly logicalId?: string;
  /** The function's construct path (`aws:cdk:path` metadata), when the template records it. */
  readonly constructPath?: string;
  /**
   * The function's own timeout, when the template defines it (Lambda's default is 3 s); else the
   * longest Lambda allows. An invocation ends at it, whatever the handler does.
   */
  readonly functionTimeoutSeconds: number;
}

/** What the reader needs of the template: its resources and the simulated ARNs of its functions. */
export interface ReleaseHookTemplateSource {
  readonly resources: ReadonlyArray<
    readonly [string, { readonly Type: string; readonly Properties?: Json; readonly Metadata?: Json }]
  >;
  functionArn(logicalId: string): string;
}

/** Lambda runs a function for 15 minutes at most. */
const LONGEST_LAMBDA_SECONDS = 900;

/** The hook point whose Task state this is, if it is one. */
export function hookPointOfState(stateName: string): ReleaseHookPoint | undefined {
  return RELEASE_HOOK_POINTS.find((point) => RELEASE_HOOK_STATE_NAMES[point] === stateName);
}

/** A hook's Task state: it invokes one function directly (Resource: the function's ARN). */
export function hookTask(
  stateName: string,
  point: ReleaseHookPoint,
  state: Json,
  source: ReleaseHookTemplateSource,
): HookTaskInfo {
  const arn = state.Resource;
  if (typeof arn !== 'string' || !arn.startsWith('arn:aws:lambda:')) {
    throw new Error(
      `Task state ${stateName} (the ${point} hook) invokes ${String(arn)}, not a Lambda function`,
    );
  }
  const found = source.resources.find(
    ([id, r]) => r.Type === 'AWS::Lambda::Function' && source.functionArn(id) === arn,
  );
  const [logicalId, resource] = found ?? [];
  const path = resource?.Metadata?.['aws:cdk:path'];
  return {
    point,
    functionArn: arn,
    functionName: arn.split(':')[6] ?? arn,
    ...(logicalId ? { logicalId } : {}),
    ...(typeof path === 'string' ? { constructPath: path } : {}),
    functionTimeoutSeconds: resource ? Number(resource.Properties?.Timeout ?? 3) : LONGEST_LAMBDA_SECONDS,
  };
}

/** The names a rehearsal's `hooks` option may give a hook's handler under, most specific first. */
export function hookHandlerKeys(task: HookTaskInfo): string[] {
  const keys = [task.functionArn, task.functionName];
  if (task.logicalId) keys.push(task.logicalId);
  if (task.constructPath) keys.push(task.constructPath, task.constructPath.replace(/\/Resource$/, ''));
  keys.push(task.point);
  return [...new Set(keys)];
}
