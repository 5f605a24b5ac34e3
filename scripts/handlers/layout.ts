import * as fs from 'fs';
import * as path from 'path';
import { HANDLER_ASSETS_PATH, HANDLER_NAMES } from '../../lib/contract/steps';

/** The repository root. */
export const REPO_ROOT = path.join(__dirname, '..', '..');

/** The handler sources: `lambda/<name>/index.ts`, shared code in `lambda/shared`. */
export const LAMBDA_DIR = path.join(REPO_ROOT, 'lambda');

/** Where the build writes the bundles, inside the package's `dist`: `<dir>/<name>/index.js`. */
export const BUNDLES_DIR = path.join(REPO_ROOT, 'dist', ...HANDLER_ASSETS_PATH);

/** The folders of `lambda/` with an `index.ts`, sorted. */
export function handlerFolders(lambdaDir: string = LAMBDA_DIR): string[] {
  return fs
    .readdirSync(lambdaDir)
    .filter((name) => fs.existsSync(path.join(lambdaDir, name, 'index.ts')))
    .sort();
}

/**
 * The handlers, sorted: those lib/contract/steps.ts names (the steps, the notifications', the
 * validator's and the probe's).
 * A handler folder the table does not name, or a name without its folder, is refused: it would be
 * bundled and shipped without a function to run it, or named by a function without a bundle.
 */
export function handlerNames(lambdaDir: string = LAMBDA_DIR): string[] {
  const declared = [...HANDLER_NAMES];
  const folders = handlerFolders(lambdaDir);
  if (folders.join(',') !== declared.join(',')) {
    throw new Error(
      `the handler folders of lambda/ (${folders.join(', ')}) must be the handlers named in ` +
        `lib/contract/steps.ts (${declared.join(', ')})`,
    );
  }
  return declared;
}

/** A path relative to the repository root with `/` separators, as recorded in the manifest. */
export function repoRelative(file: string): string {
  return path.relative(REPO_ROOT, file).split(path.sep).join('/');
}
