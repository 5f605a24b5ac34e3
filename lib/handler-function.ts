import { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { handlerAssetDir } from './handler-assets';

export interface HandlerFunctionProps {
  /** The handler: its source is `lambda/<handlerName>/index.ts`, its bundle ships with the package. */
  readonly handlerName: string;
  /** The function's description. */
  readonly description: string;
  /** The function's environment variables. */
  readonly environment: Record<string, string>;
  /** @default Duration.minutes(1) */
  readonly timeout?: Duration;
  /**
   * Runs the function in this VPC (e.g. to reach instances at their private addresses).
   * @default - not in a VPC
   */
  readonly vpc?: ec2.IVpc;
  /** Subnets of the function in `vpc`. @default - the VPC's private subnets */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** Security groups of the function in `vpc`. @default - a new one allowing all outbound */
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/**
 * A function of this library: the prebuilt, minified bundle of `lambda/<handlerName>/index.ts`
 * (built with the package, see `scripts/handlers`), on Node.js 24 / arm64, 256 MB, logs kept one
 * month. Synthesis only hashes and stages the bundle's folder: no esbuild, no Docker, and the
 * asset hash depends on the shipped bytes alone.
 */
export class HandlerFunction extends lambda.Function {
  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id, {
      code: lambda.Code.fromAsset(handlerAssetDir(props.handlerName)),
      handler: 'index.handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: props.timeout ?? Duration.minutes(1),
      environment: props.environment,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      logGroup: new logs.LogGroup(scope, `${id}Logs`, { retention: logs.RetentionDays.ONE_MONTH }),
    });
  }
}
