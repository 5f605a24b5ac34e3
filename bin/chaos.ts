#!/usr/bin/env node
/**
 * `npm run chaos`: the chaos search. Random schedules of stops, overlapping releases and
 * rollbacks, instance deaths, scaling and failing calls, each on a fresh rehearsal of the demo
 * stack, then a convergence release; zero violations allowed. `--systematic` tries instead every
 * call of a release: stopped just before it, just after it, and a second execution started at it.
 * Exits 1 on any violation, 2 on a usage error.
 */
import './fresh-handlers';
import * as path from 'path';
import {
  chaosSearch,
  describeCase,
  describeFinding,
  describeOutcome,
  describeViolations,
  generateSchedule,
  keepActions,
  recordRelease,
  runSchedule,
  runSystematicCase,
  shrinkFinding,
  systematicCases,
  violationKinds,
} from '../lib/rehearsal/chaos';
import type { StepHandler } from '../lib/rehearsal/executions';
import { API_HARSHNESS, type ApiHarshness } from '../lib/rehearsal/region/api-harshness';
import { isProfileName, type ProfileName } from '../lib/rehearsal/region/profile';
import { demoTemplate } from './rehearsal-templates';

interface CliOptions {
  schedules: number;
  seed: number;
  replay?: number;
  keep?: number[];
  capacity: number;
  quiet: boolean;
  systematic: boolean;
  shrink: 'first-of-kind' | 'all' | 'none';
  handlers?: string;
  /** The region's API harshness (fields not given: the profile's). */
  api: Partial<ApiHarshness>;
  /** The region's profile: timings, quotas and API harshness (docs/aws-model.md). */
  profile?: ProfileName;
}

const USAGE = `usage: npm run chaos -- [--schedules N] [--seed S] [--capacity N] [--quiet] [--shrink first-of-kind|all|none]
       npm run chaos -- --replay SEED [--keep i,j,...] [--capacity N] [--quiet]
       npm run chaos -- --systematic [--capacity N] [--seed S] [--quiet]
  --handlers DIR   rehearse the step handlers in DIR/<step>/index instead of lambda/
  --profile typical|harsh  the region's profile: timings, quotas, API harshness (docs/aws-model.md)
API harshness (give the same flags to a replay):
  --api typical|harsh          every setting of API_HARSHNESS[name]
  --throttle-rate typical|harsh  the rate limits and account share of API_HARSHNESS[name]
  --throttle-share F           the share of each bucket left to the release, in (0, 1]
  --ambiguous P                probability that a mutating call takes effect and still fails
  --ambiguous-errors LIST      what those calls return: InternalFailure,ServiceUnavailable,TimeoutError
  --stale SECONDS              reads may answer from a view up to this old`;

function parseArgs(argv: string[]): CliOptions {
  const options: CliOptions = {
    schedules: 200,
    seed: 1,
    capacity: 2,
    quiet: false,
    systematic: false,
    shrink: 'first-of-kind',
    api: {},
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    const fraction = (min: number, max: number) => {
      const text = value();
      const n = Number(text);
      if (!(n >= min && n <= max)) throw new UsageError(`${flag} (${text}) must be within [${min}, ${max}]`);
      return n;
    };
    const preset = () => {
      const name = value();
      if (name !== 'typical' && name !== 'harsh')
        throw new UsageError(`${flag} (${name}) must be typical or harsh`);
      return API_HARSHNESS[name];
    };
    const whole = (min: number) => {
      const text = value();
      const n = Number(text);
      if (!Number.isInteger(n) || n < min)
        throw new UsageError(`${flag} (${text}) must be a whole number >= ${min}`);
      return n;
    };
    switch (flag) {
      case '--schedules':
        options.schedules = whole(1);
        break;
      case '--seed':
        options.seed = whole(0);
        break;
      case '--replay':
        options.replay = whole(0);
        break;
      case '--keep': {
        const text = value();
        options.keep = text === 'none' ? [] : text.split(',').map((n) => Number(n));
        if (options.keep.some((n) => !Number.isInteger(n) || n < 0))
          throw new UsageError(`--keep (${text}) must list action indices`);
        break;
      }
      case '--capacity':
        options.capacity = whole(1);
        break;
      case '--quiet':
        options.quiet = true;
        break;
      case '--systematic':
        options.systematic = true;
        break;
      case '--shrink': {
        const mode = value();
        if (mode !== 'first-of-kind' && mode !== 'all' && mode !== 'none')
          throw new UsageError(`--shrink (${mode}) must be first-of-kind, all or none`);
        options.shrink = mode;
        break;
      }
      case '--api':
        options.api = { ...options.api, ...preset() };
        break;
      case '--throttle-rate': {
        const { rateLimits, accountShare } = preset();
        options.api = { ...options.api, rateLimits, accountShare };
        break;
      }
      case '--throttle-share': {
        const share = fraction(0, 1);
        if (share === 0) throw new UsageError('--throttle-share must be above 0');
        options.api = { ...options.api, accountShare: share };
        break;
      }
      case '--ambiguous':
        options.api = { ...options.api, ambiguousFailureProbability: fraction(0, 1) };
        break;
      case '--ambiguous-errors': {
        const text = value();
        const errors = text.split(',');
        const known: readonly string[] = ['InternalFailure', 'ServiceUnavailable', 'TimeoutError'];
        if (errors.some((e) => !known.includes(e)))
          throw new UsageError(`${flag} (${text}) must list ${known.join(', ')}`);
        options.api = { ...options.api, ambiguousErrors: errors as ApiHarshness['ambiguousErrors'] };
        break;
      }
      case '--stale':
        options.api = { ...options.api, staleReadWindowMs: fraction(0, 3600) * 1000 };
        break;
      case '--profile': {
        const name = value();
        if (!isProfileName(name)) throw new UsageError(`--profile (${name}) must be typical or harsh`);
        options.profile = name;
        break;
      }
      case '--handlers':
        options.handlers = path.resolve(value());
        break;
      case '--help':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  if (options.keep && options.replay === undefined) throw new UsageError('--keep needs --replay');
  return options;
}

class UsageError extends Error {}

function handlersFrom(dir: string | undefined): ((step: string) => StepHandler) | undefined {
  if (!dir) return undefined;
  return (step) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(dir, step, 'index'));
    if (typeof mod.handler !== 'function') throw new Error(`${dir}/${step} exports no handler`);
    return mod.handler;
  };
}

