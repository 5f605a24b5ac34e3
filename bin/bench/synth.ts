/**
 * Row 8: the example app synthesized with and without the release workflow (see
 * without-workflow.ts); the functions stage the prebuilt handler bundles.
 * - `cdk synth`: the whole command a user runs (CLI, ts-node, the three stacks), in a child
 *   process, offline: the figure the target is about.
 * - `app.synth()` of the demo stack in this process, after a warm-up: the construct's own cost,
 *   printed so the fixed costs of the command do not hide it.
 * The two variants alternate run by run, so drift on the machine hits both alike.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { App } from 'aws-cdk-lib';
import { DemoStack } from '../example-stacks';
import { median } from './figures';
import { removeReleaseWorkflow } from './without-workflow';

const REPO = path.join(__dirname, '..', '..');

export interface SynthComparison {
  readonly withMs: readonly number[];
  readonly withoutMs: readonly number[];
  readonly ratio: number;
}

function compare(runs: number, once: (withoutWorkflow: boolean) => number): SynthComparison {
  const withMs: number[] = [];
  const withoutMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    withMs.push(once(false));
    withoutMs.push(once(true));
  }
  return { withMs, withoutMs, ratio: median(withMs) / median(withoutMs) };
}

function cdkSynthOnceMs(withoutWorkflow: boolean): number {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  const app = `${process.execPath} -r ts-node/register/transpile-only ${path.join('bin', 'bench', 'synth-app.ts')}`;
  const start = performance.now();
  try {
    execFileSync(
      process.execPath,
      [path.join(REPO, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'synth', '--quiet', '--app', app, '-o', out],
      {
        cwd: REPO,
        stdio: 'ignore',
        env: { ...process.env, BENCH_WITHOUT_RELEASE_WORKFLOW: withoutWorkflow ? '1' : '0' },
      },
    );
    return performance.now() - start;
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

function appSynthOnceMs(withoutWorkflow: boolean): number {
  const restore = withoutWorkflow ? removeReleaseWorkflow() : () => undefined;
  try {
    const start = performance.now();
    const app = new App();
    new DemoStack(app, 'Demo');
    app.synth();
    return performance.now() - start;
  } finally {
    restore();
  }
}

export function measureCdkSynth(runs = 3): SynthComparison {
  return compare(runs, cdkSynthOnceMs);
}

export function measureAppSynth(runs = 5): SynthComparison {
  appSynthOnceMs(false); // warm-up: the first synth in a process also pays for loading aws-cdk-lib
  appSynthOnceMs(true);
  return compare(runs, appSynthOnceMs);
}
