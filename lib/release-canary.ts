import { Duration, Token } from 'aws-cdk-lib';
import { CANARY_DURATION_LIMITS } from './contract/canary';
import { isConcreteNumber, type PropsValidator } from './validation';

/**
 * A canary phase for every release beside a live fleet: ScaleUp first brings up `instances` of
 * the new version, which take their share of user requests through the shared target group next to
 * the live fleet; the rollback alarms and those instances' health are watched for `duration`; then
 * the release scales up to full capacity and swaps as usual. An alarm in ALARM, an unhealthy canary
 * instance or a `bluegreen rollback` during the canary retires the canary's instances; the live
 * fleet never stops serving. Not run on a first release nor for a rollback that relaunches the
 * previous version.
 */
export interface CanaryOptions {
  /**
   * Instances of the new version the canary brings up: a whole number from 1 to `minCapacity - 1`,
   * so that a canary is always a part of the fleet a release brings up (a release brings up at
   * least `minCapacity`).
   */
  readonly instances: number;
  /**
   * How long the canary is watched once its instances are healthy: from 1 minute to 1 day, in
   * whole seconds. Make it longer than your rollback alarms' evaluation window plus CloudWatch's
   * delay (a minute or two), as for `bakeTime`.
   */
  readonly duration: Duration;
}

/** Records a problem for each canary setting out of bounds, naming the field and its value. */
export function validateCanary(
  validator: PropsValidator,
  canary: CanaryOptions | undefined,
  minCapacity: number,
): void {
  if (!canary) return;
  if (isConcreteNumber(canary.instances)) {
    if (!isConcreteNumber(minCapacity)) {
      validator.integerBetween('canary.instances', canary.instances, 1, 999);
    } else if (minCapacity < 2) {
      validator.addProblem(
        `canary.instances (${canary.instances}) needs minCapacity (${minCapacity}) of at least 2: ` +
          'a canary must be fewer instances than a release brings up (at least minCapacity)',
      );
    } else {
      validator.integerBetween('canary.instances', canary.instances, 1, minCapacity - 1);
    }
  }
  if (!canary.duration.isUnresolved()) {
    validator.secondsBetween(
      'canary.duration',
      canary.duration,
      CANARY_DURATION_LIMITS.minSeconds,
      CANARY_DURATION_LIMITS.maxSeconds,
    );
  }
}

/** The environment value of a canary setting: a Token passes through, resolved at deployment. */
export function canaryNumberText(value: number): string {
  return Token.isUnresolved(value) ? Token.asString(value) : String(value);
}
