import * as fs from 'fs';
import * as path from 'path';
import { Token, Tokenization } from 'aws-cdk-lib';

/** How an instance starts the app once it knows its version (see the header of boot.sh). */
export type AppMode = 'demo' | 'artifact' | 'commands';

export interface BootConfig {
  /** The fleet this user-data is for. */
  readonly colour: 'blue' | 'green';
  /** The port the app listens on and the target group sends traffic to. */
  readonly appPort: number;
  /** The load balancer's health check path. */
  readonly healthPath: string;
  /** How the app is started. */
  readonly mode: AppMode;
  /**
   * Mode `artifact`: the app is `s3://bucketName/keyPrefix<version>.extension`.
   * @default - required in mode `artifact`, ignored otherwise
   */
  readonly artifact?: { readonly bucketName: string; readonly keyPrefix: string; readonly extension: string };
  /**
   * Mode `commands`: a bash script body run once as root with APP_VERSION etc. in its environment.
   * @default - required in mode `commands`, ignored otherwise
   */
  readonly userCommands?: string;
  /** @default - no database: DB_ENDPOINT is empty */
  readonly databaseEndpoint?: string;
  /** @default - no database: DB_PORT is empty */
  readonly databasePort?: string;
  /** The ARN (never the value) of the database secret. @default - no database: DB_SECRET_ARN is empty */
  readonly databaseSecretArn?: string;
  /**
   * How long an instance keeps trying to read a valid version from its group before it gives up
   * and stays unhealthy.
   * @default 300
   */
  readonly versionWaitSeconds?: number;
}

/** Where the user-data writes the boot script, the demo app and the user's commands on the instance. */
export const BOOT_HOME = '/opt/bluegreen';

/** Health check paths boot.sh accepts: the characters an ALB accepts, minus quotes and `$`. */
export const HEALTH_PATH_PATTERN = /^\/[A-Za-z0-9._~/@:+&()!,;=%-]{0,1023}$/;

export const ARTIFACT_EXTENSIONS: readonly string[] = ['tar.gz', 'tgz', 'zip'];

/** EC2 refuses user-data over 16 KB (before base64). */
export const USER_DATA_LIMIT_BYTES = 16384;

const DEFAULT_VERSION_WAIT_SECONDS = 300;

/** The boot script as shipped in user-data: boot.sh without its comment lines (user-data is limited to 16 KB). */
export function bootScript(): string {
  const source = fs.readFileSync(path.join(__dirname, 'boot.sh'), 'utf8');
  return source
    .split('\n')
    .filter((line, index) => index === 0 || !/^\s*#/.test(line))
    .join('\n');
}

/** The demo app as shipped in user-data (mode `demo`). */
export function demoAppSource(): string {
  return fs.readFileSync(path.join(__dirname, 'demo-app.py'), 'utf8');
}

/** One shell word that stands for `value` exactly: single quotes, each `'` written as `'\''`. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The whole user-data text: a bash script that exports the config, writes boot.sh (and the demo
 * app or the user's commands) to {@link BOOT_HOME} and runs boot.sh. Pass it to
 * `ec2.UserData.custom(text)`. Token strings are left in place (single-quoted) for CloudFormation
 * to resolve; literal values that boot.sh would refuse at boot are refused here, all in one error.
 */
export function renderUserData(config: BootConfig): string {
  validate(config);
  const environment: Array<[string, string]> = [
    ['BLUEGREEN_COLOUR', config.colour],
    ['BLUEGREEN_APP_PORT', Tokenization.stringifyNumber(config.appPort)],
    ['BLUEGREEN_HEALTH_PATH', config.healthPath],
    ['BLUEGREEN_APP_MODE', config.mode],
    ['BLUEGREEN_ARTIFACT_BUCKET', config.mode === 'artifact' ? (config.artifact?.bucketName ?? '') : ''],
    ['BLUEGREEN_ARTIFACT_PREFIX', config.mode === 'artifact' ? (config.artifact?.keyPrefix ?? '') : ''],
    ['BLUEGREEN_ARTIFACT_EXTENSION', config.mode === 'artifact' ? (config.artifact?.extension ?? '') : ''],
    ['BLUEGREEN_DB_ENDPOINT', config.databaseEndpoint ?? ''],
    ['BLUEGREEN_DB_PORT', config.databasePort ?? ''],
    ['BLUEGREEN_DB_SECRET_ARN', config.databaseSecretArn ?? ''],
    [
      'BLUEGREEN_VERSION_WAIT_SECONDS',
      Tokenization.stringifyNumber(config.versionWaitSeconds ?? DEFAULT_VERSION_WAIT_SECONDS),
    ],
  ];
  const files: Array<[string, string]> = [];
  if (config.mode === 'demo') files.push([`${BOOT_HOME}/demo-app.py`, demoAppSource()]);
  if (config.mode === 'commands') files.push([`${BOOT_HOME}/user-commands.sh`, config.userCommands ?? '']);
  files.push([`${BOOT_HOME}/boot.sh`, bootScript()]);

  const text = [
    '#!/bin/bash',
    "# cdk-blue-green-ec2: runs the version named by the bluegreen:version tag of this instance's",
    '# Auto Scaling group. Log: /var/log/bluegreen-boot.log; failure marker: /var/lib/bluegreen/boot-failed.',
    'set -euo pipefail',
    'umask 022',
    '# BEGIN bluegreen configuration',
    ...environment.map(([name, value]) => `export ${name}=${shellQuote(value)}`),
    '# END bluegreen configuration',
    `mkdir -p ${BOOT_HOME}`,
    ...files.map(([file, content]) => heredoc(file, content)),
    `exec /bin/bash ${BOOT_HOME}/boot.sh`,
    '',
  ].join('\n');

  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > USER_DATA_LIMIT_BYTES) {
    throw new Error(
      `The rendered user-data is ${bytes} bytes, over the EC2 limit of ${USER_DATA_LIMIT_BYTES}` +
        (config.mode === 'commands' ? '; shorten userCommands (e.g. download and run a script)' : ''),
    );
  }
  return text;
}

