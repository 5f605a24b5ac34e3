import { main } from '../../lib/cli/main';
import { awsEnvironment } from '../../lib/cli/environment';
import { cli, released } from './harness';

/** Exit 2 with exactly one line on stderr, nothing on stdout. */
function refused(run: { code: number; stdout: string[]; stderr: string[] }, line: string) {
  expect(run).toEqual({ code: 2, stdout: [], stderr: [line] });
}

describe('bad input: exit 2, one line on stderr naming the flag and the value, nothing changed', () => {
  test('an unknown flag', async () => {
    refused(
      await cli(['release', '1.2.0', '--fast']),
      'unknown flag --fast for "release" (see bluegreen release --help)',
    );
    refused(
      await cli(['status', '--limit', '3']),
      'unknown flag --limit for "status" (see bluegreen status --help)',
    );
  });

  test('an invalid version, refused by the shared version check', async () => {
    refused(
      await cli(['release', 'bad version!']),
      'version ("bad version!") must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$',
    );
    refused(await cli(['release', '-rc1']), 'unknown flag -r for "release" (see bluegreen release --help)');
  });

  test('flag values out of range, a missing command, an unknown command', async () => {
    refused(
      await cli(['release', '1.2.0', '--health-timeout-seconds', '30']),
      '--health-timeout-seconds ("30") must be a whole number between 60 and 86400',
    );
    refused(
      await cli(['history', '--limit', 'ten']),
      '--limit ("ten") must be a whole number between 1 and 1000',
    );
    refused(await cli(['release']), 'release needs a version: bluegreen release <version>');
    refused(
      await cli([]),
      'missing command: bluegreen <release|rollback|status|history|approve|reject> [flags] (see bluegreen --help)',
    );
    refused(
      await cli(['deploy']),
      'unknown command "deploy": expected one of release, rollback, status, history, approve, reject (see bluegreen --help)',
    );
    refused(await cli(['status', '--template', 'x.json']), '--template needs --rehearse');
  });

  test("an unknown stack, in CloudFormation's words", async () => {
    const { env } = await released([]);
    refused(
      await cli(['status', '--stack', 'Nope'], env),
      '--stack (Nope): Stack with id Nope does not exist',
    );
    refused(
      await cli(['release', '1.2.0', '--stack', 'Nope'], env),
      '--stack (Nope): Stack with id Nope does not exist',
    );
  });

  test('a state machine that does not exist, or is not a release workflow', async () => {
    const { env, r } = await released([]);
    const other = r.service.stateMachineArn.replace(/[^:]+$/, 'Other');
    refused(
      await cli(['status', '--state-machine', other], env),
      `--state-machine (${other}): ResourceNotFound: Resource not found: '${other}'`,
    );
    refused(
      await cli(['status', '--state-machine', 'arn:aws:lambda:us-east-1:123456789012:function:x'], env),
      '--state-machine ("arn:aws:lambda:us-east-1:123456789012:function:x") must be a state machine ARN: arn:aws:states:<region>:<account>:stateMachine:<name>',
    );
  });

  test('nothing waiting for approval', async () => {
    const { env, r } = await released(['1.0.0']);
    refused(
      await cli(['approve'], env),
      `nothing waiting for approval: no execution of ${r.service.stateMachineArn} is running`,
    );
    // Running, but in the health wait: not at a gate (this template has none).
    const started = await cli(['release', '1.1.0'], env);
    await r.advance(10);
    const name = /execution=(\S+)/.exec(started.stdout[0])![1];
    refused(
      await cli(['reject', '--reason', 'no'], env),
      `nothing waiting for approval: ${name} is not at an approval gate`,
    );
  });

  describe('no region, no credentials (against AWS, before any call is made)', () => {
    const saved = { ...process.env };
    beforeEach(() => {
      for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
      Object.assign(process.env, {
        AWS_CONFIG_FILE: '/nonexistent/config',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
        AWS_EC2_METADATA_DISABLED: 'true',
      });
    });
    afterEach(() => {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    });

    async function against(argv: string[]) {
      const stdout: string[] = [];
      const stderr: string[] = [];
      const code = await main(
        argv,
        {
          stdout: { write: (t: string) => stdout.push(t.trim()) },
          stderr: { write: (t: string) => stderr.push(t.trim()) },
          isTTY: false,
        },
        { createEnvironment: async (c) => awsEnvironment(c.target.region) },
      );
      return { code, stdout, stderr };
    }

    test('no region', async () => {
      refused(
        await against(['status', '--stack', 'Shop']),
        'no AWS region: pass --region or set AWS_REGION (or try it offline with --rehearse)',
      );
    });

    test('no credentials', async () => {
      refused(
        await against(['status', '--stack', 'Shop', '--region', 'eu-west-1']),
        'no AWS credentials: Could not load credentials from any providers (set AWS_PROFILE or AWS_ACCESS_KEY_ID, or try it offline with --rehearse)',
      );
    });
  });
});
