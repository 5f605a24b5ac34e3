import { followPace, nextPollDelayMs, shouldReadFleet } from '../../lib/cli/follow-pace';

const pace = followPace(2000);

describe('--follow pace', () => {
  test('GIVEN polls that find nothing new THEN each waits half as long again, up to five base intervals', () => {
    const delays: number[] = [];
    let delay = pace.baseMs;
    for (let i = 0; i < 6; i++) delays.push((delay = nextPollDelayMs(pace, delay, false)));
    expect(delays).toEqual([3000, 4500, 6750, 10000, 10000, 10000]);
  });

  test('GIVEN a poll that finds new events THEN the next waits one base interval', () => {
    expect(nextPollDelayMs(pace, 10000, true)).toBe(2000);
  });

  test('GIVEN a state where the fleet moves THEN every poll reads it', () => {
    for (const state of ['ScaleUp', 'WaitForHealth', 'CheckHealth', 'Swap', 'Rollback', 'Finalize'])
      expect([state, shouldReadFleet(pace, state, false, 2000)]).toEqual([state, true]);
  });

  test('GIVEN a bake or an approval wait THEN the fleet is read at most every 15 base intervals, and on any new event', () => {
    for (const state of ['Bake', 'AfterBake', 'ApproveSwap', 'ApproveFinalize']) {
      expect([state, shouldReadFleet(pace, state, false, 29_999)]).toEqual([state, false]);
      expect([state, shouldReadFleet(pace, state, false, 30_000)]).toEqual([state, true]);
      expect([state, shouldReadFleet(pace, state, true, 1)]).toEqual([state, true]);
    }
  });

  test('GIVEN no reading yet THEN the fleet is read', () => {
    expect(shouldReadFleet(pace, 'Bake', false, undefined)).toBe(true);
  });
});
