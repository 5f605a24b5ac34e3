/**
 * Executes the real lib/boot/boot.sh with bash against a fake IMDSv2, a fake `aws` and a fake
 * `systemctl` (test/boot/fixtures), in a sandbox directory standing in for the instance's root.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bootScript } from '../../lib/boot/user-data';
import {
  FakeImds,
  GROUP_NAME,
  INSTANCE_ID,
  REGION,
  Sandbox,
  freePort,
  httpGet,
  isListening,
  startFakeImds,
} from './harness';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop-db-AbCdEf';
const DB_ENV = {
  BLUEGREEN_DB_ENDPOINT: 'shop.cluster-abc123.eu-west-1.rds.amazonaws.com',
  BLUEGREEN_DB_PORT: '5432',
  BLUEGREEN_DB_SECRET_ARN: SECRET_ARN,
};

let imds: FakeImds;
const sandboxes: Sandbox[] = [];

function sandbox(): Sandbox {
  const created = new Sandbox();
  sandboxes.push(created);
  return created;
}

beforeAll(async () => {
  imds = await startFakeImds();
});

afterAll(async () => {
  await imds.close();
});

afterEach(() => {
  for (const created of sandboxes.splice(0)) created.dispose();
});

/** Asserts the instance was left unhealthy: nothing started, nothing written for an app. */
function expectNothingStarted(box: Sandbox): void {
  expect(box.calls('systemctl')).toEqual([]);
  expect(box.exists('etc/bluegreen/version')).toBe(false);
  expect(box.exists('etc/bluegreen/app.env')).toBe(false);
  expect(box.exists('etc/systemd/system/bluegreen-app.service')).toBe(false);
  expect(box.exists('var/lib/bluegreen/boot-failed')).toBe(true);
}

describe('demo mode with the version tag on the group', () => {
  test('reads the version through IMDSv2 and the group, writes it and serves it on the port', async () => {
    // GIVEN
    const box = sandbox();
    const port = await freePort();
    // An IMDS of its own: concurrent tests would add their requests to a shared one's log.
    const ownImds = await startFakeImds();

    // WHEN
    const result = await box
      .run(ownImds, { BLUEGREEN_APP_PORT: String(port), ...DB_ENV })
      .finally(() => ownImds.close());

    // THEN the script succeeded and recorded the version
    expect(result.stderr).toContain(`group ${GROUP_NAME} runs version v1.2.3`);
    expect(result.code).toBe(0);
    expect(box.read('etc/bluegreen/version')).toBe('v1.2.3\n');
    expect(box.exists('var/lib/bluegreen/boot-failed')).toBe(false);

    // the metadata came from IMDSv2: a token PUT, then GETs carrying that token
    const requests = ownImds.requests;
    expect(requests.map((request) => `${request.method} ${request.url} ${request.status}`)).toEqual([
      'PUT /latest/api/token 200',
      'GET /latest/meta-data/instance-id 200',
      'GET /latest/meta-data/placement/region 200',
    ]);
    expect(requests[0].ttlHeader).toBe('21600');
    expect(requests[1].tokenHeader).toMatch(/^token-\d+$/);

    // the group, not the instance's own tags, named the version
    expect(box.calls('aws').map((call) => call.args)).toEqual([
      [
        'autoscaling',
        'describe-auto-scaling-instances',
        '--region',
        REGION,
        '--instance-ids',
        INSTANCE_ID,
        '--query',
        'AutoScalingInstances[0].AutoScalingGroupName',
        '--output',
        'text',
      ],
      [
        'autoscaling',
        'describe-auto-scaling-groups',
        '--region',
        REGION,
        '--auto-scaling-group-names',
        GROUP_NAME,
        '--query',
        "AutoScalingGroups[0].Tags[?Key=='bluegreen:version'].Value | [0]",
        '--output',
        'json',
      ],
    ]);

    // the app runs as a systemd service with the documented environment
    expect(box.calls('systemctl').map((call) => call.args.join(' '))).toEqual([
      'daemon-reload',
      'enable bluegreen-app.service',
      'restart bluegreen-app.service',
    ]);
    expect(box.read('etc/bluegreen/app.env')).toBe(
      [
        'APP_VERSION=v1.2.3',
        'APP_COLOUR=blue',
        `APP_PORT=${port}`,
        `PORT=${port}`,
        'HEALTH_PATH=/health',
        `DB_ENDPOINT=${DB_ENV.BLUEGREEN_DB_ENDPOINT}`,
        'DB_PORT=5432',
        `DB_SECRET_ARN=${SECRET_ARN}`,
        `AWS_REGION=${REGION}`,
        '',
      ].join('\n'),
    );
    const unit = box.read('etc/systemd/system/bluegreen-app.service');
    // python3 as found on PATH at boot (/usr/bin/python3 on Amazon Linux 2023)
    expect(unit).toMatch(new RegExp(`\\nExecStart=/\\S+/python3 ${escapeRegExp(box.home)}/demo-app\\.py\\n`));
    expect(unit).toContain(`EnvironmentFile=${box.rootPath('etc/bluegreen/app.env')}\n`);
    expect(unit).toContain('DynamicUser=yes\n');
    expect(unit).toContain('WantedBy=multi-user.target\n');

    // and the demo app answers the health check and reports version, colour and hostname
    const health = await httpGet(port, '/health');
    expect(health.status).toBe(200);
    const page = await httpGet(port, '/');
    expect(page.status).toBe(200);
    expect(page.contentType).toContain('application/json');
    expect(JSON.parse(page.body)).toEqual({ version: 'v1.2.3', colour: 'blue', hostname: os.hostname() });
    expect((await httpGet(port, '/nope')).status).toBe(404);
  });

  test('the comment-stripped boot.sh shipped in user-data behaves the same', async () => {
    const box = sandbox();
    const port = await freePort();
    const shipped = path.join(box.dir, 'shipped-boot.sh');
    fs.writeFileSync(shipped, bootScript());

    const result = await box.run(
      imds,
      { BLUEGREEN_APP_PORT: String(port), BLUEGREEN_COLOUR: 'green' },
      shipped,
    );

    expect(result.code).toBe(0);
    expect(box.read('etc/bluegreen/version')).toBe('v1.2.3\n');
    expect(JSON.parse((await httpGet(port, '/')).body)).toMatchObject({ version: 'v1.2.3', colour: 'green' });
  });
});

