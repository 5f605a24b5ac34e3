#!/usr/bin/env node
/**
 * `npm run rehearse`: synthesizes the demo stack (or reads a synthesized template), then runs a
 * release scenario against the simulated region and prints the timeline and a summary. Exits
 * non-zero when an invariant breaks or a scenario check fails.
 */
import './fresh-handlers';
import * as fs from 'fs';
import { isProfileName, type ProfileName } from '../lib/rehearsal/region/profile';
import { Rehearsal, RehearsalOptions } from '../lib/rehearsal/rehearsal';
import { runScenario, SCENARIOS } from '../lib/rehearsal/scenarios';
import { demoTemplate } from './rehearsal-templates';

interface CliOptions {
  scenario: string;
  versions?: string[];
  capacity?: number;
  template?: string;
  seed?: number;
  profile?: ProfileName;
  quiet: boolean;
}

const USAGE = `usage: npm run rehearse -- [--scenario ${Object.keys(SCENARIOS).join('|')}] [--versions v1,v2,v3,v4]
                          [--capacity N] [--seed N] [--profile typical|harsh]
                          [--template cdk.out/Demo.template.json] [--quiet]`;

function parseArgs(argv: string[]): CliOptions {
  const options: CliOptions = { scenario: 'tour', quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return next;
    };
    const whole = (name: string, text: string) => {
      const n = Number(text);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${name} (${text}) must be a whole number >= 1`);
      return n;
    };
    switch (flag) {
      case '--scenario':
        options.scenario = value();
        if (!SCENARIOS[options.scenario])
          throw new Error(
            `--scenario (${options.scenario}) is not one of ${Object.keys(SCENARIOS).join(', ')}`,
          );
        break;
      case '--versions':
        options.versions = value().split(',');
        break;
      case '--capacity':
        options.capacity = whole('--capacity', value());
        break;
      case '--seed':
        options.seed = whole('--seed', value());
        break;
      case '--profile': {
        const name = value();
        if (!isProfileName(name)) throw new Error(`--profile (${name}) must be typical or harsh`);
        options.profile = name;
        break;
      }
      case '--template':
        options.template = value();
        break;
      case '--quiet':
        options.quiet = true;
        break;
      case '--help':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  return options;
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const rehearsalOptions: RehearsalOptions = {
    seed: options.seed,
    profile: options.profile,
    log: options.quiet ? undefined : (line) => process.stdout.write(`${line}\n`),
  };
  const started = Date.now();
  let rehearsal: Rehearsal;
  if (options.template) {
    rehearsal = Rehearsal.fromTemplate(
      JSON.parse(fs.readFileSync(options.template, 'utf8')),
      rehearsalOptions,
    );
  } else {
    rehearsal = Rehearsal.fromTemplate(demoTemplate(), rehearsalOptions);
  }
  const synthesized = Date.now();
  console.log(
    `Rehearsing scenario "${options.scenario}" on the simulated region (virtual time, profile ${rehearsal.region.profile.name})`,
  );
  const result = await runScenario(options.scenario, SCENARIOS[options.scenario], rehearsal, {
    versions: options.versions,
    capacity: options.capacity,
  });
  const finished = Date.now();

  console.log('\nSummary');
  for (const check of result.checks)
    console.log(
      `  ${check.passed ? 'ok  ' : 'FAIL'} ${check.description}${check.passed ? '' : ` (${check.detail})`}`,
    );
  for (const violation of result.violations) console.log(`  FAIL invariant: ${violation}`);
  for (const [name, value] of Object.entries(result.measurements)) console.log(`  ${name}: ${value}`);
  const virtualSeconds = Math.round((rehearsal.clock.now() - rehearsal.monitor.origin) / 1000);
  console.log(
    `  ${virtualSeconds} s of virtual time in ${((finished - synthesized) / 1000).toFixed(1)} s (synth ${((synthesized - started) / 1000).toFixed(1)} s)`,
  );
  console.log(result.passed ? 'REHEARSAL PASSED' : 'REHEARSAL FAILED');
  return result.passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(2);
  },
);
