import { handler as checkHealth } from '../../lambda/check-health';
import { basePlan, baseState, inService, type GroupSpec } from './fixtures';
import { givenFleet, resetAws } from './harness';

/**
 * CheckHealth hands the swap the new group as it saw it serving: what the release hooks are told
 * (their `instances` and `previousVersion`).
 */

const NOW = 1_700_000_100_000;
const liveBlue: GroupSpec = { role: 'live', version: 'v1.0.0', min: 2, instances: inService('b', 3) };
const replacing: GroupSpec = {
  role: 'idle',
  version: 'v2.0.0',
  instances: [
    ['i-g1', 'InService'],
    ['i-g2', 'Terminating'],
    ['i-g3', 'InService'],
  ],
};

beforeEach(() => {
  resetAws();
  jest.spyOn(Date, 'now').mockReturnValue(NOW);
});
afterEach(() => jest.restoreAllMocks());

describe('CheckHealth clears the fleet for the swap', () => {
  it('GIVEN the new group healthy WHEN it hands over to the swap THEN it names the serving instances and the previous version', async () => {
    givenFleet(liveBlue, replacing, { 'i-g1': 'healthy', 'i-g2': 'draining', 'i-g3': 'healthy' });
    const state = baseState({ plan: basePlan({ capacity: 2, healthDeadline: NOW + 60_000 }) });
    const next = await checkHealth(state);
    expect(next.next).toBe('swap');
    expect(next.clearedFleet).toEqual({
      colour: 'green',
      instanceIds: ['i-g1', 'i-g3'],
      previousVersion: 'v1.0.0',
    });
  });

  it('GIVEN a first release THEN the previous version is empty', async () => {
    givenFleet({ role: 'idle', instances: [] }, replacing, { 'i-g1': 'healthy', 'i-g3': 'healthy' });
    const plan = basePlan({ capacity: 2, healthDeadline: NOW + 60_000 });
    const { fromColour, fromGroupName, fromVersion, ...first } = plan;
    void [fromColour, fromGroupName, fromVersion];
    const next = await checkHealth(baseState({ plan: first }));
    expect(next.next).toBe('swap');
    expect(next.clearedFleet?.previousVersion).toBe('');
  });

  it('GIVEN the new group not healthy yet THEN nothing is cleared', async () => {
    givenFleet(liveBlue, replacing, { 'i-g1': 'healthy', 'i-g2': 'draining', 'i-g3': 'initial' });
    const state = baseState({ plan: basePlan({ capacity: 2, healthDeadline: NOW + 60_000 }) });
    const next = await checkHealth(state);
    expect(next.next).toBe('waitForHealth');
    expect(next.clearedFleet).toBeUndefined();
  });
});
