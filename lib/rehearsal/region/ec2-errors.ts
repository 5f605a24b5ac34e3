/**
 * EC2's service exception, as `@aws-sdk/client-ec2` names it (that client is not a dependency:
 * this is the same SDK base class under the same name, so `err.name`, `$fault` and `$metadata`
 * match what a handler would see).
 */
import { AutoScalingServiceException } from '@aws-sdk/client-auto-scaling';

type ExceptionOptions = ConstructorParameters<typeof AutoScalingServiceException>[0];

/** The SDK's common ServiceException, the base of every service's own exception class. */
const ServiceException = Object.getPrototypeOf(AutoScalingServiceException) as new (
  options: ExceptionOptions & { name: string },
) => Error;

export class EC2ServiceException extends ServiceException {
  constructor(options: ExceptionOptions & { name?: string }) {
    super({ ...options, name: options.name ?? 'EC2ServiceException' });
    Object.setPrototypeOf(this, EC2ServiceException.prototype);
  }
}
