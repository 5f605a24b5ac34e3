#!/usr/bin/env node
/**
 * `npm run consumer-check` (run by .ci/run): the package as a consumer gets it. Builds and packs
 * it, installs the tarball into a copy of test/consumer-fixture (a small CDK app on the lowest
 * supported aws-cdk-lib), then checks, timing each step:
 * - the construct-only install: no engine warning, none of the optional peers, the package count;
 * - strict `tsc` of the app (classic `node` and `node16` module resolution, libraries checked too)
 *   and of the README's minimal example;
 * - without the optional peers, `cdk-blue-green-ec2/rehearsal` and `bluegreen` name what to install;
 * - an offline `cdk synth` (the CDK CLI of this repository): every handler's code is the shipped
 *   bundle, with the asset hash computed here by another aws-cdk-lib version;
 * - with the optional peers installed: two rehearsed releases (`cdk-blue-green-ec2/rehearsal`),
 *   and through the installed `bluegreen` binary, rehearsals of the synthesized templates: the
 *   fixture's stack of two services (one picked with --service, in artifact mode; none picked is
 *   refused with the list) and the README's minimal example.
 * `--skip-build` packs the current dist; `--keep` leaves the work folder for a look.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { OPTIONAL_PEERS } from '../lib/optional-peers';
import { expectedBundleKeys, lambdaCodeKeys } from './consumer/asset-hashes';
import { readmeExample } from './consumer/readme-example';
import { run } from './consumer/run';
import { BUNDLES_DIR, REPO_ROOT } from './handlers/layout';

const FIXTURE = path.join(REPO_ROOT, 'test', 'consumer-fixture');
const FIXTURE_FILES = fs.readdirSync(FIXTURE).filter((name) => /\.(ts|json)$/.test(name));
const CDK = path.join(REPO_ROOT, 'node_modules', '.bin', 'cdk');
const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=warn'];
/** The CLI offline: no notices, no telemetry, no version check. */
const OFFLINE_ENV = { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', CDK_DISABLE_VERSION_CHECK: 'true' };

/** Where the README's minimal example is synthesized, beside the fixture's own `cdk.out`. */
const README_ASSEMBLY = 'cdk.readme.out';
/** The installed CLI, as a user runs it. */
const BLUEGREEN = path.join('node_modules', '.bin', 'bluegreen');

const args = process.argv.slice(2);
const figures: [string, string][] = [];
const started = performance.now();

function step<T>(title: string, action: () => T): T {
  const t = performance.now();
  process.stderr.write(`[consumer-check] ${title}\n`);
  const result = action();
  figures.push([title, `${((performance.now() - t) / 1000).toFixed(1)} s`]);
  return result;
}

function expect(condition: boolean, message: string): void {
  if (!condition) throw new Error(`consumer check failed: ${message}`);
}

function main(): void {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'consumer-check-'));
  const app = path.join(work, 'app');
  try {
    if (!args.includes('--skip-build'))
      step('build (tsc + handler bundles)', () => run('npm', ['run', 'build'], { cwd: REPO_ROOT }));

    const packed = step('npm pack', () => {
      const out = run('npm', ['pack', '--pack-destination', work, '--json', '--loglevel=warn'], {
        cwd: REPO_ROOT,
      });
      return (
        JSON.parse(out.stdout) as {
          filename: string;
          size: number;
          unpackedSize: number;
          entryCount: number;
        }[]
      )[0];
    });
    figures.push([
      'packed',
      `${(packed.size / 1024).toFixed(1)} KB, unpacked ${(packed.unpackedSize / 1024).toFixed(1)} KB, ${packed.entryCount} files`,
    ]);

    fs.mkdirSync(app);
    for (const file of FIXTURE_FILES) fs.copyFileSync(path.join(FIXTURE, file), path.join(app, file));
    fs.copyFileSync(path.join(work, packed.filename), path.join(app, 'cdk-blue-green-ec2.tgz'));
    fs.writeFileSync(path.join(app, 'readme-example.ts'), readmeExample(path.join(REPO_ROOT, 'README.md')));

    const install = step('npm install (construct only)', () =>
      run('npm', ['install', ...NPM_QUIET], { cwd: app }),
    );
    expect(
      !/EBADENGINE/.test(install.stderr + install.stdout),
      `engine warning on install:\n${install.stderr}`,
    );
    const optional = Object.values(OPTIONAL_PEERS).flatMap((peers) => Object.keys(peers));
    for (const name of [...optional, 'esbuild']) {
      expect(
        !fs.existsSync(path.join(app, 'node_modules', name)),
        `${name} was installed with the constructs`,
      );
    }
    const listed = run('npm', ['ls', '--omit=dev', '--all'], { cwd: app }).stdout.trim().split('\n');
    figures.push(['construct-only install: `npm ls --omit=dev --all` lines', String(listed.length)]);

    step('tsc, strict, libraries checked (module resolution node)', () =>
      run('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: app }),
    );
    step('tsc --noEmit, strict, libraries checked (module resolution node16: the exports map)', () =>
      run('npx', ['tsc', '-p', 'tsconfig.node16.json'], { cwd: app }),
    );

    step("tsc, strict: the README's minimal example", () =>
      run('npx', ['tsc', '-p', 'tsconfig.readme.json'], { cwd: app }),
    );

    step('entry points without the optional peers name what to install', () => {
      const rehearsal = run('node', ['-e', "require('cdk-blue-green-ec2/rehearsal')"], {
        cwd: app,
        allowFailure: true,
      });
      expect(
        rehearsal.code !== 0 && /npm install --save-dev .*aws-local-stepfunctions@/.test(rehearsal.stderr),
        `rehearsal: ${rehearsal.stderr}`,
      );
      const cli = run(path.join('node_modules', '.bin', 'bluegreen'), ['status'], {
        cwd: app,
        allowFailure: true,
      });
      expect(
        cli.code === 2 && cli.stderr.includes('npm install --save-dev @aws-sdk/client-auto-scaling'),
        `bluegreen: ${cli.stderr}`,
      );
    });

    step('cdk synth (offline, the CDK CLI of this repository)', () =>
      run(CDK, ['synth', '--app', 'node build/app.js', '--output', 'cdk.out', '--quiet', '--no-notices'], {
        cwd: app,
        env: OFFLINE_ENV,
      }),
    );
    step("cdk synth of the README's minimal example (offline)", () =>
      run(
        CDK,
        [
          'synth',
          '--app',
          'node build/readme-example.js',
          '--output',
          README_ASSEMBLY,
          '--quiet',
          '--no-notices',
        ],
        { cwd: app, env: OFFLINE_ENV },
      ),
    );
    const synthesized = lambdaCodeKeys(path.join(app, 'cdk.out'));
    const shipped = expectedBundleKeys(
      path.join(app, 'node_modules', 'cdk-blue-green-ec2', 'dist', 'assets', 'handlers'),
    );
    expect(
      JSON.stringify(shipped) === JSON.stringify(expectedBundleKeys(BUNDLES_DIR)),
      'the installed bundles differ from the built ones',
    );
    for (const [handler, key] of Object.entries(shipped)) {
      expect(synthesized.includes(key), `the ${handler} function's code is not the shipped bundle (${key})`);
    }

    if (!args.includes('--skip-extras')) {
      const specs = [
        ...new Set(
          Object.entries(Object.assign({}, ...Object.values(OPTIONAL_PEERS)) as Record<string, string>).map(
            ([name, range]) => `${name}@${range}`,
          ),
        ),
      ];
      step('npm install the optional peers (CLI and rehearsal)', () =>
        run('npm', ['install', '--no-save', ...NPM_QUIET, ...specs], { cwd: app }),
      );
      step('tsc, strict: cdk-blue-green-ec2/rehearsal and /cli', () =>
        run('npx', ['tsc', '-p', 'tsconfig.extras.json'], { cwd: app }),
      );
      const rehearsed = step(
        'two rehearsed releases of a consumer stack (cdk-blue-green-ec2/rehearsal)',
        () => run('node', ['build/rehearse.js'], { cwd: app }),
      );
      figures.push(['rehearsal', rehearsed.stdout.trim()]);
      step('bluegreen status --rehearse (cdk-blue-green-ec2/cli)', () => {
        const status = run('node', ['build/cli.js'], { cwd: app });
        expect(/^live\s+blue\s+version 1\.0\.0/m.test(status.stdout), `status: ${status.stdout}`);
      });
      rehearseThroughTheBinary(app);
    }

    figures.push(['total', `${((performance.now() - started) / 1000).toFixed(1)} s`]);
    console.log('consumer check passed');
    for (const [figure, value] of figures) console.log(`  ${figure.padEnd(84)} ${value}`);
  } finally {
    if (args.includes('--keep')) console.log(`work folder kept: ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * `bluegreen … --rehearse` of the synthesized templates through the installed binary: the
 * fixture's Shop stack holds two services, so a rehearsal without --service is refused with the
 * list; the artifact-mode one, picked by construct path, releases (its artifacts seeded); the
 * README's minimal example (artifact mode, an approval gate) releases too.
 */
function rehearseThroughTheBinary(app: string): void {
  step('bluegreen status --rehearse, two services and no --service: refused, listed', () => {
    const refused = run(BLUEGREEN, ['status', '--rehearse', '--stack', 'Shop'], {
      cwd: app,
      allowFailure: true,
    });
    expect(
      refused.code === 2 &&
        /holds 2 services, pick one with --service: .*\(Admin\).*\(Shop\)/.test(refused.stderr),
      `refusal: ${refused.code} ${refused.stderr}`,
    );
  });
  step('bluegreen release --follow --rehearse --service Shop (cdk.out; artifact mode)', () => {
    const release = run(
      BLUEGREEN,
      ['release', '1.1.0', '--follow', '--rehearse', '--stack', 'Shop', '--service', 'Shop'],
      { cwd: app },
    );
    expect(
      / outcome=released version=1\.1\.0 live=green /.test(release.stdout),
      `release: ${release.stdout}${release.stderr}`,
    );
  });
  step('bluegreen release --follow --rehearse --service Admin (pre-traffic validation)', () => {
    const release = run(
      BLUEGREEN,
      ['release', '1.1.0', '--follow', '--rehearse', '--stack', 'Shop', '--service', 'Admin'],
      { cwd: app },
    );
    expect(
      / outcome=released version=1\.1\.0 live=green /.test(release.stdout),
      `validated release: ${release.stdout}${release.stderr}`,
    );
  });
  step("bluegreen release --follow --rehearse of the README's minimal example", () => {
    const release = run(
      BLUEGREEN,
      ['release', '1.1.0', '--follow', '--rehearse', '--rehearse-template', README_ASSEMBLY],
      { cwd: app },
    );
    expect(
      / outcome=released version=1\.1\.0 live=green /.test(release.stdout),
      `README example: ${release.stdout}${release.stderr}`,
    );
  });
}

try {
  main();
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
