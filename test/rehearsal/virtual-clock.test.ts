import { promisify } from 'node:util';
import {
  DEFAULT_CLOCK_START_MS,
  VirtualClock,
  VirtualClockDeadlockError,
  VirtualClockLimitError,
} from '../../lib/rehearsal/virtual-clock';

describe('VirtualClock', () => {
  test('starts at a fixed epoch by default, or at the given time', () => {
    expect(new VirtualClock().now()).toBe(DEFAULT_CLOCK_START_MS);
    expect(DEFAULT_CLOCK_START_MS).toBe(Date.UTC(2026, 0, 1));
    expect(new VirtualClock(1234).now()).toBe(1234);
  });

  test('fires timers in due order, and timers due at the same time in creation order', async () => {
    // GIVEN
    const clock = new VirtualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('c@30'), 30);
    clock.setTimeout(() => fired.push('a@10'), 10);
    clock.setTimeout(() => fired.push('b1@20'), 20);
    clock.setTimeout(() => fired.push('b2@20'), 20);
    clock.setTimeout(() => fired.push('b3@20'), 20);
    // WHEN
    await clock.run(clock.sleep(100));
    // THEN
    expect(fired).toEqual(['a@10', 'b1@20', 'b2@20', 'b3@20', 'c@30']);
    expect(clock.now()).toBe(100);
  });

  test('advances now to each timer as it fires', async () => {
    const clock = new VirtualClock(0);
    const seen: number[] = [];
    clock.setTimeout(() => seen.push(clock.now()), 250);
    clock.setTimeout(() => seen.push(clock.now()), 1000);
    await clock.run(clock.sleep(5000));
    expect(seen).toEqual([250, 1000]);
  });

  test('clearTimeout cancels a timer, by object or by its numeric id', async () => {
    const clock = new VirtualClock(0);
    const fired: string[] = [];
    const a = clock.setTimeout(() => fired.push('a'), 10);
    const b = clock.setTimeout(() => fired.push('b'), 20);
    clock.setTimeout(() => fired.push('c'), 30);
    clock.clearTimeout(a);
    clock.clearTimeout(+b);
    expect(clock.pendingTimers).toBe(1);
    await clock.run(clock.sleep(100));
    expect(fired).toEqual(['c']);
  });

  test('every() repeats until cancelled', async () => {
    const clock = new VirtualClock(0);
    const times: number[] = [];
    const ticker = clock.every(1000, () => {
      times.push(clock.now());
      if (times.length === 3) ticker.cancel();
    });
    await clock.run(clock.sleep(10_000));
    expect(times).toEqual([1000, 2000, 3000]);
  });

  test('an async loop that sleeps 5 s 100 times ends 500 s later and takes little real time', async () => {
    // GIVEN
    const clock = new VirtualClock();
    const start = clock.now();
    const uninstall = clock.install();
    const realStart = performance.now();
    let iterations = 0;
    const loop = async (): Promise<number> => {
      for (let i = 0; i < 100; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5000));
        await Promise.resolve(); // a chain of awaits between the timers
        iterations++;
      }
      return Date.now();
    };
    try {
      // WHEN
      const finishedAt = await clock.run(loop());
      // THEN
      expect(iterations).toBe(100);
      expect(finishedAt - start).toBe(500_000);
      expect(clock.now() - start).toBe(500_000);
    } finally {
      uninstall();
    }
    const realMs = performance.now() - realStart;
    expect(realMs).toBeLessThan(1000);
  });

  test('install() virtualizes Date.now() and new Date(), leaves new Date(x) real and instanceof working', () => {
    const clock = new VirtualClock(Date.UTC(2030, 5, 1));
    const before = new Date(0);
    const uninstall = clock.install();
    try {
      expect(Date.now()).toBe(Date.UTC(2030, 5, 1));
      expect(new Date().getTime()).toBe(Date.UTC(2030, 5, 1));
      expect(new Date(86_400_000).toISOString()).toBe('1970-01-02T00:00:00.000Z');
      expect(new Date('2024-02-03T04:05:06Z').getTime()).toBe(Date.UTC(2024, 1, 3, 4, 5, 6));
      expect(new Date(2024, 0, 1).getFullYear()).toBe(2024);
      expect(new Date()).toBeInstanceOf(Date);
      expect(before).toBeInstanceOf(Date);
      expect(Date.UTC(2020, 0, 1)).toBe(1577836800000);
      expect(typeof Date()).toBe('string');
      expect(Object.prototype.toString.call(new Date())).toBe('[object Date]');
    } finally {
      uninstall();
    }
  });

  test('install() virtualizes setTimeout/setInterval/clearTimeout/clearInterval; uninstall restores the originals', async () => {
    const originals = [setTimeout, clearTimeout, setInterval, clearInterval, Date, setImmediate];
    const clock = new VirtualClock(0);
    const uninstall = clock.install();
    const fired: string[] = [];
    try {
      expect(setTimeout).not.toBe(originals[0]);
      expect(setImmediate).toBe(originals[5]); // immediates stay real
      const t = setTimeout((tag: string) => fired.push(tag), 100, 'timeout');
      const cancelled = setTimeout(() => fired.push('cancelled'), 50);
      clearTimeout(cancelled);
      let ticks = 0;
      const interval = setInterval(() => {
        ticks++;
        if (ticks === 4) clearInterval(interval);
      }, 30);
      expect(typeof t.unref).toBe('function');
      await clock.run(clock.sleep(1000));
      expect(fired).toEqual(['timeout']);
      expect(ticks).toBe(4);
    } finally {
      uninstall();
    }
    expect([setTimeout, clearTimeout, setInterval, clearInterval, Date, setImmediate]).toEqual(originals);
    expect(Math.abs(Date.now() - performance.timeOrigin - performance.now())).toBeLessThan(5000);
  });

  test('util.promisify(setTimeout) sleeps in virtual time while installed', async () => {
    const clock = new VirtualClock(0);
    const uninstall = clock.install();
    try {
      const sleep = promisify(setTimeout);
      const value = await clock.run(sleep(30_000, 'done'));
      expect(value).toBe('done');
      expect(clock.now()).toBe(30_000);
    } finally {
      uninstall();
    }
  });

  test('a real setTimeout created before install can still be cleared through the installed clearTimeout', async () => {
    const clock = new VirtualClock(0);
    let fired = false;
    const realTimer = setTimeout(() => (fired = true), 20);
    const uninstall = clock.install();
    clearTimeout(realTimer);
    uninstall();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(fired).toBe(false);
  });

  test('run() returns the value of the work, and rethrows its error', async () => {
    const clock = new VirtualClock(0);
    await expect(clock.run(clock.sleep(10).then(() => 42))).resolves.toBe(42);
    const failing = clock.sleep(10).then(() => {
      throw new Error('boom');
    });
    await expect(clock.run(failing)).rejects.toThrow('boom');
  });

  test('run() lets real immediates run between virtual timers', async () => {
    const clock = new VirtualClock(0);
    const order: string[] = [];
    const work = (async () => {
      await clock.sleep(10);
      await new Promise((resolve) => setImmediate(resolve));
      order.push('after immediate');
      await clock.sleep(10);
      order.push('after second sleep');
    })();
    clock.setTimeout(() => order.push('timer@15'), 15);
    await clock.run(work);
    expect(order).toEqual(['after immediate', 'timer@15', 'after second sleep']);
  });

  test('run() detects a deadlock: nothing pending and the work never settles', async () => {
    const clock = new VirtualClock(0);
    const never = new Promise<void>(() => undefined);
    await expect(clock.run(never)).rejects.toThrow(VirtualClockDeadlockError);
    await expect(clock.run(never)).rejects.toThrow(/deadlock/);
  });

  test('run() stops when virtual time would pass limitMs after its start', async () => {
    const clock = new VirtualClock(0);
    const ticker = clock.every(1000, () => undefined);
    const never = new Promise<void>(() => undefined);
    await expect(clock.run(never, { limitMs: 60_000 })).rejects.toThrow(VirtualClockLimitError);
    expect(clock.now()).toBe(60_000);
    ticker.cancel();
  });

  test('run() refuses to run twice at once', async () => {
    const clock = new VirtualClock(0);
    const first = clock.run(clock.sleep(10));
    await expect(clock.run(clock.sleep(10))).rejects.toThrow(/already running/);
    await first;
  });

  test('timer.refresh() restarts a timer from now', async () => {
    const clock = new VirtualClock(0);
    let firedAt = -1;
    const timer = clock.setTimeout(() => (firedAt = clock.now()), 100);
    clock.setTimeout(() => timer.refresh(), 60);
    await clock.run(clock.sleep(1000));
    expect(firedAt).toBe(160);
  });
});
