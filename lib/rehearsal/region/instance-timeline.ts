/**
 * A read-only record of what each simulated instance went through and when: the AWS-side waits
 * (boot, app start, ExitStandby → InService, registration, the first passing health check) as the
 * region actually sampled them. The bench computes its floors from it (docs/aws-model.md,
 * "Bench floors"); nothing in the region reads it back.
 */

/** One step in an instance's life, as the region made it happen. */
export type InstanceMilestone =
  /** The group launched it (Pending). */
  | 'launched'
  /** Every launch lifecycle action completed with CONTINUE (Pending:Wait → Pending:Proceed). */
  | 'proceeding'
  /** Pending → InService (after a boot, or after ExitStandby). */
  | 'inService'
  /** Its web app answers from now on. */
  | 'appUp'
  /** EnterStandby was accepted for it (InService → EnteringStandby). */
  | 'enterStandbyRequested'
  /** ExitStandby was accepted for it (Standby → Pending). */
  | 'exitStandbyRequested'
  /** Terminating (by the workflow, the group, or a fault). */
  | 'terminating'
  /** Registered with a target group (`initial`, Elb.RegistrationInProgress). */
  | 'registered'
  /** Registration finished: health checks count from now (Elb.InitialHealthChecking). */
  | 'registrationComplete'
  /** Its target turned `healthy`: the load balancer routes to it from this second. */
  | 'healthy'
  /** Its target started draining (no new requests). */
  | 'deregistering';

export interface InstanceEvent {
  /** Virtual ms. */
  readonly time: number;
  readonly instanceId: string;
  readonly groupName: string;
  readonly milestone: InstanceMilestone;
  /** The target group, for the target milestones. */
  readonly targetGroupArn?: string;
}

/** The instance fields the timeline needs (structural, so the recorder depends on nothing). */
export interface TimelineSubject {
  readonly id: string;
  readonly groupName: string;
}

export class InstanceTimeline {
  private readonly log: InstanceEvent[] = [];

  constructor(private readonly now: () => number) {}

  /** @internal called by the region as it acts. */
  public record(instance: TimelineSubject, milestone: InstanceMilestone, targetGroupArn?: string): void {
    this.log.push({
      time: this.now(),
      instanceId: instance.id,
      groupName: instance.groupName,
      milestone,
      targetGroupArn,
    });
  }

  /** Every event so far, oldest first. */
  public events(): readonly InstanceEvent[] {
    return this.log;
  }

  /** The events of one instance, oldest first. */
  public of(instanceId: string): InstanceEvent[] {
    return this.log.filter((e) => e.instanceId === instanceId);
  }
}
