import * as fs from 'fs';
import * as path from 'path';
import { AssetHashType, DockerImage, Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';

export interface HandlerFunctionProps {
  /** The handler folder under `lambda/`: the function runs `lambda/<handlerName>/index.ts`. */
  readonly handlerName: string;
  readonly description: string;
  readonly environment: Record<string, string>;
  /** @default Duration.minutes(1) */
  readonly timeout?: Duration;
}

/** The esbuild options of every bundle: minified, Node 22 syntax, SDK v3 from the runtime. */
export const BUNDLE_OPTIONS: BuildOptions = {
  bundle: true,
  minify: true,
  sourcemap: false,
  platform: 'node',
  target: 'node22',
  external: ['@aws-sdk/*'],
  logLevel: 'silent',
};

/**
 * A function of this library: a minified esbuild bundle of `lambda/<handlerName>/index.ts`, on
 * Node.js 24 / arm64, 256 MB, logs kept one month.
 *
 * Bundled with esbuild's JavaScript API, every handler in one call, rather than by NodejsFunction,
 * which starts `npx esbuild` once per function (~5 s of synth for eight; see README, Performance).
 * The asset hash is the bundle's, so a change in `lambda/shared` is picked up. Docker is never
 * used.
 */
export class HandlerFunction extends lambda.Function {
  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    const entry = handlerSource(props.handlerName);
    super(scope, id, {
      code: lambda.Code.fromAsset(path.dirname(entry), {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // Required by the type; the local bundler below always succeeds or throws.
          image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
          local: { tryBundle: (outputDir) => bundleHandler(entry, outputDir) },
        },
      }),
      handler: 'index.handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: props.timeout ?? Duration.minutes(1),
      environment: props.environment,
      logGroup: new logs.LogGroup(scope, `${id}Logs`, { retention: logs.RetentionDays.ONE_MONTH }),
    });
  }
}

/** Bundles of every handler, built together on first use: one esbuild process, not one per function. */
let bundles: Map<string, Uint8Array> | undefined;

function bundleHandler(entry: string, outputDir: string): boolean {
  bundles ??= bundleAllHandlers(path.dirname(path.dirname(entry)));
  const code = bundles.get(entry);
  if (!code) throw new Error(`no bundle was built for ${entry}`);
  fs.writeFileSync(path.join(outputDir, 'index.js'), code);
  return true;
}

function bundleAllHandlers(lambdaDir: string): Map<string, Uint8Array> {
  let esbuild: typeof import('esbuild');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    esbuild = require('esbuild');
  } catch {
    throw new Error('bundling the Lambda handlers needs the esbuild package: npm install esbuild');
  }
  const entries = fs
    .readdirSync(lambdaDir)
    .map((name) => handlerSourceIn(lambdaDir, name))
    .filter((file): file is string => file !== undefined);
  const outdir = path.join(lambdaDir, '.bundles');
  const result = esbuild.buildSync({
    ...BUNDLE_OPTIONS,
    entryPoints: entries,
    outdir,
    outbase: lambdaDir,
    write: false,
  });
  const byEntry = new Map<string, Uint8Array>();
  for (const entry of entries) {
    const name = path.basename(path.dirname(entry));
    const output = result.outputFiles.find((file) => file.path === path.join(outdir, name, 'index.js'));
    if (output) byEntry.set(entry, output.contents);
  }
  return byEntry;
}

/** The handler source beside this library: `.ts` in the repository, `.js` once compiled. */
export function handlerSource(handlerName: string): string {
  const found = handlerSourceIn(path.join(__dirname, '..', 'lambda'), handlerName);
  if (!found)
    throw new Error(`handler not found: ${path.join(__dirname, '..', 'lambda', handlerName, 'index')}.ts`);
  return found;
}

function handlerSourceIn(lambdaDir: string, handlerName: string): string | undefined {
  const base = path.join(lambdaDir, handlerName, 'index');
  return ['.ts', '.js'].map((ext) => base + ext).find((file) => fs.existsSync(file));
}
