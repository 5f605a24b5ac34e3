import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { BlueGreenService, BlueGreenServiceProps } from '../../lib/blue-green-service';
import { testApp } from './helpers';

/** GIVEN services added to stacks of one app (`[stack, id, props]`) WHEN the app is synthesized. */
function synthApp(services: Array<[string, string, BlueGreenServiceProps]>, app: App = testApp()): App {
  for (const [stackId, id, props] of services) {
    const stack = (app.node.tryFindChild(stackId) as Stack | undefined) ?? new Stack(app, stackId);
    new BlueGreenService(stack, id, props);
  }
  app.synth();
  return app;
}

describe('serviceTag is unique in the app', () => {
  test('GIVEN two services with the same serviceTag in one stack THEN synth fails naming the prop, the value and both paths', () => {
    expect(() =>
      synthApp([
        ['A', 'Shop', { serviceTag: 'shop' }],
        ['A', 'Orders', { serviceTag: 'shop' }],
      ]),
    ).toThrow('serviceTag (shop) is used by two services in this app: A/Shop and A/Orders');
  });

  test('GIVEN the same serviceTag in two stacks of one app THEN synth fails naming both paths', () => {
    expect(() =>
      synthApp([
        ['A', 'Shop', { serviceTag: 'shop' }],
        ['B', 'Shop', { serviceTag: 'shop' }],
      ]),
    ).toThrow('serviceTag (shop) is used by two services in this app: A/Shop and B/Shop');
  });

  test('GIVEN the clash THEN it is reported once, by the later service', () => {
    let message = '';
    try {
      synthApp([
        ['A', 'Shop', { serviceTag: 'shop' }],
        ['B', 'Shop', { serviceTag: 'shop' }],
      ]);
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message.match(/is used by two services/g)).toHaveLength(1);
    expect(message).toContain('[B/Shop] serviceTag (shop)');
  });

  test('GIVEN the second service is added after the first construct was built THEN synth still sees it', () => {
    const app = testApp();
    const first = new BlueGreenService(new Stack(app, 'A'), 'Shop', { serviceTag: 'shop' });
    expect(first.serviceTag).toBe('shop');
    new BlueGreenService(new Stack(app, 'B'), 'Shop', { serviceTag: 'shop' });

    expect(() => app.synth()).toThrow(/serviceTag \(shop\) is used by two services/);
  });

  test('GIVEN an explicit serviceTag equal to another service default THEN synth fails', () => {
    const app = testApp();
    const defaulted = new BlueGreenService(new Stack(app, 'A'), 'Shop');
    new BlueGreenService(new Stack(app, 'B'), 'Shop', { serviceTag: defaulted.serviceTag });

    expect(() => app.synth()).toThrow(`serviceTag (${defaulted.serviceTag}) is used by two services`);
  });

  test('GIVEN distinct serviceTags THEN synth passes', () => {
    expect(() =>
      synthApp([
        ['A', 'Shop', { serviceTag: 'shop' }],
        ['A', 'Orders', { serviceTag: 'orders' }],
        ['B', 'Shop', { serviceTag: 'shop-eu' }],
      ]),
    ).not.toThrow();
  });

  test('GIVEN default serviceTags for same-named services in two stacks THEN they differ and synth passes', () => {
    const app = testApp();
    const a = new BlueGreenService(new Stack(app, 'A'), 'Shop');
    const b = new BlueGreenService(new Stack(app, 'B'), 'Shop');

    expect(a.serviceTag).not.toBe(b.serviceTag);
    expect(() => app.synth()).not.toThrow();
  });

  test('GIVEN the same Token serviceTag twice THEN it is not checked (known at deploy time only)', () => {
    const app = testApp();
    const stack = new Stack(app, 'A');
    const tag = new CfnParameter(stack, 'Tag').valueAsString;
    new BlueGreenService(stack, 'Shop', { serviceTag: tag });
    new BlueGreenService(stack, 'Orders', { serviceTag: tag });

    expect(() => app.synth()).not.toThrow();
  });

  test('GIVEN the same serviceTag in stacks of different regions THEN synth passes (tags and metrics are regional)', () => {
    const app = testApp();
    const env = (region: string) => ({ env: { account: '123456789012', region } });
    new BlueGreenService(new Stack(app, 'Eu', env('eu-west-1')), 'Shop', { serviceTag: 'shop' });
    new BlueGreenService(new Stack(app, 'Us', env('us-east-1')), 'Shop', { serviceTag: 'shop' });

    expect(() => app.synth()).not.toThrow();
  });

  test('GIVEN the same serviceTag in an environment-agnostic stack and a regional one THEN synth fails (they may meet)', () => {
    const app = testApp();
    new BlueGreenService(new Stack(app, 'Agnostic'), 'Shop', { serviceTag: 'shop' });
    new BlueGreenService(
      new Stack(app, 'Eu', { env: { account: '123456789012', region: 'eu-west-1' } }),
      'Shop',
      { serviceTag: 'shop' },
    );

    expect(() => app.synth()).toThrow(
      'serviceTag (shop) is used by two services in this app: Agnostic/Shop and Eu/Shop',
    );
  });
});
