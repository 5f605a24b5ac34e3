/**
 * Row 8: wall-clock synthesis of the example app's demo stack, Lambda bundling on (part of the
 * cost). The comparison with "the same app without the release workflow" is not measured:
 * BlueGreenService always builds its ReleaseWorkflow and offers no switch to omit it, and
 * rebuilding its parts by hand would measure a different app.
 */
import { App } from 'aws-cdk-lib';
import { performance } from 'perf_hooks';
import { DemoStack } from '../example-stacks';
import { median } from './figures';

export interface SynthFigure {
  readonly medianMs: number;
  readonly runsMs: readonly number[];
}

export function synthDemoOnceMs(): number {
  const start = performance.now();
  const app = new App();
  new DemoStack(app, 'Demo');
  app.synth();
  return performance.now() - start;
}

export function measureSynth(runs = 3): SynthFigure {
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i++) runsMs.push(synthDemoOnceMs());
  return { medianMs: median(runsMs), runsMs };
}
