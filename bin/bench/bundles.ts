/**
 * Row 7: each Lambda bundle, built with the construct's own esbuild options (minified, node22,
 * SDK v3 external), and its cold import time: `require` of the bundle in a fresh Node
 * process, timed inside the child with process.hrtime (node startup excluded). The external SDK
 * clients are resolved from this repository's node_modules, as the runtime would load its own.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BUNDLE_OPTIONS } from '../../lib/handler-function';
import { median } from './figures';

export interface BundleFigure {
  readonly step: string;
  readonly bytes: number;
  readonly importMs: number;
  readonly importRunsMs: readonly number[];
}

const REPO = path.join(__dirname, '..', '..');

export function releaseSteps(): string[] {
  const root = path.join(REPO, 'lambda');
  return fs
    .readdirSync(root)
    .filter((d) => fs.existsSync(path.join(root, d, 'index.ts')))
    .sort();
}

const CHILD = `const t=process.hrtime.bigint();require(process.argv[1]);const d=process.hrtime.bigint()-t;process.stdout.write(String(Number(d)/1e6));`;

/** `require` of `target` (a file or a package name) in fresh processes, ms each. */
function timeImports(target: string, runs: number): number[] {
  const importRunsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['-e', CHILD, target], {
      cwd: REPO,
      env: {
        ...process.env,
        NODE_PATH: path.join(REPO, 'node_modules'),
        NODE_OPTIONS: '',
        NODE_NO_WARNINGS: '1',
      },
      encoding: 'utf8',
    });
    importRunsMs.push(Number(out));
  }
  return importRunsMs;
}

/**
 * The floor under every bundle that calls AWS: importing one SDK v3 client alone (the smallest
 * a step uses), and the SDK core every client loads.
 */
export function measureSdkFloor(runs = 5): { clientMs: number; coreMs: number } {
  return {
    clientMs: median(timeImports('@aws-sdk/client-cloudwatch', runs)),
    coreMs: median(timeImports('@aws-sdk/core', runs)),
  };
}

export async function measureBundles(runs = 5): Promise<BundleFigure[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-bundles-'));
  try {
    const figures: BundleFigure[] = [];
    for (const step of releaseSteps()) {
      const result = await esbuild.build({
        ...BUNDLE_OPTIONS,
        entryPoints: [path.join(REPO, 'lambda', step, 'index.ts')],
        write: false,
      });
      const code = result.outputFiles[0].contents;
      const file = path.join(dir, `${step}.js`);
      fs.writeFileSync(file, code);
      const importRunsMs = timeImports(file, runs);
      figures.push({ step, bytes: code.byteLength, importMs: median(importRunsMs), importRunsMs });
    }
    return figures;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