const print = (lines: string[]) => process.stdout.write(`${lines.join('\n')}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function search(options: CliOptions): Promise<number> {
  const template = demoTemplate();
  const loadHandler = handlersFrom(options.handlers);
  let done = 0;
  const result = await chaosSearch(template, {
    schedules: options.schedules,
    firstSeed: options.seed,
    capacity: options.capacity,
    loadHandler,
    api: options.api,
    profile: options.profile,
    shrink: options.shrink,
    onSchedule: (outcome) => {
      done += 1;
      if (!options.quiet && (done % 25 === 0 || outcome.violations.length > 0)) {
        print([
          `schedule ${done}/${options.schedules} (seed ${outcome.schedule.seed}): ${outcome.violations.length} violation(s), ${outcome.wallMs} ms`,
        ]);
      }
    },
    onFinding: (finding) => print(describeFinding(finding)),
  });
  const kinds = violationKinds(result.findings.flatMap((f) => f.outcome.violations));
  print([
    '',
    `schedules run: ${result.schedulesRun}`,
    `violating schedules: ${result.findings.length}${result.findings.length ? ` (seeds ${result.findings.map((f) => f.outcome.schedule.seed).join(', ')})` : ''}`,
    `distinct kinds of violation: ${kinds.length}`,
    ...kinds.map((kind) => `  ${kind}`),
    `wall time: ${seconds(result.wallMs)} (schedules ${seconds(result.searchWallMs)}, ${Math.round(result.searchWallMs / result.schedulesRun)} ms each; shrinking the rest)`,
  ]);
  return result.findings.length > 0 ? 1 : 0;
}

async function replay(options: CliOptions, seed: number): Promise<number> {
  const template = demoTemplate();
  const loadHandler = handlersFrom(options.handlers);
  const generated = generateSchedule(seed);
  const schedule = options.keep ? keepActions(generated, options.keep) : generated;
  const log = options.quiet ? undefined : (line: string) => process.stdout.write(`${line}\n`);
  const outcome = await runSchedule(template, schedule, {
    capacity: options.capacity,
    loadHandler,
    log,
    api: options.api,
    profile: options.profile,
  });
  print([
    '',
    `replay of seed ${seed}${options.keep ? ` keeping ${options.keep.join(',') || 'no action'}` : ''}: ${outcome.wallMs} ms`,
    ...describeOutcome(outcome),
  ]);
  if (outcome.violations.length === 0) return 0;
  const finding = await shrinkFinding(template, outcome, {
    capacity: options.capacity,
    loadHandler,
    api: options.api,
    profile: options.profile,
  });
  print(['', ...describeFinding(finding)]);
  return 1;
}

async function systematic(options: CliOptions): Promise<number> {
  const started = Date.now();
  const template = demoTemplate();
  const run = {
    capacity: options.capacity,
    seed: options.seed,
    loadHandler: handlersFrom(options.handlers),
    api: options.api,
    profile: options.profile,
  };
  const calls = await recordRelease(template, run);
  const cases = systematicCases(calls);
  print([
    `systematic: the release v1 → v2 (capacity ${options.capacity}) makes ${calls.length} calls: ${cases.length} cases`,
  ]);
  const failures: string[] = [];
  const allViolations: string[] = [];
  for (const [index, c] of cases.entries()) {
    const outcome = await runSystematicCase(template, c, run);
    if (outcome.violations.length > 0) {
      allViolations.push(...outcome.violations);
      failures.push(describeCase(c));
      print([
        `VIOLATION case ${index}: ${describeCase(c)}`,
        `  executions: ${outcome.executions.join(', ')}`,
        ...describeViolations(outcome.violations),
      ]);
    } else if (!options.quiet && (index + 1) % 50 === 0) {
      print([`case ${index + 1}/${cases.length}`]);
    }
  }
  const kinds = violationKinds(allViolations);
  print([
    '',
    `cases run: ${cases.length}`,
    `violating cases: ${failures.length}`,
    `distinct kinds of violation: ${kinds.length}`,
    ...kinds.map((kind) => `  ${kind}`),
    `wall time: ${seconds(Date.now() - started)}`,
  ]);
  return failures.length > 0 ? 1 : 0;
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  if (options.systematic) return systematic(options);
  if (options.replay !== undefined) return replay(options, options.replay);
  return search(options);
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(
      error instanceof UsageError ? `${error.message}\n${USAGE}` : (error.stack ?? error.message),
    );
    process.exit(2);
  },
);
