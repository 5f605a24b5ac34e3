import { RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { BlueGreenService, BlueGreenServiceProps } from '../lib/blue-green-service';
import { DatabaseSource } from '../lib/database';

/**
 * The demo: every default (demo application, HTTP, new VPC, PostgreSQL), environment-agnostic
 * so that `cdk synth` needs no credentials. Its database is throwaway: deleted with the stack,
 * without a final snapshot and without deletion protection. Never use these settings for data
 * you want to keep.
 */
export class DemoStack extends Stack {
  public readonly service: BlueGreenService;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.service = new BlueGreenService(this, 'Service', {
      database: DatabaseSource.create({ removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false }),
    });
  }
}

export interface ServiceStackProps extends StackProps {
  /** The props of the service this stack holds. */
  readonly service: BlueGreenServiceProps;
}

/** One service per stack, for the same construct reused with different props per environment. */
export class ServiceStack extends Stack {
  public readonly service: BlueGreenService;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    this.service = new BlueGreenService(this, 'Service', props.service);
  }
}
