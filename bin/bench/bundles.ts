/**
 * Row 7: each Lambda bundle as the package ships it (`dist/assets/handlers/<step>/index.js`,
 * built by `npm run build:handlers` when stale: minified, node22, SDK v3 external), and its cold
 * import time: `require` of the bundle in a fresh Node process, timed inside the child with
 * process.hrtime (node startup excluded). The external SDK clients are resolved from this
 * repository's node_modules, as the runtime would load its own.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ensureHandlerBundles } from '../../scripts/handlers/ensure';
import { BUNDLES_DIR } from '../../scripts/handlers/layout';
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
  const { manifest } = ensureHandlerBundles();
  return releaseSteps().map((step) => {
    const file = path.join(BUNDLES_DIR, step, 'index.js');
    const importRunsMs = timeImports(file, runs);
    return { step, bytes: manifest.bundles[step].bytes, importMs: median(importRunsMs), importRunsMs };
  });
}
