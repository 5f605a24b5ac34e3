/**
 * `--rehearse`: the CLI's calls answered by a simulated region, in this process, on its virtual
 * clock. Each call is made with the rehearsal in place and virtual time driven until it answers;
 * waiting (`--follow` between polls) lets virtual time pass, so the executions move on meanwhile.
 * A fresh region has nothing to show, so before the command the rehearsal releases its initial
 * versions through the CLI's own code (and for approve/reject, leaves a release at its gate).
 */
import * as fs from 'fs';
import * as path from 'path';
import { withRetry } from '../../lambda/shared/retry';
import { Rehearsal, type RehearsalOptions } from '../rehearsal/rehearsal';
import { SIMULATED_REGION, type CfnTemplate } from '../rehearsal/template';
import type { ApprovalAnswer, CommandName, RehearseSettings } from './args';
import { follow, startExecution, type StartedExecution } from './commands/release';
import { awsEnvironment, type CliEnvironment } from './environment';
import { UsageError } from './errors';
import { summarySentence } from './progress';
import { silentDisplay } from './render/display';

/** The stack the example template comes from. */
export const EXAMPLE_STACK_NAME = 'Demo';
/** Virtual time between two polls of `--follow`. */
const REHEARSAL_POLL_MS = 2000;

export interface RehearsalSource {
  /** The example app's Demo stack, synthesized (bin/rehearsal-templates.ts). */
  readonly exampleTemplate: () => CfnTemplate;
  /** Options of the rehearsal (a seed, say). @default - the rehearsal's defaults */
  readonly rehearsalOptions?: Omit<RehearsalOptions, 'stackName'>;
}

/** Builds the rehearsal the settings describe and plays its prelude. */
export async function rehearsalEnvironment(
  settings: RehearseSettings,
  command: CommandName,
  source: RehearsalSource,
): Promise<CliEnvironment> {
  const { template, stackName } = settings.template
    ? { template: readTemplate(settings.template), stackName: stackNameOf(settings.template) }
    : { template: source.exampleTemplate(), stackName: EXAMPLE_STACK_NAME };
  const rehearsal = Rehearsal.fromTemplate(template, { ...source.rehearsalOptions, stackName });
  for (const version of settings.unhealthyVersions) rehearsal.region.faults.unhealthyVersion(version);
  const env = environmentOn(rehearsal, settings.answer);
  const notice = await playPrelude(env, rehearsal, settings, command);
  return { ...env, notice };
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
): Promise<string[]> {
  // The operator approves the setup's own releases, whatever the command is asked to answer.
  const setup: CliEnvironment = { ...env, approvalStandIn: 'approve' };
  for (const version of settings.versions) {
    const started = await startExecution(setup, { name: 'release', version, follow: true, target: {} });
    const { outcome } = await follow(setup, started, `release ${version}`, silentDisplay);
    if (outcome.outcome !== 'released') {
      throw new Error(
        `the rehearsal could not release ${version} before the command: ${summarySentence(outcome)}`,
      );
    }
  }
  const notice = [
    `# rehearsal: stack ${rehearsal.service.stackName} in a fresh simulated region (${SIMULATED_REGION}), virtual clock; ` +
      `released ${settings.versions.join(', then ')} before this command`,
  ];
  const gates = Object.keys(rehearsal.service.callbackTasks);
  if ((command === 'approve' || command === 'reject') && gates.length > 0) {
    const version = nextVersion(settings.versions[settings.versions.length - 1] ?? '1.0.0');
    const waiting = await releaseUntilApproval(setup, version);
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
): Promise<StartedExecution | undefined> {
  const started = await startExecution(env, { name: 'release', version, follow: true, target: {} });
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

function readTemplate(file: string): CfnTemplate {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as CfnTemplate;
  } catch (error) {
    throw new UsageError(`--template (${file}): ${(error as Error).message}`);
  }
}

/** `cdk.out/Shop.template.json` was synthesized from stack `Shop`. */
export function stackNameOf(file: string): string {
  return path
    .basename(file)
    .replace(/\.template\.json$/, '')
    .replace(/\.json$/, '');
}
