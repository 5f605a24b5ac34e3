import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AppSource, BlueGreenService } from '../../lib/blue-green-service';
import { DatabaseSource } from '../../lib/database';
import { Rehearsal } from '../../lib/rehearsal/rehearsal';
import type { CfnTemplate } from '../../lib/rehearsal/template';
import { chooseTemplateService, servicesInTemplate } from '../../lib/rehearsal/template-services';

/**
 * One stack, two services: Orders from an artifact bucket, Web the demo app. With CDK's path
 * metadata, as `cdk synth` writes it.
 */
function twoServiceTemplate(): CfnTemplate {
  const stack = new Stack(new App({ context: { 'aws:cdk:enable-path-metadata': true } }), 'Shop');
  new BlueGreenService(stack, 'Orders', {
    application: AppSource.fromArtifactBucket(new s3.Bucket(stack, 'Releases'), { keyPrefix: 'orders/' }),
    database: DatabaseSource.none(),
  });
  new BlueGreenService(stack, 'Web', { database: DatabaseSource.none() });
  return Template.fromStack(stack).toJSON() as CfnTemplate;
}

let template: CfnTemplate;
beforeAll(() => {
  template = twoServiceTemplate();
});

describe('a template with two services', () => {
  test('GIVEN two services in one stack THEN both are found by their bluegreen:service tag, with their construct paths', () => {
    const services = servicesInTemplate(template);
    expect(services.map((s) => s.path)).toEqual(['Orders', 'Web']);
    for (const service of services) {
      const machine = template.Resources[service.stateMachineLogicalId];
      expect(machine.Properties?.Tags).toContainEqual({ Key: 'bluegreen:service', Value: service.tag });
    }
  });

  test('GIVEN no --service THEN the rehearsal refuses to guess and lists the services', () => {
    const [orders, web] = servicesInTemplate(template);
    expect(() => Rehearsal.fromTemplate(template)).toThrow(
      `the template holds 2 services, pick one with --service: ${orders.tag} (Orders), ${web.tag} (Web)`,
    );
    expect(() => chooseTemplateService(servicesInTemplate(template), 'Cart', 'stack Shop')).toThrow(
      /^--service \(Cart\) matches none of the services of stack Shop: .*\(Orders\), .*\(Web\)$/,
    );
  });

  test('GIVEN a service picked by tag or by path THEN only its own resources are rehearsed', () => {
    const [orders, web] = servicesInTemplate(template);
    const byPath = Rehearsal.fromTemplate(template, { service: 'Web' });
    const byTag = Rehearsal.fromTemplate(template, { service: web.tag });
    expect(byTag.service.stateMachineArn).toBe(byPath.service.stateMachineArn);
    expect(byPath.service.serviceTag).toBe(web.tag);
    expect(byPath.service.stateMachineArn).toContain(web.stateMachineLogicalId);
    for (const group of byPath.service.groups) {
      expect(group.tags).toContainEqual(
        expect.objectContaining({ key: 'bluegreen:service', value: web.tag }),
      );
    }
    expect(byPath.service.groups).toHaveLength(2);
    expect(byPath.service.targetGroups).toHaveLength(1);
    expect(byPath.service.tables).toHaveLength(1);
    const ordersRehearsal = Rehearsal.fromTemplate(template, { service: orders.tag });
    expect(ordersRehearsal.service.tables[0].name).not.toBe(byPath.service.tables[0].name);
    expect(ordersRehearsal.service.targetGroups[0].arn).not.toBe(byPath.service.targetGroups[0].arn);
  });

  test('GIVEN artifact mode WHEN a version has no artifact THEN Prepare refuses it; seeded, it releases', async () => {
    const r = Rehearsal.fromTemplate(template, { service: 'Orders' });
    const refused = await r.execute({ version: '1.0.0' });
    expect(refused.status).toBe('FAILED');
    expect(refused.cause).toMatch(
      /artifact s3:\/\/\S+\/orders\/1\.0\.0\.tar\.gz for version \(1\.0\.0\) does not exist/,
    );

    expect(r.seedArtifacts(['1.0.0', '1.1.0'])).toEqual([
      expect.stringMatching(/^s3:\/\/releases\S*\/orders\/1\.0\.0\.tar\.gz$/),
      expect.stringMatching(/^s3:\/\/releases\S*\/orders\/1\.1\.0\.tar\.gz$/),
    ]);
    expect((await r.execute({ version: '1.0.0' })).status).toBe('SUCCEEDED');
    expect((await r.execute({ version: '1.1.0' })).status).toBe('SUCCEEDED');
    expect(r.violations()).toEqual([]);
  });

  test('GIVEN the demo mode THEN there is no artifact to seed', () => {
    expect(Rehearsal.fromTemplate(template, { service: 'Web' }).seedArtifacts(['1.0.0'])).toEqual([]);
  });
});
