import { replay } from './chaos-fixture';

/**
 * The shortest replays the chaos search found, each a named regression test: zero violations and
 * the convergence release succeeding. Each names the seed and the code it was found against.
 */

describe('found by the 10,000-schedule search (seeds 1 to 10000)', () => {
  // Seeds 1566 and 6891: v2 stopped in Finalize, a release of v3 takes the lock over, and a
  // rollback supersedes it before the v3 release had decided anything. The rollback must go back
  // to the last version at rest before the interrupted v2 (v1), not report v2 as rolled back to.
  replay(
    'v2 stopped in Finalize, a release of v3 and at once a rollback, under ResourceContention: v1 is what the rollback restores',
    {
      seed: 6891,
      before: ['v1'],
      actions: [
        { at: 0, do: 'start', name: 'chaos-a', request: { version: 'v2' } },
        { at: 1837, after: { name: 'chaos-a', state: 'Finalize' }, do: 'stop', name: 'chaos-a' },
        {
          at: 1847,
          after: { name: 'chaos-a', state: 'Finalize' },
          do: 'start',
          name: 'chaos-c',
          request: { version: 'v3' },
        },
        {
          at: 2263,
          after: { name: 'chaos-a', state: 'Finalize' },
          do: 'start',
          name: 'chaos-b',
          request: { action: 'rollback' },
        },
        {
          at: 296,
          after: { name: 'chaos-a', state: 'Finalize' },
          do: 'fail-calls',
          error: 'ResourceContention',
          probability: 0.7,
          forMs: 49208,
        },
      ],
    },
  );
});

describe('found against the fenced handlers (2f35d5d to fb2111d)', () => {
  // Seed 339: the group replaced an old-fleet instance terminated mid-Swap; the replacement
  // served v1 beside v2 through the bake and was left InService in the idle group after Finalize.
  replay(
    'an old-fleet instance terminated 588 ms into Swap: its replacement does not stay behind in the idle group',
    {
      seed: 339,
      before: ['v1'],
      actions: [
        { at: 0, do: 'start', name: 'chaos-a', request: { version: 'v2' } },
        {
          at: 588,
          after: { name: 'chaos-a', state: 'Swap' },
          do: 'kill',
          colour: 'blue',
          state: 'InService',
          pick: 1,
          how: 'terminate',
        },
      ],
    },
  );

  // Seed 2399: the same through a rollback after finalize (the re-release of v1 swaps too).
  replay(
    'a rollback re-releasing v1, an old-fleet instance terminated 591 ms into its Swap: nothing left in the idle group',
    {
      seed: 2399,
      before: ['v1', 'v2'],
      actions: [
        { at: 0, do: 'start', name: 'chaos-a', request: { action: 'rollback' } },
        {
          at: 591,
          after: { name: 'chaos-a', state: 'Swap' },
          do: 'kill',
          colour: 'green',
          state: 'InService',
          pick: 1,
          how: 'terminate',
        },
      ],
    },
  );

  // Seed 2088: the second rollback, joining the first, reported "rolled-back v2" with v2 live.
  replay('two rollbacks started 220 ms and 375 ms into the Finalize of v2: v1 is what they restore', {
    seed: 2088,
    before: ['v1'],
    actions: [
      { at: 0, do: 'start', name: 'chaos-a', request: { version: 'v2' } },
      {
        at: 375,
        after: { name: 'chaos-a', state: 'Finalize' },
        do: 'start',
        name: 'chaos-b',
        request: { action: 'rollback' },
      },
      {
        at: 220,
        after: { name: 'chaos-a', state: 'Finalize' },
        do: 'start',
        name: 'chaos-c',
        request: { action: 'rollback' },
      },
    ],
  });

  // Seed 5191: a SUCCEEDED release left the lock item behind ("could not leave the in-flight list").
  replay('throttling from 522 ms into Swap for 46 s: the release that succeeds releases the lock', {
    seed: 5191,
    before: ['v1'],
    actions: [
      { at: 43367, do: 'start', name: 'chaos-b', request: { version: 'v3' } },
      {
        at: 522,
        after: { name: 'chaos-b', state: 'Swap' },
        do: 'fail-calls',
        error: 'Throttling',
        probability: 0.7,
        forMs: 46371,
      },
    ],
  });

  // Seed 2782: v4 gave up (FAILED ResourceContention) with its group tagged idle but serving v2's
  // instances at MinSize 2, and the lock held.
  replay(
    'v2 stopped 1.4 s into CheckHealth, v4 at once, under 30 s of throttling and ResourceContention: nothing left mid-way',
    {
      seed: 2782,
      before: ['v1'],
      actions: [
        { at: 0, do: 'start', name: 'chaos-a', request: { version: 'v2' } },
        { at: 1429, after: { name: 'chaos-a', state: 'CheckHealth' }, do: 'stop', name: 'chaos-a' },
        {
          at: 1442,
          after: { name: 'chaos-a', state: 'CheckHealth' },
          do: 'start',
          name: 'chaos-c',
          request: { version: 'v4' },
        },
        {
          at: 1069,
          after: { name: 'chaos-a', state: 'CheckHealth' },
          do: 'fail-calls',
          error: 'Throttling',
          probability: 0.6,
          forMs: 38797,
        },
        {
          at: 2833,
          after: { name: 'chaos-a', state: 'CheckHealth' },
          do: 'fail-calls',
          error: 'ResourceContention',
          probability: 0.7,
          forMs: 29684,
        },
      ],
    },
  );

  // Seed 3605: the second rollback gave up (FAILED ResourceContention) and left the lock held.
  replay('two rollbacks during the bake of v2, under a minute of ResourceContention: the lock is released', {
    seed: 3605,
    before: ['v1'],
    actions: [
      { at: 0, do: 'start', name: 'chaos-a', request: { version: 'v2' } },
      { at: 85278, do: 'start', name: 'chaos-c', request: { action: 'rollback' } },
      { at: 101893, do: 'start', name: 'chaos-b', request: { action: 'rollback' } },
      {
        at: 38028,
        after: { name: 'chaos-a', state: 'Bake' },
        do: 'fail-calls',
        error: 'ResourceContention',
        probability: 0.7,
        forMs: 59631,
      },
    ],
  });
});

