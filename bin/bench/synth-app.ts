/**
 * The example app for `cdk synth --app`, with the release workflow removed when
 * BENCH_WITHOUT_RELEASE_WORKFLOW=1 (bin/bench/without-workflow.ts).
 */
import { removeReleaseWorkflow } from './without-workflow';

if (process.env.BENCH_WITHOUT_RELEASE_WORKFLOW === '1') removeReleaseWorkflow();
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../app');
