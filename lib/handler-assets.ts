import * as fs from 'fs';
import * as path from 'path';
import { HANDLER_ASSETS_PATH } from './contract/steps';

/** Whether the bundles were checked (and built if stale) in this process: once is enough. */
let sourceBundlesChecked = false;

/**
 * The folder holding the prebuilt bundle of a handler (`index.js` and nothing else), used as it
 * is for the function's code: synthesis never runs a bundler and the asset hash is the hash of
 * the shipped bytes.
 *
 * From the installed package (`dist/lib`), that is `dist/assets/handlers/<name>`. From this
 * repository's sources (ts-node, jest), the same folder of the repository's `dist`, built first
 * when missing or stale (esbuild is a dev dependency), so that `cdk synth` works from a clean
 * checkout.
 */
export function handlerAssetDir(handlerName: string): string {
  const runningFromSource = __filename.endsWith('.ts');
  const root = runningFromSource ? path.join(__dirname, '..', 'dist') : path.join(__dirname, '..');
  const bundlesDir = path.join(root, ...HANDLER_ASSETS_PATH);
  if (runningFromSource && !sourceBundlesChecked) {
    buildIfStale(bundlesDir);
    sourceBundlesChecked = true;
  }
  const dir = path.join(bundlesDir, handlerName);
  if (!fs.existsSync(path.join(dir, 'index.js'))) {
    throw new Error(
      `the prebuilt bundle of the ${handlerName} handler is missing (${dir}/index.js): ` +
        'reinstall cdk-blue-green-ec2, or run `npm run build` in its repository',
    );
  }
  return dir;
}

/** Only in the repository: the build tooling (and esbuild) are not part of the package. */
function buildIfStale(bundlesDir: string): void {
  type Tooling = typeof import('../scripts/handlers/ensure');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tooling = require('../scripts/handlers/ensure') as Tooling;
  tooling.ensureHandlerBundles(bundlesDir);
}
