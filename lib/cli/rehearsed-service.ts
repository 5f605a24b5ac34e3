/**
 * Which service `--rehearse` rehearses: among the synthesized stacks (a cloud assembly or one
 * template), those `--stack` names, the services found by their `bluegreen:service` tag, the one
 * `--service` names (or the only one). Every ambiguity is a UsageError that lists the services.
 */
import type { CfnTemplate } from '../rehearsal/template';
import {
  describeService,
  serviceMatches,
  servicesInTemplate,
  type TemplateService,
} from '../rehearsal/template-services';
import type { SynthesizedStack } from './cloud-assembly';
import { stacksNamed } from './cloud-assembly';
import { UsageError } from './errors';

/** The service a rehearsal runs, and the stack it comes from. */
export interface RehearsedService {
  readonly stackName: string;
  readonly template: CfnTemplate;
  readonly service: TemplateService;
  /** How many services the stack's template holds. */
  readonly servicesInStack: number;
}

/** What names the service on the command line. */
export interface ServiceSelection {
  readonly stack?: string;
  readonly service?: string;
}

/**
 * @param stacks the synthesized stacks
 * @param where what they were read from (`cdk.out`), for messages
 */
export function chooseRehearsedService(
  stacks: readonly SynthesizedStack[],
  selection: ServiceSelection,
  where: string,
): RehearsedService {
  const candidates = stacksNamed(stacks, selection.stack, where).flatMap((stack) => {
    const template = stack.template();
    const services = servicesInTemplate(template);
    return services.map((service) => ({
      stackName: stack.stackName,
      template,
      service,
      servicesInStack: services.length,
    }));
  });
  const listed = () =>
    candidates.map((c) => `${describeService(c.service)} in stack ${c.stackName}`).join(', ');
  const scope = selection.stack !== undefined ? `stack ${selection.stack} of ${where}` : where;
  if (candidates.length === 0) {
    throw new UsageError(
      `${scope} holds no BlueGreenService (no state machine tagged bluegreen:service): nothing to rehearse`,
    );
  }
  const wanted = selection.service;
  const chosen =
    wanted === undefined ? candidates : candidates.filter((c) => serviceMatches(c.service, wanted));
  if (chosen.length === 1) return chosen[0];
  if (wanted === undefined) {
    const pick = new Set(candidates.map((c) => c.stackName)).size > 1 ? '--stack and --service' : '--service';
    throw new UsageError(`${scope} holds ${candidates.length} services, pick one with ${pick}: ${listed()}`);
  }
  throw new UsageError(
    `--service (${wanted}) matches ${chosen.length === 0 ? 'none' : chosen.length} of the services of ${scope}: ${listed()}`,
  );
}
