import * as fs from 'fs';
import * as path from 'path';
import { HANDLER_ASSETS_PATH } from '../../lib/handler-assets';

/** The repository root. */
export const REPO_ROOT = path.join(__dirname, '..', '..');

/** The handler sources: `lambda/<name>/index.ts`, shared code in `lambda/shared`. */
export const LAMBDA_DIR = path.join(REPO_ROOT, 'lambda');

/** Where the build writes the bundles, inside the package's `dist`: `<dir>/<name>/index.js`. */
export const BUNDLES_DIR = path.join(REPO_ROOT, 'dist', ...HANDLER_ASSETS_PATH);

/** The handlers, sorted: every folder of `lambda/` with an `index.ts`. */
export function handlerNames(lambdaDir: string = LAMBDA_DIR): string[] {
  return fs
    .readdirSync(lambdaDir)
    .filter((name) => fs.existsSync(path.join(lambdaDir, name, 'index.ts')))
    .sort();
}

/** A path relative to the repository root with `/` separators, as recorded in the manifest. */
export function repoRelative(file: string): string {
  return path.relative(REPO_ROOT, file).split(path.sep).join('/');
}