describe('tag lag and transient errors', () => {
  test('keeps retrying with backoff until the group and its tag appear, then starts that version', async () => {
    const box = sandbox();
    box.setAws({ groupVisibleFromCall: 2, versionTag: { value: 'release-42', visibleFromCall: 3 } });

    fs.writeFileSync(
      path.join(box.home, 'user-commands.sh'),
      'printf "%s" "$APP_VERSION" > "$FAKE_STATE/started"\n',
    );

    const retried = await box.run(imds, { BLUEGREEN_APP_MODE: 'commands' });

    expect(retried.code).toBe(0);
    const operations = box.calls('aws').map((call) => call.args[1]);
    expect(operations).toEqual([
      'describe-auto-scaling-instances', // not yet in the group
      'describe-auto-scaling-instances',
      'describe-auto-scaling-groups', // no tag yet
      'describe-auto-scaling-instances',
      'describe-auto-scaling-groups', // no tag yet
      'describe-auto-scaling-instances',
      'describe-auto-scaling-groups', // tag
    ]);
    expect(fs.readFileSync(path.join(box.state, 'started'), 'utf8')).toBe('release-42');
    expect(box.read('etc/bluegreen/version')).toBe('release-42\n');
    // backoff 50 + 100 + 200 ms between the four attempts
    expect(retried.elapsedMs).toBeGreaterThanOrEqual(350);
    const log = box.read('var/log/bluegreen-boot.log');
    expect(log).toContain(`attempt 1: instance ${INSTANCE_ID} is not (yet) known to Auto Scaling; retrying`);
    expect(log).toContain(`attempt 2: group ${GROUP_NAME} has no bluegreen:version tag (yet); retrying`);
  });

  test('retries a throttled describe-auto-scaling-groups', async () => {
    const box = sandbox();
    box.setAws({ throttledCalls: 2, versionTag: { value: 'v7' } });
    const port = await freePort();

    const result = await box.run(imds, { BLUEGREEN_APP_PORT: String(port) });

    expect(result.code).toBe(0);
    expect(box.read('etc/bluegreen/version')).toBe('v7\n');
    expect(box.read('var/log/bluegreen-boot.log')).toContain('describe-auto-scaling-groups failed');
    expect(box.calls('aws').filter((call) => call.args[1] === 'describe-auto-scaling-groups')).toHaveLength(
      3,
    );
  });
});

