import * as fs from 'fs';
import * as path from 'path';
import { HANDLER_BUNDLE_OPTIONS } from './bundle-options';
import { sha256, sourceFingerprint } from './fingerprint';
import { BUNDLES_DIR, handlerNames, LAMBDA_DIR, REPO_ROOT, repoRelative } from './layout';
import { BundleManifest, BundleRecord, writeFileAtomic, writeManifest } from './manifest';

/** esbuild, a dev dependency: the package ships the bundles, so its users never load it. */
export function loadEsbuild(): typeof import('esbuild') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('esbuild') as typeof import('esbuild');
  } catch {
    throw new Error('building the Lambda handler bundles needs esbuild (a dev dependency): npm ci');
  }
}

/**
 * Bundles every handler of `lambda/` in one esbuild call and writes `<outDir>/<name>/index.js`
 * plus the manifest (written last: a reader that finds it finds the bundles it names). Folders of
 * handlers that no longer exist are removed. Returns the manifest.
 */
export function buildHandlerBundles(outDir: string = BUNDLES_DIR): BundleManifest {
  const esbuild = loadEsbuild();
  const handlers = handlerNames();
  const result = esbuild.buildSync({
    ...HANDLER_BUNDLE_OPTIONS,
    absWorkingDir: REPO_ROOT,
    entryPoints: Object.fromEntries(
      handlers.map((name) => [`${name}/index`, repoRelative(path.join(LAMBDA_DIR, name, 'index.ts'))]),
    ),
    outdir: outDir,
    write: false,
    metafile: true,
  });

  const bundles: Record<string, BundleRecord> = {};
  for (const name of handlers) {
    const file = path.join(outDir, name, 'index.js');
    const output = result.outputFiles.find((candidate) => candidate.path === file);
    if (!output) throw new Error(`esbuild wrote no bundle for lambda/${name}`);
    writeFileAtomic(file, output.contents);
    bundles[name] = { bytes: output.contents.byteLength, sha256: sha256(output.contents) };
  }
  removeStaleFolders(outDir, handlers);

  const inputs = Object.keys(result.metafile.inputs).sort();
  const manifest: BundleManifest = {
    fingerprint: sourceFingerprint(esbuild.version, handlers, inputs),
    esbuild: esbuild.version,
    inputs,
    bundles,
  };
  writeManifest(outDir, manifest);
  return manifest;
}

function removeStaleFolders(outDir: string, handlers: readonly string[]): void {
  for (const entry of fs.readdirSync(outDir, { withFileTypes: true })) {
    if (entry.isDirectory() && !handlers.includes(entry.name)) {
      fs.rmSync(path.join(outDir, entry.name), { recursive: true, force: true });
    }
  }
}
