import * as fs from 'fs';
import * as path from 'path';

/** The file beside the bundles that says what they were built from. */
export const MANIFEST_FILE = 'manifest.json';

/** One bundle: its size and content hash. */
export interface BundleRecord {
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * What a set of bundles was built from, without timestamps: the bundles are reproducible, and so
 * is this file.
 */
export interface BundleManifest {
  /** sha256 of the esbuild version, the bundle options and every input file (path and content). */
  readonly fingerprint: string;
  /** The esbuild version that built the bundles. */
  readonly esbuild: string;
  /** Every source file the bundles were built from, relative to the repository root, sorted. */
  readonly inputs: readonly string[];
  /** Each handler's bundle, by handler name, sorted. */
  readonly bundles: Readonly<Record<string, BundleRecord>>;
}

export function readManifest(bundlesDir: string): BundleManifest | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(bundlesDir, MANIFEST_FILE), 'utf8')) as BundleManifest;
  } catch {
    return undefined;
  }
}

export function writeManifest(bundlesDir: string, manifest: BundleManifest): void {
  writeFileAtomic(path.join(bundlesDir, MANIFEST_FILE), `${JSON.stringify(manifest, undefined, 2)}\n`);
}

/** Writes through a temporary file and a rename: a concurrent reader sees the old or the new file. */
export function writeFileAtomic(file: string, contents: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, contents);
  fs.renameSync(temporary, file);
}