describe('no valid version by the deadline', () => {
  test('a group without the tag: logs why, writes the marker, starts nothing, exits non-zero', async () => {
    const box = sandbox();
    box.setAws({});
    const port = await freePort();

    const result = await box.run(imds, {
      BLUEGREEN_APP_PORT: String(port),
      BLUEGREEN_VERSION_WAIT_SECONDS: '1',
    });

    expect(result.code).toBe(1);
    expectNothingStarted(box);
    expect(await isListening(port)).toBe(false);
    const why = `group ${GROUP_NAME} has no bluegreen:version tag (yet)`;
    expect(box.read('var/lib/bluegreen/boot-failed')).toMatch(
      new RegExp(`^no valid version after \\d+ attempts in 1s; last: ${escapeRegExp(why)}; starting nothing`),
    );
    expect(box.read('var/log/bluegreen-boot.log')).toContain(`FAILED: no valid version after`);
    expect(result.stderr).toContain(why);
    const logged = box.calls('logger').map((call) => call.args.join(' '));
    expect(
      logged.some(
        (line) => line.startsWith('-t bluegreen-boot -- FAILED: no valid version') && line.includes(why),
      ),
    ).toBe(true);
    // it kept trying for the whole second, with backoff
    expect(result.elapsedMs).toBeGreaterThanOrEqual(1000);
    expect(
      box.calls('aws').filter((call) => call.args[1] === 'describe-auto-scaling-groups').length,
    ).toBeGreaterThan(2);
  });

  test('an unreachable IMDS fails the same way', async () => {
    const box = sandbox();
    const port = await freePort();

    const result = await box.run(imds, {
      BLUEGREEN_IMDS_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
      BLUEGREEN_APP_PORT: String(port),
      BLUEGREEN_VERSION_WAIT_SECONDS: '1',
    });

    expect(result.code).toBe(1);
    expectNothingStarted(box);
    expect(box.read('var/lib/bluegreen/boot-failed')).toContain('IMDSv2 token request failed');
    expect(box.calls('aws')).toEqual([]);
  });
});

describe('hostile or malformed tag values never run', () => {
  // Each payload, if it were ever evaluated, would create PWNED or delete VICTIM inside the sandbox.
  const payloads: Array<[string, string, boolean]> = [
    ['a command after a valid prefix', 'v1; rm -rf VICTIM', false],
    ['command substitution', '$(touch PWNED)', false],
    ['backticks', '`touch PWNED`', false],
    ['an empty string', '', false],
    ['300 characters', 'a'.repeat(300), false],
    ['a path traversal', '../../etc', false],
    ['an escaped newline (CLI JSON)', 'v1\n$(touch PWNED)', false],
    ['a raw newline (not JSON)', 'v1\n$(touch PWNED)', true],
    ['a trailing newline', 'v1.2.3\n', false],
    ['an option', '--help', false],
    ['a glob', 'v*', false],
    ['a pipe', 'v1|touch PWNED', false],
    ['JSON quotes', 'v1" && touch PWNED && echo "', false],
  ];

  // Concurrent (each waits out its 1 s deadline), so each test owns and disposes its sandbox.
  test.concurrent.each(payloads)('%s', async (_name, template, raw) => {
    const box = new Sandbox();
    try {
      const victim = path.join(box.dir, 'victim');
      const pwned = path.join(box.dir, 'pwned');
      fs.mkdirSync(victim);
      fs.writeFileSync(path.join(victim, 'keep'), 'keep');
      const value = template.replace('VICTIM', victim).replace('PWNED', pwned);
      box.setAws({ versionTag: { value, raw } });

      const result = await box.run(imds, {
        BLUEGREEN_VERSION_WAIT_SECONDS: '1',
        BLUEGREEN_RETRY_BASE_SECONDS: '0.2',
      });

      expect(result.code).toBe(1);
      expectNothingStarted(box);
      expect(fs.existsSync(pwned)).toBe(false);
      expect(fs.existsSync(path.join(victim, 'keep'))).toBe(true);
      const marker = box.read('var/lib/bluegreen/boot-failed');
      expect(marker).toContain(
        raw ? 'unexpected describe-auto-scaling-groups answer' : 'which does not match',
      );
      // the value is shown escaped, on one line
      expect(marker.trimEnd().split('\n')).toHaveLength(1);
      expect(fs.readdirSync(box.home)).toEqual(['demo-app.py']);
    } finally {
      box.dispose();
    }
  });
});

