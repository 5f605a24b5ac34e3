import type { BuildOptions } from 'esbuild';

/**
 * The esbuild options of every handler bundle: one minified CommonJS file per handler, Node 22
 * syntax, the AWS SDK v3 left to the Lambda runtime, no source map, no banner and no paths, so
 * that the same sources and esbuild version give the same bytes on every machine.
 */
export const HANDLER_BUNDLE_OPTIONS: Readonly<BuildOptions> = {
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'cjs',
  platform: 'node',
  target: 'node22',
  external: ['@aws-sdk/*'],
  legalComments: 'none',
  charset: 'utf8',
  logLevel: 'silent',
};
