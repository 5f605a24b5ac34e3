import { NotFound, S3ServiceException } from '@aws-sdk/client-s3';
import { ExecutionDoesNotExist } from '@aws-sdk/client-sfn';
import { SimulatedRegion } from '../../../lib/rehearsal/region';
import { VirtualClock } from '../../../lib/rehearsal/virtual-clock';
import { rejection } from './fixture';

describe('S3 HeadObject', () => {
  test('an existing object answers 200 with its metadata; a missing one is NotFound (404)', async () => {
    const region = new SimulatedRegion({ clock: new VirtualClock() });
    region.putObject('artifacts', 'releases/v1.tar.gz', 2048);
    const head = await region.send('S3', 'HeadObject', { Bucket: 'artifacts', Key: 'releases/v1.tar.gz' });
    expect(head).toMatchObject({ ContentLength: 2048, $metadata: { httpStatusCode: 200 } });
    expect(head.LastModified).toBeInstanceOf(Date);
    const missing = await rejection(
      region.send('S3', 'HeadObject', { Bucket: 'artifacts', Key: 'releases/v2.tar.gz' }),
    );
    expect(missing).toBeInstanceOf(NotFound);
    expect(missing).toBeInstanceOf(S3ServiceException);
    expect(missing).toMatchObject({ name: 'NotFound', $fault: 'client', $metadata: { httpStatusCode: 404 } });
  });
});

describe('Step Functions through the execution directory', () => {
  const ARN = 'arn:aws:states:us-east-1:123456789012:execution:release:one';

  test('DescribeExecution and StopExecution are answered by the directory; unknown executions do not exist', async () => {
    const clock = new VirtualClock();
    const region = new SimulatedRegion({ clock });
    const stopped: [string, string | undefined][] = [];
    region.setExecutionDirectory({
      describe: (arn) => (arn === ARN ? { status: 'RUNNING', name: 'one' } : undefined),
      stop: (arn, cause) => stopped.push([arn, cause]),
    });
    const described = await region.send('SFN', 'DescribeExecution', { executionArn: ARN });
    expect(described).toMatchObject({ executionArn: ARN, status: 'RUNNING', name: 'one' });
    const out = await region.send('SFN', 'StopExecution', {
      executionArn: ARN,
      cause: 'superseded by a rollback',
    });
    expect(out.stopDate.getTime()).toBe(clock.now());
    expect(stopped).toEqual([[ARN, 'superseded by a rollback']]);
    const missing = await rejection(region.send('SFN', 'DescribeExecution', { executionArn: `${ARN}x` }));
    expect(missing).toBeInstanceOf(ExecutionDoesNotExist);
    expect(missing).toMatchObject({ name: 'ExecutionDoesNotExist', $metadata: { httpStatusCode: 400 } });
    expect(missing.message).toBe(`Execution Does Not Exist: '${ARN}x'`);
  });

  test('without a directory, SFN calls are not simulated', async () => {
    const region = new SimulatedRegion({ clock: new VirtualClock() });
    await expect(region.send('SFN', 'DescribeExecution', { executionArn: ARN })).rejects.toThrow(
      /^not simulated: SFN/,
    );
  });
});
