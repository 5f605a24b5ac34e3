/**
 * `--rehearse`: the CLI's calls answered by a simulated region, in this process, on its virtual
 * clock. Each call is made with the rehearsal in place and virtual time driven until it answers;
 * waiting (`--follow` between polls) lets virtual time pass, so the executions move on meanwhile.
 * A fresh region has nothing to show, so before the command the rehearsal releases its initial
 * versions through the CLI's own code (and for approve/reject, leaves a release at its gate).
 */
import { withRetry } from '../contract/retry';
import { Rehearsal, type RehearsalOptions } from '../rehearsal/rehearsal';
import { SIMULATED_REGION } from '../rehearsal/template';
import type { ApprovalAnswer, CommandName, RehearseSettings, ServiceCommand, ServiceTarget } from './args';
import { synthesizedStacks, type SynthesizedStack } from './cloud-assembly';
import { follow, startExecution, type StartedExecution } from './commands/release';
import { awsEnvironment, type CliEnvironment } from './environment';
import { UsageError } from './errors';
import { summarySentence } from './progress';
import { chooseRehearsedService } from './rehearsed-service';
import { silentDisplay } from './render/display';

/** What `--rehearse` rehearses when `--rehearse-template` is not given: `cdk synth`'s output folder. */
export const DEFAULT_CLOUD_ASSEMBLY = 'cdk.out';
/** Virtual time between two polls of `--follow`. */
const REHEARSAL_POLL_MS = 2000;

export interface RehearsalSource {
  /**
   * The stacks to rehearse when `--rehearse-template` is not given.
   * @default - the cloud assembly `cdk.out` in the current folder
   */
  readonly defaultStacks?: () => { readonly where: string; readonly stacks: SynthesizedStack[] };
  /** Options of the rehearsal (a seed, say). @default - the rehearsal's defaults */
  readonly rehearsalOptions?: Omit<RehearsalOptions, 'stackName' | 'service'>;
}

/** A rehearsal ready for the command, and the service the command acts on in it. */
export interface PreparedRehearsal {
  readonly env: CliEnvironment;
  /** Where the command finds the rehearsed service (its flags chose what to rehearse). */
  readonly target: ServiceTarget;
}

/**
 * Builds the rehearsal the command's flags describe and plays its prelude: the service is read
 * from the synthesized template (`--rehearse-template`, a cdk.out folder by default), `--stack`
 * and `--service` pick it, and the command then targets it in the simulated region.
 */
export async function rehearsalEnvironment(
  command: ServiceCommand & { readonly rehearse: RehearseSettings },
  source: RehearsalSource = {},
): Promise<PreparedRehearsal> {
  const settings = command.rehearse;
  if (command.target.stateMachineArn !== undefined) {
    throw new UsageError(
      '--state-machine names a deployed state machine: with --rehearse, pick the service with --stack and --service',
    );
  }
  const { where, stacks } =
    settings.template !== undefined
      ? { where: settings.template, stacks: synthesizedStacks(settings.template) }
      : (
          source.defaultStacks ??
          (() => ({ where: DEFAULT_CLOUD_ASSEMBLY, stacks: synthesizedStacks(DEFAULT_CLOUD_ASSEMBLY) }))
        )();
  const chosen = chooseRehearsedService(stacks, command.target, where);
  const rehearsal = Rehearsal.fromTemplate(chosen.template, {
    ...source.rehearsalOptions,
    profile: settings.profile,
    handlers: settings.handlers,
    stackName: chosen.stackName,
    service: chosen.service.tag,
  });
  for (const version of settings.unhealthyVersions) rehearsal.region.faults.unhealthyVersion(version);
  rehearsal.seedArtifacts(versionsReleased(command));
  const target = rehearsedTarget(rehearsal, chosen.servicesInStack);
  const env = environmentOn(rehearsal, settings.answer);
  const notice = await playPrelude(env, rehearsal, settings, command.name, target, chosen.servicesInStack);
  return { env: { ...env, notice }, target };
}

/**
 * Every version the rehearsal and the command may release: the prelude's, the command's own, and
 * the one an approve/reject leaves waiting. In artifact mode each gets its artifact uploaded first.
 */