describe('artifact mode', () => {
  function buildArtifact(box: Sandbox, key: string, format: 'tar.gz' | 'zip'): void {
    const source = path.join(box.dir, 'artifact-source');
    fs.mkdirSync(path.join(source, 'bin'), { recursive: true });
    // start.sh as the contract describes it: run from the unpacked directory, in the foreground
    fs.writeFileSync(
      path.join(source, 'start.sh'),
      '#!/bin/bash\npwd > "$FAKE_STATE/artifact-pwd"\nenv | sort > "$FAKE_STATE/artifact-env"\n',
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(source, 'bin/app.txt'), 'payload');
    const object = path.join(box.s3, key);
    fs.mkdirSync(path.dirname(object), { recursive: true });
    if (format === 'zip') {
      execFileSync('zip', ['-q', '-r', object, '.'], { cwd: source });
    } else {
      execFileSync('tar', ['-czf', object, '-C', source, '.']);
    }
  }

  const artifactEnv = {
    BLUEGREEN_APP_MODE: 'artifact',
    BLUEGREEN_ARTIFACT_BUCKET: 'shop-artifacts',
    BLUEGREEN_ARTIFACT_PREFIX: 'releases/shop-',
    BLUEGREEN_ARTIFACT_EXTENSION: 'tar.gz',
    ...DB_ENV,
  };

  test('downloads s3://bucket/<prefix><version>.tar.gz, unpacks it and runs its start.sh', async () => {
    const box = sandbox();
    box.setAws({ versionTag: { value: 'v2.0.1' } });
    buildArtifact(box, 'shop-artifacts/releases/shop-v2.0.1.tar.gz', 'tar.gz');

    const result = await box.run(imds, artifactEnv);

    expect(result.code).toBe(0);
    const copy = box.calls('aws').find((call) => call.args[0] === 's3');
    expect(copy?.args).toEqual([
      's3',
      'cp',
      '--region',
      REGION,
      '--only-show-errors',
      's3://shop-artifacts/releases/shop-v2.0.1.tar.gz',
      `${box.home}/downloads/v2.0.1.tar.gz`,
    ]);
    const release = `${box.home}/releases/v2.0.1`;
    expect(fs.readFileSync(path.join(release, 'bin/app.txt'), 'utf8')).toBe('payload');
    const unit = box.read('etc/systemd/system/bluegreen-app.service');
    expect(unit).toContain(`ExecStart=${release}/start.sh\n`);
    expect(unit).toContain(`WorkingDirectory=${release}\n`);
    expect(unit).not.toContain('DynamicUser');
    expect((await box.waitForStateFile('artifact-pwd')).trim()).toBe(release);
    const env = await box.waitForStateFile('artifact-env');
    for (const line of [
      'APP_VERSION=v2.0.1',
      'APP_COLOUR=blue',
      'APP_PORT=8080',
      'HEALTH_PATH=/health',
      `DB_SECRET_ARN=${SECRET_ARN}`,
      'DB_PORT=5432',
      `AWS_REGION=${REGION}`,
    ]) {
      expect(env.split('\n')).toContain(line);
    }
  });

  test('unpacks a zip artifact', async () => {
    const box = sandbox();
    box.setAws({ versionTag: { value: 'v3' } });
    buildArtifact(box, 'shop-artifacts/releases/shop-v3.zip', 'zip');

    const result = await box.run(imds, { ...artifactEnv, BLUEGREEN_ARTIFACT_EXTENSION: 'zip' });

    expect(result.code).toBe(0);
    expect(box.calls('aws').find((call) => call.args[0] === 's3')?.args).toContain(
      's3://shop-artifacts/releases/shop-v3.zip',
    );
    expect(await box.waitForStateFile('artifact-env')).toContain('APP_VERSION=v3\n');
  });

  test('a missing artifact fails visibly and starts nothing', async () => {
    const box = sandbox();
    box.setAws({ versionTag: { value: 'v9' } });

    const result = await box.run(imds, artifactEnv);

    expect(result.code).toBe(1);
    expect(box.calls('systemctl')).toEqual([]);
    expect(box.read('var/lib/bluegreen/boot-failed')).toContain(
      'could not download s3://shop-artifacts/releases/shop-v9.tar.gz',
    );
  });
});

