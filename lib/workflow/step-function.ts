import { CfnResource, Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { ReleaseStepName } from '../contract/steps';
import { HandlerFunction } from '../handler-function';

/** CloudFormation metadata key naming the step a function runs; the rehearsal maps it to the handler. */
export const STEP_METADATA_KEY = 'bluegreen:step';

export interface StepFunctionProps {
  readonly step: ReleaseStepName;
  readonly description: string;
  readonly environment: Record<string, string>;
  /** @default Duration.minutes(1) */
  readonly timeout?: Duration;
}

/** One release step: `lambda/<step>/index.ts`, tagged with its step for the rehearsal. */
export class StepFunction extends HandlerFunction {
  constructor(scope: Construct, id: string, props: StepFunctionProps) {
    super(scope, id, {
      handlerName: props.step,
      description: props.description,
      environment: props.environment,
      timeout: props.timeout,
    });
    (this.node.defaultChild as CfnResource).addMetadata(STEP_METADATA_KEY, props.step);
  }
}