describe('found against the handlers of 96fa807', () => {
  // Seed 43: v3 refused with ReleaseInProgress while no other execution ran.
  replay('v2 stopped 77 ms into Finalize, v3 started 45 ms later: v3 is not refused', {
    seed: 43,
    before: ['v1'],
    actions: [
      { at: 0, do: 'start', name: 'chaos-a', request: { version: 'v2' } },
      { at: 77, after: { name: 'chaos-a', state: 'Finalize' }, do: 'stop', name: 'chaos-a' },
      {
        at: 122,
        after: { name: 'chaos-a', state: 'Finalize' },
        do: 'start',
        name: 'chaos-b',
        request: { version: 'v3' },
      },
    ],
  });

  // Seed 41: the rollback restored v1 with one healthy instance of two.
  replay(
    'an old-fleet instance terminated during the health wait, then a rollback 2 s into the bake: v1 back at capacity',
    {
      seed: 41,
      before: ['v1'],
      actions: [
        { at: 0, do: 'start', name: 'chaos-a', request: { version: 'v2' } },
        { at: 31091, do: 'kill', colour: 'blue', state: 'InService', pick: 0, how: 'terminate' },
        {
          at: 2015,
          after: { name: 'chaos-a', state: 'Bake' },
          do: 'start',
          name: 'chaos-b',
          request: { action: 'rollback' },
        },
      ],
    },
  );

  // Seed 96: the same, the Standby instance terminated by a person during the bake of v3.
  replay(
    'a Standby instance of the old fleet terminated during the bake, then a rollback: v1 back at capacity',
    {
      seed: 96,
      before: ['v1'],
      actions: [
        { at: 94878, do: 'start', name: 'chaos-d', request: { version: 'v3' } },
        { at: 265820, do: 'kill', colour: 'blue', state: 'Standby', pick: 5, how: 'terminate' },
        { at: 374922, do: 'start', name: 'chaos-c', request: { action: 'rollback' } },
      ],
    },
  );

  // Seed 16: a Pending instance of the old fleet, terminated 30 ms into Swap, was replaced in the
  // group then tagged idle ("both groups have instances").
  replay(
    'the live group scaled out, one of its Pending instances terminated 30 ms into Swap: nothing left in the idle group',
    {
      seed: 16,
      before: ['v1'],
      actions: [
        { at: 0, do: 'start', name: 'chaos-a', request: { version: 'v2' } },
        { at: 49532, do: 'scale', colour: 'blue', by: 2 },
        {
          at: 30,
          after: { name: 'chaos-a', state: 'Swap' },
          do: 'kill',
          colour: 'blue',
          state: 'Pending',
          pick: 2,
          how: 'terminate',
        },
      ],
    },
  );

  // Seed 97: both groups tagged live, Standby instances left, the convergence refused (UnexplainedState).
  replay(
    'a rollback started 1 s into the Swap of a rollback, under ResourceContention: never two live groups',
    {
      seed: 97,
      before: ['v1', 'v2'],
      actions: [
        { at: 0, do: 'start', name: 'chaos-a', request: { action: 'rollback' } },
        { at: 23566, do: 'fail-calls', error: 'ResourceContention', probability: 0.6, forMs: 54025 },
        {
          at: 1016,
          after: { name: 'chaos-a', state: 'Swap' },
          do: 'start',
          name: 'chaos-b',
          request: { action: 'rollback' },
        },
      ],
    },
  );
});

describe('found by the harsh-profile search (seeds 1 to 1000, --profile harsh)', () => {
  // Seed 387: v2 stopped 2.4 s in, a release of v3 started 2 ms later. The stopped Prepare's
  // Lambda still ran and took the lock after v3 read it free; v3's re-read of the new holder
  // answered RUNNING (DescribeExecution lagging StopExecution, reads up to 5 s stale) and v3 was
  // refused as ReleaseInProgress at once, although nothing ran. A release now re-reads a holder that
  // looks RUNNING until the reads span the read-settle window, wherever it would refuse.
  replay(
    'v2 stopped in Prepare, v3 started 2 ms later while DescribeExecution still reads RUNNING: v3 is not refused',
    {
      seed: 387,
      before: ['v1'],
      actions: [
        { at: 0, do: 'start', name: 'chaos-a', request: { version: 'v2' } },
        { at: 2448, do: 'stop', name: 'chaos-a' },
        { at: 2450, do: 'start', name: 'chaos-b', request: { version: 'v3' } },
      ],
    },
    'harsh',
  );
});