/** `cat > file` from a quoted heredoc: no expansion; the delimiter is a line the content does not hold. */
function heredoc(file: string, content: string): string {
  const body = content.endsWith('\n') ? content : `${content}\n`;
  const lines = new Set(body.split('\n'));
  let delimiter = 'BLUEGREEN_EOF';
  for (let n = 1; lines.has(delimiter); n++) delimiter = `BLUEGREEN_EOF_${n}`;
  return `cat > ${file} <<'${delimiter}'\n${body}${delimiter}`;
}

function validate(config: BootConfig): void {
  const problems: string[] = [];
  const literal = (value: unknown): boolean => value !== undefined && !Token.isUnresolved(value);
  if (literal(config.colour) && config.colour !== 'blue' && config.colour !== 'green') {
    problems.push(`colour (${JSON.stringify(config.colour)}) must be blue or green`);
  }
  if (
    literal(config.appPort) &&
    !(Number.isInteger(config.appPort) && config.appPort >= 1 && config.appPort <= 65535)
  ) {
    problems.push(`appPort (${config.appPort}) must be an integer from 1 to 65535`);
  }
  if (literal(config.healthPath) && !HEALTH_PATH_PATTERN.test(config.healthPath)) {
    problems.push(
      `healthPath (${JSON.stringify(config.healthPath)}) must match ${HEALTH_PATH_PATTERN.source}`,
    );
  }
  const wait = config.versionWaitSeconds ?? DEFAULT_VERSION_WAIT_SECONDS;
  if (literal(wait) && !(Number.isInteger(wait) && wait >= 0 && wait <= 999999)) {
    problems.push(`versionWaitSeconds (${wait}) must be a whole number of seconds from 0 to 999999`);
  }
  if (config.mode === 'artifact') {
    if (!config.artifact) {
      problems.push('artifact is required when mode is artifact');
    } else {
      const { extension, keyPrefix } = config.artifact;
      if (literal(extension) && !ARTIFACT_EXTENSIONS.includes(extension)) {
        problems.push(
          `artifact.extension (${JSON.stringify(extension)}) must be one of ${ARTIFACT_EXTENSIONS.join(', ')}`,
        );
      }
      if (keyPrefix.includes('\n')) problems.push('artifact.keyPrefix must not contain a newline');
    }
  } else if (config.mode === 'commands') {
    if (!config.userCommands?.trim()) problems.push('userCommands is required when mode is commands');
  } else if (config.mode !== 'demo') {
    problems.push(`mode (${JSON.stringify(config.mode)}) must be demo, artifact or commands`);
  }
  if (problems.length > 0) throw new Error(`Invalid boot configuration: ${problems.join('; ')}`);
}
