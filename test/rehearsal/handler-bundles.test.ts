import * as path from 'path';
import { FileSystem } from 'aws-cdk-lib';
import { stepHandlerFile } from '../../lib/rehearsal/executions';
import { Rehearsal } from '../../lib/rehearsal/rehearsal';
import { readServiceTemplate } from '../../lib/rehearsal/template';
import { demoTemplate } from './harness';

/**
 * The rehearsal runs the prebuilt handler bundles the construct deploys, not the TypeScript
 * sources: every source module of a step is replaced here by one that throws when loaded.
 */
const STEPS = readServiceTemplate(demoTemplate()).stepFunctions.map((fn) => fn.step);
for (const step of STEPS) {
  jest.doMock(path.join(__dirname, '..', '..', 'lambda', step, 'index'), () => {
    throw new Error(`the source of lambda/${step} was loaded`);
  });
}

describe('the rehearsal executes the deployed bundles', () => {
  test('GIVEN the step sources cannot load WHEN a release and a rollback are rehearsed THEN both run, their SDK calls answered by the region', async () => {
    const r = Rehearsal.fromTemplate(demoTemplate());
    expect((await r.execute({ version: 'v1' })).status).toBe('SUCCEEDED');
    r.region.faults.unhealthyVersion('v2');
    const broken = await r.execute({ version: 'v2', healthTimeoutSeconds: 60 });
    expect(broken.error).toBe('ReleaseRolledBack');
    expect(r.violations()).toEqual([]);
    // The bundles' own SDK clients reached the simulated region (no network, no credentials).
    const services = new Set(r.region.calls.all().map((c) => c.service));
    expect([...services].sort()).toEqual(
      expect.arrayContaining(['AutoScaling', 'DynamoDB', 'ElasticLoadBalancingV2']),
    );
    expect(r.region.calls.get('AutoScaling', 'UpdateAutoScalingGroup').count).toBeGreaterThan(0);
  });

  test("GIVEN handlers: 'source' THEN the rehearsal loads the sources (the check above would catch them)", () => {
    expect(() => Rehearsal.fromTemplate(demoTemplate(), { handlers: 'source' })).toThrow(
      /the source of lambda\/\S+ was loaded/,
    );
  });

  test('GIVEN the synthesized template THEN each step function deploys exactly the folder the rehearsal loads its handler from', () => {
    const template = demoTemplate();
    const functions = readServiceTemplate(template).stepFunctions;
    expect(functions.length).toBeGreaterThanOrEqual(7);
    for (const fn of functions) {
      const file = stepHandlerFile(fn.step);
      expect(path.basename(file)).toBe('index.js');
      const deployedKey = template.Resources[fn.logicalId].Properties?.Code?.S3Key;
      // The asset's key is the hash of the folder's bytes: the same folder, the same bytes.
      expect([fn.step, deployedKey]).toEqual([fn.step, `${FileSystem.fingerprint(path.dirname(file))}.zip`]);
    }
  });

  test('GIVEN an unknown handler source THEN the error names the option and the value', () => {
    expect(() => stepHandlerFile('prepare', 'typescript' as never)).toThrow(
      'handlers (typescript) must be one of bundles, source',
    );
  });
});
