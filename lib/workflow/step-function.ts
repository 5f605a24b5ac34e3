import * as fs from 'fs';
import * as path from 'path';
import { CfnResource, Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The release steps, each one handler folder under `lambda/`. */
export type ReleaseStepName =
  'prepare' | 'scale-up' | 'check-health' | 'swap' | 'watch-bake' | 'finalize' | 'rollback';

/** CloudFormation metadata key naming the step a function runs; the rehearsal maps it to the handler. */
export const STEP_METADATA_KEY = 'bluegreen:step';

export interface StepFunctionProps {
  readonly step: ReleaseStepName;
  readonly description: string;
  readonly environment: Record<string, string>;
  /** @default Duration.minutes(1) */
  readonly timeout?: Duration;
}

/** One release step: a minified esbuild bundle of `lambda/<step>/index.ts` (SDK v3 from the runtime). */
export class StepFunction extends nodejs.NodejsFunction {
  constructor(scope: Construct, id: string, props: StepFunctionProps) {
    super(scope, id, {
      entry: handlerEntry(props.step),
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
    (this.node.defaultChild as CfnResource).addMetadata(STEP_METADATA_KEY, props.step);
  }
}

/** The handler source beside this library: `.ts` in the repository, `.js` once compiled. */
export function handlerEntry(step: ReleaseStepName): string {
  const base = path.join(__dirname, '..', '..', 'lambda', step, 'index');
  const found = ['.ts', '.js'].map((ext) => base + ext).find((file) => fs.existsSync(file));
  if (!found) throw new Error(`release step handler not found: ${base}.ts`);
  return found;
}
