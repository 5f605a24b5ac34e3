import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface HandlerFunctionProps {
  /** The handler folder under `lambda/`: the function runs `lambda/<handlerName>/index.ts`. */
  readonly handlerName: string;
  readonly description: string;
  readonly environment: Record<string, string>;
  /** @default Duration.minutes(1) */
  readonly timeout?: Duration;
}

/**
 * A function of this library that is not a release step: a minified esbuild bundle of
 * `lambda/<handlerName>/index.ts` (SDK v3 from the runtime), built exactly as the release steps
 * are (Node.js 24 on arm64, 256 MB, logs kept one month).
 */
export class HandlerFunction extends nodejs.NodejsFunction {
  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id, {
      entry: handlerSource(props.handlerName),
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: props.timeout ?? Duration.minutes(1),
      environment: props.environment,
      logGroup: new logs.LogGroup(scope, `${id}Logs`, { retention: logs.RetentionDays.ONE_MONTH }),
      bundling: {
        minify: true,
        sourceMap: false,
        target: 'node22',
        externalModules: ['@aws-sdk/*'],
        forceDockerBundling: false,
      },
    });
  }
}

/** The handler source beside this library: `.ts` in the repository, `.js` once compiled. */
export function handlerSource(handlerName: string): string {
  const base = path.join(__dirname, '..', 'lambda', handlerName, 'index');
  const found = ['.ts', '.js'].map((ext) => base + ext).find((file) => fs.existsSync(file));
  if (!found) throw new Error(`handler not found: ${base}.ts`);
  return found;
}
