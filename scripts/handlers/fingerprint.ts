import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { HANDLER_BUNDLE_OPTIONS } from './bundle-options';
import { REPO_ROOT } from './layout';

/** Files outside the inputs that change what esbuild emits. */
const BUILD_CONFIG_FILES = ['tsconfig.json'];

/**
 * sha256 of what decides the bundles' bytes: the esbuild version, the bundle options, the
 * handler names and every input (relative path and content). A missing input changes it too.
 */
export function sourceFingerprint(
  esbuildVersion: string,
  handlers: readonly string[],
  inputs: readonly string[],
): string {
  const hash = createHash('sha256');
  const field = (name: string, value: string | Buffer): void => {
    hash.update(`${name}\0${value.length}\0`);
    hash.update(value);
  };
  field('esbuild', esbuildVersion);
  field('options', JSON.stringify(HANDLER_BUNDLE_OPTIONS));
  field('handlers', handlers.join(','));
  for (const file of [...BUILD_CONFIG_FILES, ...inputs]) {
    const absolute = path.join(REPO_ROOT, file);
    field(file, fs.existsSync(absolute) ? fs.readFileSync(absolute) : '<missing>');
  }
  return hash.digest('hex');
}

/** sha256 of some bytes, hex. */
export function sha256(contents: Uint8Array): string {
  return createHash('sha256').update(contents).digest('hex');
}
