/** Swap's decisions, pure: no mocks, snapshot data in, decisions out. */
import { liveFleetSize, planSwap } from '../../../lambda/swap/decisions';
import { groupView } from '../fixtures';

describe('liveFleetSize', () => {
  it('GIVEN InService, Pending, Standby and leaving instances THEN counts all but the leaving ones', () => {
    const from = groupView('blue', {
      instances: [
        ['i-1', 'InService'],
        ['i-2', 'Pending'],
        ['i-3', 'Standby'],
        ['i-4', 'Terminating'],
        ['i-5', 'Terminated'],
      ],
    });
    expect(liveFleetSize(from)).toBe(3);
  });
});

describe('planSwap', () => {
  it('lowers MinSize, enters InService instances into Standby, terminates Pending ones', () => {
    const from = groupView('blue', {
      min: 2,
      instances: [
        ['i-1', 'InService'],
        ['i-2', 'Pending:Wait'],
        ['i-3', 'Standby'],
        ['i-4', 'Terminating'],
      ],
      suspended: ['AZRebalance'],
    });
    expect(planSwap(from)).toEqual({
      lowerMinSize: true,
      enterStandby: ['i-1'],
      terminate: ['i-2'],
      suspend: ['AlarmNotification', 'ScheduledActions', 'Launch'],
    });
  });
  it('has nothing left to do on a re-run', () => {
    const from = groupView('blue', {
      min: 0,
      instances: [['i-1', 'Standby']],
      suspended: ['AlarmNotification', 'ScheduledActions', 'AZRebalance', 'Launch'],
    });
    expect(planSwap(from)).toEqual({ lowerMinSize: false, enterStandby: [], terminate: [], suspend: [] });
  });
});