describe('commands mode', () => {
  test('runs the user commands once with the app environment', async () => {
    const box = sandbox();
    box.setAws({ versionTag: { value: '2024.06.01-1' } });
    fs.writeFileSync(
      path.join(box.home, 'user-commands.sh'),
      'set -eu\npwd > "$FAKE_STATE/commands-pwd"\nenv | sort > "$FAKE_STATE/commands-env"\n',
    );

    const result = await box.run(imds, {
      BLUEGREEN_APP_MODE: 'commands',
      BLUEGREEN_COLOUR: 'green',
      ...DB_ENV,
    });

    expect(result.code).toBe(0);
    expect(box.calls('systemctl')).toEqual([]);
    expect(fs.readFileSync(path.join(box.state, 'commands-pwd'), 'utf8').trim()).toBe(box.home);
    const env = fs.readFileSync(path.join(box.state, 'commands-env'), 'utf8').split('\n');
    for (const line of [
      'APP_VERSION=2024.06.01-1',
      'APP_COLOUR=green',
      'APP_PORT=8080',
      'PORT=8080',
      'HEALTH_PATH=/health',
      `DB_ENDPOINT=${DB_ENV.BLUEGREEN_DB_ENDPOINT}`,
      'DB_PORT=5432',
      `DB_SECRET_ARN=${SECRET_ARN}`,
      `AWS_REGION=${REGION}`,
    ]) {
      expect(env).toContain(line);
    }
  });

  test('failing user commands fail the boot', async () => {
    const box = sandbox();
    fs.writeFileSync(path.join(box.home, 'user-commands.sh'), 'exit 3\n');

    const result = await box.run(imds, { BLUEGREEN_APP_MODE: 'commands' });

    expect(result.code).toBe(1);
    expect(box.read('var/lib/bluegreen/boot-failed')).toContain('user-commands.sh failed (exit 3)');
  });
});

describe('unexpected failures', () => {
  test('a failing systemctl fails the boot visibly (ERR trap), naming the line', async () => {
    const box = sandbox();

    const result = await box.run(imds, { FAKE_SYSTEMCTL_FAIL: 'restart' });

    expect(result.code).toBe(1);
    expect(box.read('var/lib/bluegreen/boot-failed')).toMatch(
      /^command failed \(exit 1\) at line \d+ of boot\.sh/,
    );
    expect(result.stderr).toContain('Failed to restart bluegreen-app.service: fake failure');
  });
});

describe('configuration', () => {
  test('refuses a bad configuration before any call, naming every problem', async () => {
    const box = sandbox();

    const result = await box.run(imds, {
      BLUEGREEN_COLOUR: 'purple',
      BLUEGREEN_APP_PORT: '70000',
      BLUEGREEN_HEALTH_PATH: "/it's",
      BLUEGREEN_DB_ENDPOINT: 'db host',
      BLUEGREEN_APP_MODE: 'artifact',
      BLUEGREEN_ARTIFACT_BUCKET: 'Bad_Bucket',
      BLUEGREEN_ARTIFACT_EXTENSION: 'rar',
    });

    expect(result.code).toBe(1);
    expect(box.calls('aws')).toEqual([]);
    const marker = box.read('var/lib/bluegreen/boot-failed');
    expect(marker).toContain('BLUEGREEN_COLOUR (purple) must be blue or green; BLUEGREEN_APP_PORT (70000)');
    for (const name of [
      'BLUEGREEN_COLOUR (purple)',
      'BLUEGREEN_APP_PORT (70000)',
      "BLUEGREEN_HEALTH_PATH (/it\\'s)",
      'BLUEGREEN_DB_ENDPOINT (db\\ host)',
      'BLUEGREEN_ARTIFACT_BUCKET (Bad_Bucket)',
      'BLUEGREEN_ARTIFACT_EXTENSION (rar)',
    ]) {
      expect(marker).toContain(name);
    }
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
