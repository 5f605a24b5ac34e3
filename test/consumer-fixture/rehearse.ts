/**
 * The rehearsal entry point on a consumer's stack (needs the rehearsal's optional peers): the
 * installed package's handlers run, a first release and a blue/green swap succeed. What the
 * rehearsal proves about releases is tested in the repository; here it is only reached.
 */
import { App, Stack } from 'aws-cdk-lib';
import { BlueGreenService, DatabaseSource } from 'cdk-blue-green-ec2';
import { Rehearsal } from 'cdk-blue-green-ec2/rehearsal';

async function main(): Promise<void> {
  const stack = new Stack(new App(), 'Storefront');
  new BlueGreenService(stack, 'Service', { database: DatabaseSource.none() });
  const rehearsal = Rehearsal.fromStack(stack);
  for (const version of ['v1', 'v2']) {
    const release = await rehearsal.execute({ version });
    if (release.status !== 'SUCCEEDED')
      throw new Error(`release ${version}: ${release.status} ${release.error ?? ''}`);
  }
  console.log(
    `rehearsal: released v1 then v2; ${rehearsal.violations().length} invariant violation(s) reported`,
  );
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
