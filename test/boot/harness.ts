/**
 * Test harness for boot.sh: a fake IMDSv2 on 127.0.0.1, a sandbox directory per run (the
 * instance's root, fakes first on PATH, the fakes' state) and a runner that executes the real
 * script with bash. Nothing outside the sandbox is written; nothing beyond 127.0.0.1 is reached.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export const BOOT_SCRIPT = path.join(__dirname, '../../lib/boot/boot.sh');
export const DEMO_APP = path.join(__dirname, '../../lib/boot/demo-app.py');
const FIXTURES = path.join(__dirname, 'fixtures');

export const INSTANCE_ID = 'i-0123456789abcdef0';
export const REGION = 'eu-west-1';
export const GROUP_NAME = 'Shop-BlueFleetGroup-1A2B3C4D5E6F';

export interface ImdsRequest {
  readonly method: string;
  readonly url: string;
  readonly ttlHeader?: string;
  readonly tokenHeader?: string;
  readonly status: number;
}

export interface FakeImds {
  readonly endpoint: string;
  readonly requests: ImdsRequest[];
  close(): Promise<void>;
}

/** IMDSv2 only: GETs without a token issued by the PUT are refused with 401, like IMDS with HttpTokens=required. */
export async function startFakeImds(): Promise<FakeImds> {
  const requests: ImdsRequest[] = [];
  const tokens = new Set<string>();
  const metadata: Record<string, string> = {
    '/latest/meta-data/instance-id': INSTANCE_ID,
    '/latest/meta-data/placement/region': REGION,
  };
  const server = http.createServer((request, response) => {
    const ttlHeader = request.headers['x-aws-ec2-metadata-token-ttl-seconds'] as string | undefined;
    const tokenHeader = request.headers['x-aws-ec2-metadata-token'] as string | undefined;
    let status = 404;
    let body = '';
    if (request.method === 'PUT' && request.url === '/latest/api/token') {
      status = ttlHeader && /^\d+$/.test(ttlHeader) ? 200 : 400;
      if (status === 200) {
        body = `token-${tokens.size + 1}`;
        tokens.add(body);
      }
    } else if (request.method === 'GET' && request.url !== undefined && request.url in metadata) {
      status = tokenHeader !== undefined && tokens.has(tokenHeader) ? 200 : 401;
      if (status === 200) body = metadata[request.url];
    }
    requests.push({ method: request.method ?? '', url: request.url ?? '', ttlHeader, tokenHeader, status });
    response.writeHead(status, { 'Content-Type': 'text/plain' });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What the fake `aws` answers (fixtures/fake-aws.js reads it from $FAKE_STATE/aws.json). */
export interface AwsFixture {
  /** The group name is returned from this call of describe-auto-scaling-instances on (None before). */
  readonly groupVisibleFromCall?: number;
  /** The first N describe-auto-scaling-groups calls fail with Throttling. */
  readonly throttledCalls?: number;
  /** The group's bluegreen:version tag; absent: the group has no such tag. */
  readonly versionTag?: {
    readonly value: string;
    /** The tag is there from this call of describe-auto-scaling-groups on (tag lag). @default 1 */
    readonly visibleFromCall?: number;
    /** Print the value as is instead of the CLI's JSON rendering. */
    readonly raw?: boolean;
  };
}

export interface RecordedCall {
  readonly command: string;
  readonly args: string[];
}

export interface BootResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
}

export class Sandbox {
  readonly dir: string;
  /** BLUEGREEN_ROOT: the instance's / for the script. */
  readonly root: string;
  readonly bin: string;
  readonly state: string;
  readonly s3: string;
  readonly home: string;

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bluegreen-boot-'));
    this.root = path.join(this.dir, 'root');
    this.bin = path.join(this.dir, 'bin');
    this.state = path.join(this.dir, 'state');
    this.s3 = path.join(this.dir, 's3');
    this.home = path.join(this.root, 'opt/bluegreen');
    for (const dir of [this.root, this.bin, this.state, this.s3, this.home])
      fs.mkdirSync(dir, { recursive: true });
    const fakes: Record<string, string> = {
      aws: 'fake-aws.js',
      systemctl: 'fake-systemctl.js',
      logger: 'fake-record.js',
      dnf: 'fake-record.js',
    };
    for (const [name, fixture] of Object.entries(fakes)) {
      fs.copyFileSync(path.join(FIXTURES, fixture), path.join(this.bin, name));
      fs.chmodSync(path.join(this.bin, name), 0o755);
    }
    fs.copyFileSync(DEMO_APP, path.join(this.home, 'demo-app.py'));
    this.setAws({ versionTag: { value: 'v1.2.3' } });
  }

  setAws(fixture: AwsFixture): void {
    const full = {
      instanceId: INSTANCE_ID,
      region: REGION,
      groupName: GROUP_NAME,
      s3Directory: this.s3,
      ...fixture,
    };
    fs.writeFileSync(path.join(this.state, 'aws.json'), JSON.stringify(full));
  }

  /** A file in the instance's filesystem, e.g. `etc/bluegreen/version`. */
  rootPath(relative: string): string {
    return path.join(this.root, relative);
  }

  read(relative: string): string {
    return fs.readFileSync(this.rootPath(relative), 'utf8');
  }

  exists(relative: string): boolean {
    return fs.existsSync(this.rootPath(relative));
  }

  calls(command?: string): RecordedCall[] {
    const file = path.join(this.state, 'calls.jsonl');
    if (!fs.existsSync(file)) return [];
    const all = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as RecordedCall);
    return command === undefined ? all : all.filter((call) => call.command === command);
  }

  /** Runs the boot script (by default the real lib/boot/boot.sh) with bash, as the user-data would. */
  run(imds: FakeImds, env: Record<string, string> = {}, script = BOOT_SCRIPT): Promise<BootResult> {
    const fullEnv: Record<string, string> = {
      PATH: `${this.bin}:${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
      HOME: this.dir,
      LANG: 'C.UTF-8',
      FAKE_STATE: this.state,
      BLUEGREEN_ROOT: this.root,
      BLUEGREEN_IMDS_ENDPOINT: imds.endpoint,
      BLUEGREEN_RETRY_BASE_SECONDS: '0.05',
      BLUEGREEN_VERSION_WAIT_SECONDS: '5',
      BLUEGREEN_COLOUR: 'blue',
      BLUEGREEN_APP_PORT: '8080',
      BLUEGREEN_HEALTH_PATH: '/health',
      BLUEGREEN_APP_MODE: 'demo',
      ...env,
    };
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn('bash', [script], {
        cwd: this.dir,
        env: fullEnv,
        // stdin not a socket: bash would otherwise take it for rshd and read ~/.bashrc
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr, elapsedMs: Date.now() - started });
      });
    });
  }

  /** Waits for a file the app writes into the fakes' state directory. */
  async waitForStateFile(name: string, timeoutMs = 5000): Promise<string> {
    const file = path.join(this.state, name);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (fs.existsSync(file) && fs.statSync(file).size > 0) {
        await sleep(50); // let the writer finish
        return fs.readFileSync(file, 'utf8');
      }
      await sleep(50);
    }
    throw new Error(`${name} did not appear within ${timeoutMs} ms`);
  }

  /** Stops anything the fake systemctl launched and removes the sandbox. */
  dispose(): void {
    const pidFile = path.join(this.state, 'app.pid');
    if (fs.existsSync(pidFile)) {
      try {
        process.kill(-Number(fs.readFileSync(pidFile, 'utf8')), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface HttpAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** GET on 127.0.0.1, retried while the connection is refused (the app is still starting). */
export async function httpGet(port: number, urlPath: string, timeoutMs = 5000): Promise<HttpAnswer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise<HttpAnswer>((resolve, reject) => {
        const request = http.get({ host: '127.0.0.1', port, path: urlPath, timeout: 1000 }, (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              contentType: response.headers['content-type'] ?? '',
              body,
            }),
          );
        });
        request.on('error', reject);
        request.on('timeout', () => request.destroy(new Error('timeout')));
      });
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

/** True when something accepts connections on 127.0.0.1:port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
