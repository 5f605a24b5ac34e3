import { main, type CliDependencies } from '../../lib/cli/main';
import type { ApprovalAnswer } from '../../lib/cli/args';
import type { CliEnvironment } from '../../lib/cli/environment';
import { environmentOn } from '../../lib/cli/rehearsal-environment';
import { Rehearsal, type RehearsalOptions } from '../../lib/rehearsal/rehearsal';
import type { CfnTemplate } from '../../lib/rehearsal/template';
import { demoTemplate as synthDemo, serviceTemplate as synthService } from '../../bin/rehearsal-templates';

const cache = new Map<string, CfnTemplate>();

/** The example app's Demo stack, synthesized once per test file. */
export function demoTemplate(): CfnTemplate {
  if (!cache.has('demo')) cache.set('demo', synthDemo());
  return cache.get('demo')!;
}

/** The demo service with an approval gate before the swap (and, if asked, before finalize). */
export function approvalTemplate(gates: ('swap' | 'finalize')[] = ['swap']): CfnTemplate {
  const key = `approval-${gates.join(',')}`;
  if (!cache.has(key)) cache.set(key, synthService({ approval: { gates } }));
  return cache.get(key)!;
}

export function rehearsal(template: CfnTemplate = demoTemplate(), options: RehearsalOptions = {}): Rehearsal {
  return Rehearsal.fromTemplate(template, { stackName: 'Demo', ...options });
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string[];
  readonly stderr: string[];
}

/** Runs `bluegreen <argv>` in-process (not on a terminal), its output kept line by line. */
export async function runMain(argv: string[], deps: CliDependencies): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const sink = (lines: string[]) => ({
    write: (text: string) => lines.push(...text.replace(/\n$/, '').split('\n')),
  });
  const code = await main(argv, { stdout: sink(stdout), stderr: sink(stderr), isTTY: false }, deps);
  return { code, stdout, stderr };
}

/** Runs `bluegreen <argv>` in-process against the rehearsal behind `env`. */
export function cli(argv: string[], env?: CliEnvironment): Promise<CliRun> {
  return runMain(argv, {
    createEnvironment: async () => {
      if (!env) throw new Error('this test gives the CLI no environment');
      return env;
    },
  });
}

/** The CLI's environment on a rehearsal; approvals answered as `answer` says. */
export function cliEnvironment(r: Rehearsal, answer: ApprovalAnswer = 'approve'): CliEnvironment {
  return environmentOn(r, answer);
}

/** A rehearsal where the CLI has released these versions, one after the other. */
export async function released(
  versions: string[],
  template?: CfnTemplate,
): Promise<{ r: Rehearsal; env: CliEnvironment }> {
  const r = rehearsal(template);
  const env = cliEnvironment(r);
  for (const version of versions) {
    const run = await cli(['release', version, '--follow'], env);
    if (run.code !== 0) throw new Error(`release ${version}: ${run.stdout.concat(run.stderr).join('\n')}`);
  }
  return { r, env };
}
