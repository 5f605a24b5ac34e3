#!/usr/bin/env node
/**
 * `npm run build:handlers`: bundles every Lambda handler into `dist/assets/handlers/<name>/index.js`
 * (shipped with the package) and prints each bundle's size. `--if-stale` builds only when the
 * sources, options or esbuild changed since the last build.
 */
import { buildHandlerBundles } from './handlers/build';
import { ensureHandlerBundles } from './handlers/ensure';
import { BUNDLES_DIR, repoRelative } from './handlers/layout';

const ifStale = process.argv.includes('--if-stale');
const { built, manifest } = ifStale
  ? ensureHandlerBundles()
  : { built: true, manifest: buildHandlerBundles() };
const where = repoRelative(BUNDLES_DIR);
console.log(`${built ? 'built' : 'up to date:'} ${where} (esbuild ${manifest.esbuild})`);
for (const [name, bundle] of Object.entries(manifest.bundles)) {
  console.log(
    `  ${name.padEnd(14)} ${(bundle.bytes / 1024).toFixed(1).padStart(5)} KB  ${bundle.sha256.slice(0, 12)}`,
  );
}
