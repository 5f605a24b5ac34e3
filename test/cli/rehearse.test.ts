import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AppSource, BlueGreenService } from '../../lib/blue-green-service';
import { DatabaseSource } from '../../lib/database';
import { approvalTemplate, demoTemplate, runMain } from './harness';

/** `bluegreen <argv>` as `npm run bluegreen` runs it: --rehearse defaults to the example app's Demo stack. */
function bluegreen(argv: string[]) {
  return runMain(argv, {
    defaultStacks: () => ({
      where: 'the example app',
      stacks: [{ stackName: 'Demo', file: 'bin/example-stacks.ts', template: demoTemplate }],
    }),
  });
}

/** `bluegreen <argv>` as the installed binary runs it: --rehearse reads `cdk.out` or --rehearse-template. */
function installedBluegreen(argv: string[]) {
  return runMain(argv, {});
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bluegreen-rehearse-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/**
 * A cloud assembly as `cdk synth` writes it: stack Shop with two services (Orders from an
 * artifact bucket, Web the demo app), stack Blog with one.
 */
function synthesizeAssembly(): string {
  const outdir = path.join(work, 'cdk.out');
  const app = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true } });
  const shop = new Stack(app, 'Shop');
  new BlueGreenService(shop, 'Orders', {
    application: AppSource.fromArtifactBucket(new s3.Bucket(shop, 'Releases'), { keyPrefix: 'releases/' }),
    database: DatabaseSource.none(),
  });
  new BlueGreenService(shop, 'Web', { database: DatabaseSource.none() });
  new BlueGreenService(new Stack(app, 'Blog'), 'Blog', { database: DatabaseSource.none() });
  app.synth();
  return outdir;
}

describe('--rehearse: a fresh simulated region per run, prepared with an initial release', () => {
  test('status shows what the rehearsal released first, and says so', async () => {
    const run = await bluegreen(['status', '--rehearse']);
    expect(run.code).toBe(0);
    expect(run.stdout[0]).toBe(
      '# rehearsal: stack Demo in a fresh simulated region (sim-east-1), virtual clock; released 1.0.0 before this command',
    );
    expect(run.stdout).toContain(
      'live     blue  version 1.0.0  (ServiceBlueGroupASG446BF52B)  2 InService  2 healthy',
    );
  });

  test('release --follow --rehearse runs to the end; a stack the template does not hold is refused', async () => {
    const run = await bluegreen([
      'release',
      '1.1.0',
      '--follow',
      '--rehearse',
      '--rehearse-versions',
      '0.9.0',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout[0]).toContain('released 0.9.0 before this command');
    expect(run.stdout.at(-1)).toMatch(/ outcome=released version=1\.1\.0 live=green /);
    const unknown = await bluegreen(['status', '--rehearse', '--stack', 'Shop']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toEqual(['--stack (Shop) is not a stack of the example app: Demo']);
  });

  test('approve --rehearse --rehearse-template FILE: the rehearsal leaves a release waiting at the gate, and the command approves it', async () => {
    const file = path.join(work, 'Gate.template.json');
    fs.writeFileSync(file, JSON.stringify(approvalTemplate()));
    const run = await installedBluegreen(['approve', '--rehearse', '--rehearse-template', file]);
    expect(run.stderr).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout.slice(0, 2)).toEqual([
      '# rehearsal: stack Gate in a fresh simulated region (sim-east-1), virtual clock; released 1.0.0 before this command',
      expect.stringMatching(/^# rehearsal: started release-1\.1\.0-\S+, now waiting for approval$/),
    ]);
    expect(run.stdout[2]).toMatch(/ approval=approved gate=swap version=1\.1\.0 /);
  });

  test('GIVEN a template without outputs THEN the service is found by its tag (stack outputs are optional)', async () => {
    const file = path.join(work, 'Bare.template.json');
    fs.writeFileSync(file, JSON.stringify({ ...demoTemplate(), Outputs: undefined }));
    const run = await installedBluegreen(['status', '--rehearse', '--rehearse-template', file]);
    expect(run.stderr).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout[1]).toMatch(/^service  \S+  \(--state-machine arn:aws:states:sim-east-1:\S+\)$/);
    expect(run.stdout).toContain(
      'live     blue  version 1.0.0  (ServiceBlueGroupASG446BF52B)  2 InService  2 healthy',
    );
  });

  test('--rehearse-profile harsh: the harsh region, and the notice says so', async () => {
    const run = await bluegreen(['status', '--rehearse', '--rehearse-profile', 'harsh']);
    expect(run.stderr).toEqual([]);
    expect(run.stdout[0]).toContain('in a fresh simulated region (sim-east-1, harsh profile)');
  });
});

describe('--rehearse of a cloud assembly (cdk.out)', () => {
  let assembly: string;
  beforeAll(() => {
    assembly = synthesizeAssembly();
  });

  test('GIVEN several services and no --service THEN the refusal lists every service with its stack', async () => {
    const run = await installedBluegreen(['status', '--rehearse', '--rehearse-template', assembly]);
    expect(run.code).toBe(2);
    expect(run.stderr).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${escape(assembly)} holds 3 services, pick one with --stack and --service: ` +
            'ShopOrders\\w+ \\(Orders\\) in stack Shop, ShopWeb\\w+ \\(Web\\) in stack Shop, Blog\\w+ \\(Blog\\) in stack Blog$',
        ),
      ),
    ]);
    const unknown = await installedBluegreen([
      'status',
      '--rehearse',
      '--rehearse-template',
      assembly,
      '--stack',
      'Shop',
      '--service',
      'Cart',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr[0]).toMatch(/^--service \(Cart\) matches none of the services of stack Shop of /);
  });

  test('GIVEN artifact mode and two services in the stack WHEN --service picks one THEN its releases run, artifacts seeded', async () => {
    const run = await installedBluegreen([
      'release',
      '1.1.0',
      '--follow',
      '--rehearse',
      '--rehearse-template',
      assembly,
      '--stack',
      'Shop',
      '--service',
      'Orders',
    ]);
    expect(run.stderr).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout[0]).toMatch(
      /^# rehearsal: stack Shop service ShopOrders\w+ in a fresh simulated region \(sim-east-1\), virtual clock; released 1\.0\.0 before this command$/,
    );
    expect(run.stdout.at(-1)).toMatch(/ outcome=released version=1\.1\.0 live=green /);
  });

  test('GIVEN one service in a stack THEN --stack alone picks it, found by the stack outputs as against AWS', async () => {
    const run = await installedBluegreen([
      'status',
      '--rehearse',
      '--rehearse-template',
      assembly,
      '--stack',
      'Blog',
    ]);
    expect(run.stderr).toEqual([]);
    expect(run.stdout[1]).toMatch(/^service  Blog\w+  \(--stack Blog\)$/);
  });

  test('GIVEN no --rehearse-template THEN cdk.out of the current folder is rehearsed, and its absence is explained', async () => {
    const cwd = process.cwd();
    try {
      process.chdir(work);
      const run = await installedBluegreen(['history', '--rehearse', '--stack', 'Blog']);
      expect(run.stderr).toEqual([]);
      expect(run.stdout[0]).toContain('# rehearsal: stack Blog in a fresh simulated region');
      process.chdir(os.tmpdir());
      const missing = await installedBluegreen(['status', '--rehearse']);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toEqual([
        '--rehearse-template (cdk.out) does not exist: run `npx cdk synth` first, or name a cdk.out folder or a template file',
      ]);
    } finally {
      process.chdir(cwd);
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