function versionsReleased(command: ServiceCommand & { readonly rehearse: RehearseSettings }): string[] {
  const { versions, unhealthyVersions } = command.rehearse;
  const last = versions[versions.length - 1] ?? '1.0.0';
  return [
    ...new Set([
      ...versions,
      ...unhealthyVersions,
      ...(command.name === 'release' ? [command.version] : []),
      nextVersion(last),
    ]),
  ];
}

/**
 * The stack, as against AWS, when its outputs name the service (the only one of the stack);
 * otherwise the service's state machine, found by its tag: the outputs are optional.
 */
function rehearsedTarget(rehearsal: Rehearsal, servicesInStack: number): ServiceTarget {
  const { stackName, stateMachineArn, outputs } = rehearsal.service;
  const named = outputs.some((o) => o.key.includes('StateMachineArn') && o.value === stateMachineArn);
  return servicesInStack === 1 && named ? { stack: stackName } : { stateMachineArn };
}

/** The CLI's environment on an existing rehearsal (tests prepare their own). */
export function environmentOn(rehearsal: Rehearsal, answer: ApprovalAnswer): CliEnvironment {
  // Real SDK clients whose `send` the rehearsal intercepts while a call runs: no endpoint, no credentials.
  const { clients } = awsEnvironment(SIMULATED_REGION);
  let queue: Promise<unknown> = Promise.resolve();
  return {
    clients,
    // One call at a time: each drives the virtual clock until it is answered.
    call: <T>(send: () => Promise<T>): Promise<T> => {
      const result = queue.then(() => rehearsal.perform(() => withRetry(send)));
      queue = result.catch(() => undefined);
      return result;
    },
    now: () => rehearsal.clock.now(),
    sleep: (ms) => {
      const result = queue.then(() => rehearsal.advance(ms / 1000));
      queue = result.catch(() => undefined);
      return result;
    },
    pollMs: REHEARSAL_POLL_MS,
    defaultStack: rehearsal.service.stackName,
    approvalStandIn: answer,
  };
}

/** Releases the initial versions; for approve/reject, leaves one more release waiting at its gate. */
async function playPrelude(
  env: CliEnvironment,
  rehearsal: Rehearsal,
  settings: RehearseSettings,
  command: CommandName,
  target: ServiceTarget,
  servicesInStack: number,
): Promise<string[]> {
  // The operator approves the setup's own releases, whatever the command is asked to answer.
  const setup: CliEnvironment = { ...env, approvalStandIn: 'approve' };
  for (const version of settings.versions) {
    const started = await startExecution(setup, { name: 'release', version, follow: true, target });
    const { outcome } = await follow(setup, started, `release ${version}`, silentDisplay);
    if (outcome.outcome !== 'released') {
      throw new Error(
        `the rehearsal could not release ${version} before the command: ${summarySentence(outcome)}`,
      );
    }
  }
  const { stackName, serviceTag } = rehearsal.service;
  const service = servicesInStack > 1 ? ` service ${serviceTag}` : '';
  const profile = settings.profile === 'typical' ? '' : `, ${settings.profile} profile`;
  const notice = [
    `# rehearsal: stack ${stackName}${service} in a fresh simulated region (${SIMULATED_REGION}${profile}), virtual clock; ` +
      `released ${settings.versions.join(', then ')} before this command`,
  ];
  const gates = Object.keys(rehearsal.service.callbackTasks);
  if ((command === 'approve' || command === 'reject') && gates.length > 0) {
    const version = nextVersion(settings.versions[settings.versions.length - 1] ?? '1.0.0');
    const waiting = await releaseUntilApproval(setup, version, target);
    notice.push(
      waiting
        ? `# rehearsal: started ${waiting.name}, now waiting for approval`
        : `# rehearsal: started a release of ${version}, but it ended without waiting for approval`,
    );
  }
  return notice;
}

async function releaseUntilApproval(
  env: CliEnvironment,
  version: string,
  target: ServiceTarget,
): Promise<StartedExecution | undefined> {
  const started = await startExecution(env, { name: 'release', version, follow: true, target });
  const { waitingFor } = await follow(
    { ...env, approvalStandIn: undefined },
    started,
    `release ${version}`,
    silentDisplay,
    true,
  );
  return waitingFor ? started : undefined;
}

/** 1.0.0 → 1.1.0; anything else gets `-next`. */
export function nextVersion(version: string): string {
  const semver = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  return semver ? `${semver[1]}.${Number(semver[2]) + 1}.0` : `${version.slice(0, 59)}-next`;
}
