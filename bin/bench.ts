#!/usr/bin/env node
/**
 * `npm run bench`: measured figures next to their targets; exits 1 if a targeted figure is missed.
 * Rehearsal figures use the virtual clock (deterministic); bundle sizes, import and synth times
 * are wall clock on this machine.
 */
import { performance } from 'perf_hooks';
import { measureBundles, measureSdkFloor } from './bench/bundles';
import { median, standbyCallBudget, verdict } from './bench/figures';
import { measureLargeFleet } from './bench/large-fleet';
import { measureReleaseTiming } from './bench/release-timing';
import { measureRollback } from './bench/rollback';
import { measureAppSynth, measureCdkSynth } from './bench/synth';
import { anyMissed, BenchRow, formatTable, seconds } from './bench/table';
import { AWS_DEFAULT_HEALTH, LARGE_FLEET } from './bench/templates';
import { measureTransitions } from './bench/transitions';
import { isProfileName, type ProfileName } from '../lib/rehearsal/region/profile';
import { demoTemplate, serviceTemplate } from './rehearsal-templates';

const SEEDS = [1, 2, 3, 4, 5];
const BUNDLE_KB_TARGET = 150;
const IMPORT_MS_TARGET = 50;
const TRANSITIONS_TARGET = 300;
const SYNTH_RATIO_TARGET = 1.5;

function progress(text: string): void {
  process.stderr.write(`[bench ${(performance.now() / 1000).toFixed(1)} s] ${text}\n`);
}

/** `--profile typical|harsh` (docs/aws-model.md): the region profile of the rehearsal figures. */
function profileArg(argv: readonly string[]): ProfileName {
  const i = argv.indexOf('--profile');
  if (i < 0) return 'typical';
  const name = argv[i + 1] ?? '';
  if (!isProfileName(name)) throw new Error(`--profile (${name}) must be typical or harsh`);
  return name;
}

