import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnParameter, Fn, Stack, Token } from 'aws-cdk-lib';
import {
  BootConfig,
  USER_DATA_LIMIT_BYTES,
  bootScript,
  demoAppSource,
  renderUserData,
  shellQuote,
} from '../../lib/boot/user-data';
import { BOOT_SCRIPT } from './harness';

const DEMO: BootConfig = { colour: 'blue', appPort: 8080, healthPath: '/health', mode: 'demo' };

/** The lines between the configuration markers. */
function exportBlock(userData: string): string {
  const begin = userData.indexOf('# BEGIN bluegreen configuration\n');
  const end = userData.indexOf('# END bluegreen configuration\n');
  expect(begin).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(begin);
  return userData.slice(begin, end);
}

/** Runs only the export block with bash and returns the exported BLUEGREEN_* values. */
function evaluateExports(userData: string, cwd: string): Record<string, string> {
  const script = `${exportBlock(userData)}\nfor name in "\${!BLUEGREEN_@}"; do printf '%s\\0%s\\0' "$name" "\${!name}"; done`;
  const output = execFileSync('bash', ['-c', script], {
    cwd,
    env: { PATH: '/usr/bin:/bin' },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).toString();
  const parts = output.split('\0').slice(0, -1);
  const values: Record<string, string> = {};
  for (let i = 0; i < parts.length; i += 2) values[parts[i]] = parts[i + 1];
  return values;
}

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bluegreen-userdata-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('renderUserData', () => {
  test('demo mode: exports the configuration, writes the demo app and boot.sh, runs boot.sh', () => {
    const userData = renderUserData({
      ...DEMO,
      databaseEndpoint: 'db.example.internal',
      databasePort: '5432',
      databaseSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf',
    });

    expect(userData.startsWith('#!/bin/bash\n')).toBe(true);
    expect(exportBlock(userData).split('\n').slice(1, -1)).toEqual([
      "export BLUEGREEN_COLOUR='blue'",
      "export BLUEGREEN_APP_PORT='8080'",
      "export BLUEGREEN_HEALTH_PATH='/health'",
      "export BLUEGREEN_APP_MODE='demo'",
      "export BLUEGREEN_ARTIFACT_BUCKET=''",
      "export BLUEGREEN_ARTIFACT_PREFIX=''",
      "export BLUEGREEN_ARTIFACT_EXTENSION=''",
      "export BLUEGREEN_DB_ENDPOINT='db.example.internal'",
      "export BLUEGREEN_DB_PORT='5432'",
      "export BLUEGREEN_DB_SECRET_ARN='arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf'",
      "export BLUEGREEN_VERSION_WAIT_SECONDS='300'",
    ]);
    expect(userData).toContain(
      `cat > /opt/bluegreen/demo-app.py <<'BLUEGREEN_EOF'\n${demoAppSource()}BLUEGREEN_EOF\n`,
    );
    expect(userData).toContain(
      `cat > /opt/bluegreen/boot.sh <<'BLUEGREEN_EOF'\n${bootScript()}BLUEGREEN_EOF\n`,
    );
    expect(userData.endsWith('\nexec /bin/bash /opt/bluegreen/boot.sh\n')).toBe(true);
    expect(userData).not.toContain('user-commands.sh <<');
    expect(Buffer.byteLength(userData)).toBeLessThan(USER_DATA_LIMIT_BYTES);
    // deterministic, for snapshot tests of the stacks that embed it
    expect(renderUserData({ ...DEMO })).toBe(renderUserData({ ...DEMO }));
  });

  test('the whole user-data is valid bash', () => {
    const file = path.join(tmp, 'user-data.sh');
    fs.writeFileSync(
      file,
      renderUserData({ ...DEMO, mode: 'commands', userCommands: 'systemctl start my-app' }),
    );
    expect(() => execFileSync('bash', ['-n', file], { stdio: ['ignore', 'pipe', 'pipe'] })).not.toThrow();
  });

  test('the exports block round-trips hostile literal values exactly, running none of them', () => {
    const pwned = path.join(tmp, 'pwned');
    const hostile = `it's $(touch ${pwned}) \`touch ${pwned}\` "q" \\ ; touch ${pwned} ''' $HOME`;
    const multiline = `${hostile}\n next line '\n`;
    const config: BootConfig = {
      colour: 'green',
      appPort: 443,
      healthPath: '/healthz',
      mode: 'artifact',
      artifact: { bucketName: 'artifacts', keyPrefix: hostile, extension: 'tgz' },
      databaseEndpoint: `'; touch ${pwned}; '`,
      databaseSecretArn: multiline,
      versionWaitSeconds: 30,
    };

    const values = evaluateExports(renderUserData(config), tmp);

    expect(values).toEqual({
      BLUEGREEN_COLOUR: 'green',
      BLUEGREEN_APP_PORT: '443',
      BLUEGREEN_HEALTH_PATH: '/healthz',
      BLUEGREEN_APP_MODE: 'artifact',
      BLUEGREEN_ARTIFACT_BUCKET: 'artifacts',
      BLUEGREEN_ARTIFACT_PREFIX: hostile,
      BLUEGREEN_ARTIFACT_EXTENSION: 'tgz',
      BLUEGREEN_DB_ENDPOINT: `'; touch ${pwned}; '`,
      BLUEGREEN_DB_PORT: '',
      BLUEGREEN_DB_SECRET_ARN: multiline,
      BLUEGREEN_VERSION_WAIT_SECONDS: '30',
    });
    expect(fs.existsSync(pwned)).toBe(false);
  });

  test('a health path with a single quote is refused at synth (boot.sh would refuse it at boot)', () => {
    expect(() => renderUserData({ ...DEMO, healthPath: "/it's" })).toThrow(
      /healthPath \("\/it's"\) must match/,
    );
  });

  test('shellQuote gives one word for any string', () => {
    for (const value of ["'", "a'b", '', '$(id)', '\n', "''", 'plain']) {
      const output = execFileSync('bash', ['-c', `printf '%s' ${shellQuote(value)}`], {
        stdio: ['ignore', 'pipe', 'pipe'],
      }).toString();
      expect(output).toBe(value);
    }
  });

  test('Tokens stay in place, single-quoted, and resolve to CloudFormation expressions', () => {
    const stack = new Stack();
    const port = new CfnParameter(stack, 'Port', { type: 'Number' }).valueAsNumber;
    const endpoint = Token.asString(Fn.getAtt('Database', 'Endpoint.Address'));
    const secretArn = Token.asString({ Ref: 'DatabaseSecret' });

    const userData = renderUserData({
      ...DEMO,
      appPort: port,
      databaseEndpoint: endpoint,
      databaseSecretArn: secretArn,
    });

    expect(userData).toContain(`export BLUEGREEN_DB_ENDPOINT='${endpoint}'\n`);
    const resolved = stack.resolve(userData) as { 'Fn::Join': [string, unknown[]] };
    const parts = resolved['Fn::Join'][1];
    const around = (expression: unknown): [unknown, unknown] => {
      const index = parts.findIndex((part) => JSON.stringify(part) === JSON.stringify(expression));
      expect(index).toBeGreaterThan(0);
      return [parts[index - 1], parts[index + 1]];
    };
    const [beforePort, afterPort] = around({ Ref: 'Port' });
    expect(beforePort).toMatch(/export BLUEGREEN_APP_PORT='$/);
    expect(afterPort).toMatch(/^'\n/);
    const [beforeEndpoint, afterEndpoint] = around({ 'Fn::GetAtt': ['Database', 'Endpoint.Address'] });
    expect(beforeEndpoint).toMatch(/export BLUEGREEN_DB_ENDPOINT='$/);
    expect(afterEndpoint).toMatch(/^'\n/);
    expect(around({ Ref: 'DatabaseSecret' })[0]).toMatch(/export BLUEGREEN_DB_SECRET_ARN='$/);
  });

  test('commands mode writes the commands verbatim through a heredoc whose delimiter they do not contain', () => {
    const pwned = path.join(tmp, 'pwned');
    const userCommands = `echo "$APP_VERSION" $(touch ${pwned})\nBLUEGREEN_EOF\n'quoted' \\ \${HOME}`;
    const userData = renderUserData({ ...DEMO, mode: 'commands', userCommands });

    const match = /cat > \/opt\/bluegreen\/user-commands\.sh <<'(\w+)'\n[\s\S]*?\n\1\n/.exec(userData);
    expect(match?.[1]).toBe('BLUEGREEN_EOF_1');
    // Run only that heredoc, writing to a temp file instead of /opt/bluegreen.
    const target = path.join(tmp, 'user-commands.sh');
    const heredoc = match![0].replace('/opt/bluegreen/user-commands.sh', shellQuote(target));
    execFileSync('bash', ['-c', heredoc], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(fs.readFileSync(target, 'utf8')).toBe(`${userCommands}\n`);
    expect(fs.existsSync(pwned)).toBe(false);
    expect(userData).not.toContain('demo-app.py <<');
  });

  test('refuses configurations boot.sh would refuse, naming every problem in one error', () => {
    const render = (): string =>
      renderUserData({
        colour: 'red' as BootConfig['colour'],
        appPort: 70000,
        healthPath: 'health',
        mode: 'artifact',
        versionWaitSeconds: -1,
      });
    expect(render).toThrow(
      'Invalid boot configuration: colour ("red") must be blue or green; appPort (70000) must be an integer from 1 to 65535; ' +
        'healthPath ("health") must match ^\\/[A-Za-z0-9._~/@:+&()!,;=%-]{0,1023}$; ' +
        'versionWaitSeconds (-1) must be a whole number of seconds from 0 to 999999; artifact is required when mode is artifact',
    );
    expect(() =>
      renderUserData({
        ...DEMO,
        mode: 'artifact',
        artifact: { bucketName: 'b', keyPrefix: '', extension: 'rar' },
      }),
    ).toThrow('artifact.extension ("rar") must be one of tar.gz, tgz, zip');
    expect(() => renderUserData({ ...DEMO, mode: 'commands', userCommands: '  ' })).toThrow(
      'userCommands is required when mode is commands',
    );
  });

  test('refuses user-data over the EC2 limit', () => {
    expect(() =>
      renderUserData({ ...DEMO, mode: 'commands', userCommands: `# ${'x'.repeat(16000)}` }),
    ).toThrow(/over the EC2 limit of 16384; shorten userCommands/);
  });
});

describe('bootScript', () => {
  test('is boot.sh without its comment lines, and still valid bash', () => {
    const source = fs.readFileSync(BOOT_SCRIPT, 'utf8').split('\n');
    const shipped = bootScript().split('\n');
    expect(shipped[0]).toBe('#!/bin/bash');
    expect(shipped.slice(1).filter((line) => /^\s*#/.test(line))).toEqual([]);
    expect(shipped).toEqual(source.filter((line, index) => index === 0 || !/^\s*#/.test(line)));
    const file = path.join(tmp, 'boot.sh');
    fs.writeFileSync(file, bootScript());
    expect(() => execFileSync('bash', ['-n', file], { stdio: ['ignore', 'pipe', 'pipe'] })).not.toThrow();
  });
});
