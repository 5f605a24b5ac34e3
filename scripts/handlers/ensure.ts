import * as fs from 'fs';
import * as path from 'path';
import { buildHandlerBundles, loadEsbuild } from './build';
import { sourceFingerprint } from './fingerprint';
import { BUNDLES_DIR, handlerNames } from './layout';
import { BundleManifest, readManifest } from './manifest';

/** Whether the bundles in `outDir` were built from the current sources, options and esbuild. */
export function bundlesAreFresh(outDir: string = BUNDLES_DIR): boolean {
  const manifest = readManifest(outDir);
  if (!manifest) return false;
  const handlers = handlerNames();
  if (Object.keys(manifest.bundles).join(',') !== handlers.join(',')) return false;
  if (!handlers.every((name) => fs.existsSync(path.join(outDir, name, 'index.js')))) return false;
  return sourceFingerprint(loadEsbuild().version, handlers, manifest.inputs) === manifest.fingerprint;
}

/** The bundles in `outDir`, built first when they are missing or stale. */
export function ensureHandlerBundles(outDir: string = BUNDLES_DIR): {
  readonly built: boolean;
  readonly manifest: BundleManifest;
} {
  const manifest = bundlesAreFresh(outDir) ? readManifest(outDir) : undefined;
  return manifest ? { built: false, manifest } : { built: true, manifest: buildHandlerBundles(outDir) };
}
