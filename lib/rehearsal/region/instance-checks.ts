/**
 * Direct HTTP requests to an instance's private address and app port, from inside the VPC (the
 * validation step of a launch lifecycle hook), answered in-process as the instance's app would:
 * nothing answers an instance that is not up (timeout), the OS refuses the connection until the
 * app listens, then the app answers every path with 200 and what it runs, unless a fault says
 * otherwise. docs/aws-model.md, "Lifecycle hooks".
 */
import { TagKeys } from '../../contract/tags';
import type { Instance } from './instances';
import { sample, type Range } from './profile';
import type { SeededRandom } from './random';

/** A request from inside the VPC. */
export interface InstanceCheckRequest {
  /** The instance's private IPv4 address. */
  readonly address: string;
  readonly port: number;
  /** Path and query, starting with `/`. */
  readonly path: string;
  /** The caller gives up after this long. @default 5000 */
  readonly timeoutMs?: number;
}

export type InstanceCheckAnswer =
  /** The app answered. `latencyMs`: the round trip, which the caller spends waiting. */
  | {
      readonly kind: 'response';
      readonly instanceId: string;
      readonly status: number;
      readonly body: string;
      readonly latencyMs: number;
      /** The version the answering app runs. */
      readonly version: string;
    }
  /** The instance is up but nothing listens on the port yet (its app is starting or failed to start). */
  | { readonly kind: 'refused'; readonly instanceId: string; readonly latencyMs: number }
  /** Nothing answered within the timeout: no such address, instance not booted, impaired or gone. */
  | { readonly kind: 'timeout'; readonly latencyMs: number };

/** Makes the app of a version (or one instance) answer one path badly. */
export interface BadAnswerSpec {
  /** Only instances running this version. @default - any version */
  readonly version?: string;
  /** Only this instance. @default - any instance */
  readonly instanceId?: string;
  /** The path (without query) answered badly. */
  readonly path: string;
  /** The HTTP status it answers with (100-599). */
  readonly status: number;
  /** @default - a short text naming the status */
  readonly body?: string;
  /** Extra virtual ms the bad answer takes (a slow endpoint; past the timeout it is a timeout). @default 0 */
  readonly extraLatencyMs?: number;
}

export interface BadAnswer {
  readonly spec: BadAnswerSpec;
  /** Requests it answered. */
  readonly answered: number;
  remove(): void;
}

/** What the checks read from the region. */
export interface InstanceCheckSources {
  /** The instance with this private address, if any is still listed. */
  instanceAt(address: string): Instance | undefined;
  /** The port the instance's app listens on (its target groups' port). */
  appPortOf(instance: Instance): number;
  /** faults.unhealthyVersion: the app answers every path with a 500. */
  isUnhealthyVersion(version: string): boolean;
  /** faults.errorResponses: the share of requests the app answers with a 500. */
  errorFractionOf(version: string): number;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 5000;

class BadAnswerRule implements BadAnswer {
  public answered = 0;
  public removed = false;
  constructor(public readonly spec: BadAnswerSpec) {}
  public remove(): void {
    this.removed = true;
  }
}

export class InstanceChecks {
  private readonly rules: BadAnswerRule[] = [];
  /** Requests answered per version, for the deterministic share of `errorResponses`. */
  private readonly answeredPerVersion = new Map<string, number>();

  /** @param random its own stream: regions whose checks are never called draw nothing */
  constructor(
    private readonly sources: InstanceCheckSources,
    private readonly random: SeededRandom,
    private readonly latencyMs: Range,
  ) {}

  /** Makes matching apps answer `path` with `status` (from now on, until removed). */
  public answerBadly(spec: BadAnswerSpec): BadAnswer {
    const problems: string[] = [];
    if (typeof spec.path !== 'string' || !spec.path.startsWith('/'))
      problems.push(`path (${String(spec.path)}) must start with /`);
    if (!Number.isInteger(spec.status) || spec.status < 100 || spec.status > 599)
      problems.push(`status (${spec.status}) must be a whole number in [100, 599]`);
    const extra = spec.extraLatencyMs ?? 0;
    if (!Number.isInteger(extra) || extra < 0)
      problems.push(`extraLatencyMs (${extra}) must be a whole number >= 0`);
    if (problems.length > 0) throw new Error(`answerBadly: ${problems.join('; ')}`);
    const rule = new BadAnswerRule(spec);
    this.rules.push(rule);
    return rule;
  }

  /** Answers one request as the instance at `address` would. */
  public request(request: InstanceCheckRequest): InstanceCheckAnswer {
    const timeoutMs = request.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
      throw new Error(`request: timeoutMs (${timeoutMs}) must be a whole number >= 1`);
    if (typeof request.path !== 'string' || !request.path.startsWith('/'))
      throw new Error(`request: path (${String(request.path)}) must start with /`);
    const instance = this.sources.instanceAt(request.address);
    const reachable =
      instance !== undefined &&
      instance.booted &&
      !instance.killed &&
      instance.lifecycleState !== 'Terminated' &&
      !instance.removed;
    if (!instance || !reachable) return { kind: 'timeout', latencyMs: timeoutMs };
    const latency = sample(this.random, this.latencyMs);
    const listening =
      instance.appUp && instance.version !== undefined && request.port === this.sources.appPortOf(instance);
    if (!listening) {
      return latency >= timeoutMs
        ? { kind: 'timeout', latencyMs: timeoutMs }
        : { kind: 'refused', instanceId: instance.id, latencyMs: latency };
    }
    const version = instance.version as string;
    const path = request.path.split('?', 1)[0];
    const answer = this.answer(instance, version, path);
    const total = latency + answer.extraLatencyMs;
    if (total >= timeoutMs) return { kind: 'timeout', latencyMs: timeoutMs };
    return {
      kind: 'response',
      instanceId: instance.id,
      status: answer.status,
      body: answer.body,
      latencyMs: total,
      version,
    };
  }

  private answer(
    instance: Instance,
    version: string,
    path: string,
  ): { status: number; body: string; extraLatencyMs: number } {
    const rule = this.rules.find(
      (r) =>
        !r.removed &&
        r.spec.path === path &&
        (r.spec.version === undefined || r.spec.version === version) &&
        (r.spec.instanceId === undefined || r.spec.instanceId === instance.id),
    );
    if (rule) {
      rule.answered += 1;
      return {
        status: rule.spec.status,
        body: rule.spec.body ?? `status ${rule.spec.status}\n`,
        extraLatencyMs: rule.spec.extraLatencyMs ?? 0,
      };
    }
    if (this.sources.isUnhealthyVersion(version)) {
      return { status: 500, body: 'internal server error\n', extraLatencyMs: 0 };
    }
    // The n-th request to a version fails when it crosses a multiple of 1/fraction: exactly the
    // version's share, deterministic, and no random draw.
    const n = (this.answeredPerVersion.get(version) ?? 0) + 1;
    this.answeredPerVersion.set(version, n);
    const fraction = this.sources.errorFractionOf(version);
    if (fraction > 0 && Math.floor(n * fraction) > Math.floor((n - 1) * fraction)) {
      return { status: 500, body: 'internal server error\n', extraLatencyMs: 0 };
    }
    const colour = instance.propagatedTags.find((t) => t.key === TagKeys.colour)?.value ?? '';
    return {
      status: 200,
      body: `${JSON.stringify({ version, colour, instance: instance.id })}\n`,
      extraLatencyMs: 0,
    };
  }
}
