/**
 * "The same app with the release workflow removed", for the synth comparison only: the
 * `ReleaseWorkflow` construct is swapped for a stand-in with a one-state state machine (no step
 * functions and so no bundling, no IAM, no lock table, no definition). What hangs off the state
 * machine (notifications, dashboard, outputs) stays, so both apps have the same shape around it.
 * The swap replaces the module's export the way a test double would; the library has no switch.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import * as releaseWorkflowModule from '../../lib/release-workflow';

/** What BlueGreenService reads from its ReleaseWorkflow, and nothing else. */
class WorkflowStandIn extends Construct {
  public readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Succeed(this, 'Done')),
    });
  }

  public grantStartRelease(): void {}
}

/** Swaps the workflow out; returns the function that puts it back. */
export function removeReleaseWorkflow(): () => void {
  const module = releaseWorkflowModule as { ReleaseWorkflow: unknown };
  const real = module.ReleaseWorkflow;
  module.ReleaseWorkflow = WorkflowStandIn;
  return () => {
    module.ReleaseWorkflow = real;
  };
}