async function main(): Promise<number> {
  const profile = profileArg(process.argv.slice(2));
  progress(`region profile: ${profile}`);
  const rows: BenchRow[] = [];
  const notes: string[] = [];

  progress('synthesizing templates');
  const demo = demoTemplate();

  // 1. rollback vs floor
  progress('rollback (5 seeds)');
  const rb = await measureRollback(demo, SEEDS, { profile });
  const rbTarget = 1.2 * rb.floorSeconds;
  rows.push({
    figure: `rollback: decision -> old version serves all (median of ${SEEDS.length})`,
    measured: seconds(rb.seconds),
    target: `<= ${rbTarget.toFixed(1)} s (1.2 x floor ${rb.floorSeconds} s = ExitStandby ${rb.exitStandbySeconds} + registration ${rb.registrationSeconds} + interval ${rb.healthCheckIntervalSeconds}, ${rb.profile} midpoints)`,
    verdict: verdict(rb.seconds, rbTarget),
  });
  notes.push(`rollback per seed: ${rb.perSeed.map((s) => s.toFixed(1)).join(', ')} s`);

  // 2 + 3. release timing at the construct's defaults
  progress('release timing');
  const rt = await measureReleaseTiming(demo, { profile });
  rows.push({
    figure: 'health wait overhead: Swap entered - last new target healthy',
    measured: seconds(rt.overheadSeconds),
    target: `<= ${rt.pollSeconds} s (1 poll interval, POLL_SECONDS)`,
    verdict: verdict(rt.overheadSeconds, rt.pollSeconds),
  });
  notes.push(
    `health wait unavoidable (ScaleUp end -> last new target healthy): ${seconds(rt.unavoidableHealthWaitSeconds)}`,
  );
  const mixTarget = rt.healthCheckIntervalSeconds + 2;
  rows.push({
    figure: 'mixed-version window of a release (first new .. last old, inclusive)',
    measured: seconds(rt.mixedWindowSeconds, 0),
    target: `<= ${mixTarget} s (interval ${rt.healthCheckIntervalSeconds} + 2)`,
    verdict: verdict(rt.mixedWindowSeconds, mixTarget),
  });

  // 4. the same at AWS default health settings: printed, no target
  progress('AWS default health settings');
  const awsTemplate = serviceTemplate(AWS_DEFAULT_HEALTH);
  const rbAws = await measureRollback(awsTemplate, SEEDS, { profile });
  const rtAws = await measureReleaseTiming(awsTemplate, { profile });
  rows.push({
    figure: `[AWS defaults 30 s x5] rollback (median of ${SEEDS.length}; floor ${rbAws.floorSeconds} s)`,
    measured: seconds(rbAws.seconds),
    target: 'none',
    verdict: '-',
  });
  rows.push({
    figure: '[AWS defaults 30 s x5] health wait overhead',
    measured: seconds(rtAws.overheadSeconds),
    target: `none (poll ${rtAws.pollSeconds} s)`,
    verdict: '-',
  });
  rows.push({
    figure: '[AWS defaults 30 s x5] mixed-version window',
    measured: seconds(rtAws.mixedWindowSeconds, 0),
    target: 'none',
    verdict: '-',
  });
  notes.push(
    `[AWS defaults] rollback per seed: ${rbAws.perSeed.map((s) => s.toFixed(1)).join(', ')} s; health wait unavoidable ${seconds(rtAws.unavoidableHealthWaitSeconds)}`,
  );

  // 5. 1,000 instances under throttling
  progress('1,000 instances');
  const large = await measureLargeFleet(serviceTemplate(LARGE_FLEET), 1000, profile);
  const budget = standbyCallBudget(large.instances);
  const okRun =
    large.releaseStatus === 'ABORTED' &&
    large.rollbackStatus === 'SUCCEEDED' &&
    large.violations.length === 0;
  rows.push({
    figure: '[1,000/group, 20% Throttling] release stopped by rollback, rollback succeeds',
    measured: `release ${large.releaseStatus}, rollback ${large.rollbackStatus}, ${large.violations.length} violations`,
    target: 'rollback SUCCEEDED, 0 violations',
    verdict: okRun ? 'ok' : 'MISSED',
  });
  for (const d of [large.enterStandby, large.exitStandby]) {
    rows.push({
      figure: `[1,000/group] ${d.api} successful calls (1 transition)`,
      measured: `${d.successful} (+${d.errorsReturned} throttled, retried)`,
      target: `<= ${budget} (ceil(N/20))`,
      verdict: verdict(d.successful, budget),
    });
  }
  notes.push(
    '[1,000/group] mutating calls of the throttled release + rollback (calls / injected errors):\n' +
      large.mutating
        .map((d) => `    ${d.api.padEnd(48)} ${String(d.calls).padStart(5)} / ${d.errorsInjected}`)
        .join('\n'),
  );
  if (large.violations.length) notes.push(`[1,000/group] violations: ${large.violations.join('; ')}`);

  // 6. transitions with a 10-minute health wait
  progress('transitions, 10-minute health wait');
  const tr = await measureTransitions(demo, 600);
  rows.push({
    figure: `state transitions of a release with a ${Math.round(tr.healthWaitSeconds)} s health wait (${tr.status})`,
    measured: String(tr.transitions),
    target: `<= ${TRANSITIONS_TARGET}`,
    verdict: verdict(tr.transitions, TRANSITIONS_TARGET),
  });
  notes.push(
    `transitions per state (poll ${tr.pollSeconds} s): ${Object.entries(tr.perState)
      .map(([s, n]) => `${s} ${n}`)
      .join(', ')}`,
  );

  // 7. bundles
  progress('bundles');
  for (const b of await measureBundles(5)) {
    const kb = b.bytes / 1024;
    rows.push({
      figure: `bundle lambda/${b.step} (minified)`,
      measured: `${kb.toFixed(1)} KB`,
      target: `<= ${BUNDLE_KB_TARGET} KB`,
      verdict: verdict(kb, BUNDLE_KB_TARGET),
    });
    rows.push({
      figure: `cold import lambda/${b.step} (median of 5)`,
      measured: `${b.importMs.toFixed(1)} ms`,
      target: `<= ${IMPORT_MS_TARGET} ms`,
      verdict: verdict(b.importMs, IMPORT_MS_TARGET),
    });
  }

  const floor = measureSdkFloor(5);
  notes.push(
    `import floor: one SDK v3 client alone (@aws-sdk/client-cloudwatch) ${floor.clientMs.toFixed(1)} ms, ` +
      `@aws-sdk/core alone ${floor.coreMs.toFixed(1)} ms: a step that calls AWS cannot import faster here`,
  );

  // 8. synth, with and without the release workflow
  progress('cdk synth of the example app, with and without the workflow (3 runs each, alternating)');
  const cdkSynth = measureCdkSynth(3);
  const seconds1 = (ms: readonly number[]) => `${(median(ms) / 1000).toFixed(1)} s`;
  rows.push({
    figure: '`cdk synth` of the example app vs the same app without the release workflow',
    measured: `${cdkSynth.ratio.toFixed(2)} x (${seconds1(cdkSynth.withMs)} vs ${seconds1(cdkSynth.withoutMs)})`,
    target: `<= ${SYNTH_RATIO_TARGET} x`,
    verdict: verdict(cdkSynth.ratio, SYNTH_RATIO_TARGET),
  });
  progress('app.synth() of the demo stack in-process (5 runs each after a warm-up)');
  const appSynth = measureAppSynth(5);
  rows.push({
    figure: 'app.synth() of the demo stack alone, warm (construct cost)',
    measured: `${appSynth.ratio.toFixed(2)} x (${seconds1(appSynth.withMs)} vs ${seconds1(appSynth.withoutMs)})`,
    target: 'none',
    verdict: '-',
  });
  const runs = (ms: readonly number[]) => ms.map((m) => (m / 1000).toFixed(1)).join(', ');
  notes.push(
    `cdk synth runs: with the workflow ${runs(cdkSynth.withMs)} s; without ${runs(cdkSynth.withoutMs)} s`,
  );

  console.log(formatTable(rows));
  console.log('');
  for (const note of notes) console.log(note);
  console.log('');
  console.log(
    'anchors: CodeDeploy blue/green reroute ~180 s per traffic step at ALB defaults (docs/aws-model.md);',
  );
  console.log(
    '         Instance Refresh rollback relaunches instances: minutes (boot + warmup + health checks).',
  );
  console.log('rehearsal figures: virtual clock (deterministic); bundle, import and synth: wall clock here.');
  const missed = anyMissed(rows);
  console.log(missed ? 'BENCH: some targets MISSED' : 'BENCH: all targets met');
  return missed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
