/**
 * The services of a synthesized template, found by the `bluegreen:service` tag that
 * BlueGreenService puts on its state machine and both its groups (the same tag the CLI finds a
 * deployed service by), never by the shape of logical IDs. One template may hold several.
 */
import { TagKeys } from '../contract/tags';
import type { CfnTemplate, TemplateResource } from './template';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One BlueGreenService of a template. */
export interface TemplateService {
  /** The value of its `bluegreen:service` tag. */
  readonly tag: string;
  /** The logical ID of its release state machine. */
  readonly stateMachineLogicalId: string;
  /**
   * Its construct path below the stack (`Service`, `Shop/Orders`), when the template keeps CDK's
   * `aws:cdk:path` metadata: the longest common path of its state machine and its groups.
   */
  readonly path?: string;
}

/** Every state machine tagged `bluegreen:service`, with the groups that carry the same tag, by tag. */
export function servicesInTemplate(template: CfnTemplate): TemplateService[] {
  const resources = Object.entries(template.Resources ?? {});
  const services: TemplateService[] = [];
  for (const [id, resource] of resources) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const tag = serviceTagOf(resource);
    if (tag === undefined) continue;
    const groups = resources.filter(
      ([, r]) => r.Type === 'AWS::AutoScaling::AutoScalingGroup' && serviceTagOf(r) === tag,
    );
    const path = groups.length > 0 ? commonConstructPath([resource, ...groups.map(([, r]) => r)]) : undefined;
    services.push({ tag, stateMachineLogicalId: id, ...(path ? { path } : {}) });
  }
  return services.sort((a, b) => a.tag.localeCompare(b.tag));
}

/** How a service is named in messages: its tag, and its construct path when known. */
export function describeService(service: TemplateService): string {
  return service.path && service.path !== service.tag ? `${service.tag} (${service.path})` : service.tag;
}

/** Whether `wanted` names the service: its tag, or its construct path (with or without `/`). */
export function serviceMatches(service: TemplateService, wanted: string): boolean {
  if (service.tag === wanted) return true;
  if (!service.path) return false;
  return service.path === wanted || service.path.split('/').join('') === wanted;
}

/**
 * The one service `wanted` names, or the only one when nothing is named. `where` says where the
 * services were looked for (`the template`), for the errors, which list every service.
 */
export function chooseTemplateService(
  services: readonly TemplateService[],
  wanted: string | undefined,
  where: string,
): TemplateService {
  const listed = () => services.map(describeService).join(', ');
  if (services.length === 0) {
    throw new Error(
      `${where} holds no BlueGreenService: no AWS::StepFunctions::StateMachine is tagged ${TagKeys.service}`,
    );
  }
  if (wanted === undefined) {
    if (services.length === 1) return services[0];
    throw new Error(`${where} holds ${services.length} services, pick one with --service: ${listed()}`);
  }
  const chosen = services.filter((s) => serviceMatches(s, wanted));
  if (chosen.length !== 1) {
    throw new Error(
      `--service (${wanted}) matches ${chosen.length === 0 ? 'none' : 'more than one'} of the services of ${where}: ${listed()}`,
    );
  }
  return chosen[0];
}

function serviceTagOf(resource: TemplateResource): string | undefined {
  const tags: Json[] = Array.isArray(resource.Properties?.Tags) ? resource.Properties!.Tags : [];
  const value = tags.find((t) => t?.Key === TagKeys.service)?.Value;
  return typeof value === 'string' ? value : undefined;
}

/** `Stack/Shop/ReleaseWorkflow/StateMachine/Resource` and `Stack/Shop/BlueGroup/ASG` → `Shop`. */
function commonConstructPath(resources: readonly TemplateResource[]): string | undefined {
  const paths = resources.map((r) => r.Metadata?.['aws:cdk:path']);
  if (paths.some((p) => typeof p !== 'string')) return undefined;
  const parts = (paths as string[]).map((p) => p.split('/'));
  const common: string[] = [];
  for (let i = 0; parts.every((p) => i < p.length - 1 && p[i] === parts[0][i]); i++) common.push(parts[0][i]);
  // The first segment is the stack (or stage/stack): the path below it names the service.
  const below = common.slice(1).join('/');
  return below.length > 0 ? below : undefined;
}
