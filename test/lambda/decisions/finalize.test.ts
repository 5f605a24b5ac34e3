/** Finalize's decisions, pure: no mocks, snapshot data in, decisions out. */
import { planFinalize } from '../../../lambda/finalize/decisions';
import { groupView } from '../fixtures';

describe('planFinalize', () => {
  it('waits for instances still entering Standby', () => {
    const from = groupView('blue', {
      instances: [
        ['i-1', 'EnteringStandby'],
        ['i-2', 'Standby'],
      ],
    });
    expect(planFinalize(from)).toMatchObject({ enteringStandby: ['i-1'], terminate: ['i-2'] });
  });
  it('GIVEN a replacement serving in the old group WHEN finalizing THEN it is named, to be waited for after scale-in', () => {
    const from = groupView('blue', {
      min: 0,
      desired: 1,
      instances: [
        ['i-2', 'Standby'],
        ['i-3', 'InService'],
      ],
    });
    expect(planFinalize(from)).toMatchObject({ serving: ['i-3'], terminate: ['i-2'], scaleToZero: true });
  });

  it('terminates Standby instances and empties the group', () => {
    const from = groupView('blue', { min: 0, desired: 1, instances: [['i-2', 'Standby']] });
    expect(planFinalize(from)).toEqual({
      serving: [],
      enteringStandby: [],
      terminate: ['i-2'],
      scaleToZero: true,
      suspend: ['AlarmNotification', 'ScheduledActions', 'AZRebalance', 'Launch'],
    });
  });
});
