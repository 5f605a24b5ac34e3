import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { approvalTemplate, demoTemplate, runMain } from './harness';

/** `bluegreen <argv>` as the binary runs it: the default environment, a fresh rehearsal with --rehearse. */
function bluegreen(argv: string[]) {
  return runMain(argv, { exampleTemplate: demoTemplate });
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

  test("release --follow --rehearse runs to the end; an unknown stack is refused in CloudFormation's words", async () => {
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
    expect(unknown.stderr).toEqual(['--stack (Shop): Stack with id Shop does not exist']);
  });

  test('approve --rehearse --template: the rehearsal leaves a release waiting at the gate, and the command approves it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bluegreen-'));
    const file = path.join(dir, 'Shop.template.json');
    fs.writeFileSync(file, JSON.stringify(approvalTemplate()));
    const run = await bluegreen(['approve', '--rehearse', '--template', file, '--stack', 'Shop']);
    expect(run.stderr).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout.slice(0, 2)).toEqual([
      '# rehearsal: stack Shop in a fresh simulated region (sim-east-1), virtual clock; released 1.0.0 before this command',
      expect.stringMatching(/^# rehearsal: started release-1\.1\.0-\S+, now waiting for approval$/),
    ]);
    expect(run.stdout[2]).toMatch(/ approval=approved gate=swap version=1\.1\.0 /);
    fs.rmSync(dir, { recursive: true });
  });
});
