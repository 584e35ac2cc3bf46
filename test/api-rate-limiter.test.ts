import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AbortedError, RateLimiter } from '../src/api/rate-limiter.js';
import type { Clock } from '../src/api/rate-limiter.js';
import { maxInSlidingWindow } from './helpers/windows.js';

/** A virtual clock: `sleep` registers a timer; `run` jumps from timer to timer. */
class FakeClock implements Clock {
  t = 1_000_000;
  private timers: Array<{ at: number; seq: number; resolve: () => void }> = [];
  private seq = 0;
  now = (): number => this.t;
  sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, resolve };
      this.timers.push(timer);
      signal?.addEventListener(
        'abort',
        () => {
          this.timers = this.timers.filter((x) => x !== timer);
          resolve();
        },
        { once: true },
      );
    });
  get pendingTimers(): number {
    return this.timers.length;
  }
  /** Runs timers in time order until none is left or `until` is reached; bounded. */
  async run(until = Number.POSITIVE_INFINITY, maxSteps = 100_000): Promise<void> {
    for (let step = 0; step < maxSteps; step++) {
      await flush();
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (next === undefined || next.at > until) {
        if (until !== Number.POSITIVE_INFINITY) this.t = Math.max(this.t, until);
        await flush();
        return;
      }
      this.timers.shift();
      this.t = Math.max(this.t, next.at);
      next.resolve();
    }
    throw new Error('fake clock: too many steps');
  }
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Queues `n` acquires at once and runs the clock until all are granted; grant times from now. */
async function grantTimes(limiter: RateLimiter, clock: FakeClock, n: number): Promise<number[]> {
  const t0 = clock.now();
  const granted: number[] = [];
  const all = Array.from({ length: n }, () => limiter.acquire().then(() => granted.push(clock.now() - t0)));
  await clock.run();
  await Promise.all(all);
  return granted;
}

describe('RateLimiter', () => {
  it('never lets more than `rate` starts into any sliding window (random arrivals)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 100, max: 5000 }),
        fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 60 }),
        async (rate, windowMs, arrivals) => {
          const clock = new FakeClock();
          const t0 = clock.now();
          const limiter = new RateLimiter({ rate, windowMs, clock });
          const granted: number[] = [];
          const all = arrivals.map(async (dt) => {
            await clock.sleep(dt);
            await limiter.acquire();
            granted.push(clock.now());
          });
          await clock.run();
          await Promise.all(all);
          expect(granted).toHaveLength(arrivals.length);
          expect(maxInSlidingWindow(granted, windowMs)).toBeLessThanOrEqual(rate);
          const sorted = [...granted].sort((a, b) => a - b);
          for (let i = 1; i < sorted.length; i++) {
            // A slot woken late (here: sleeps round up to whole ms) shortens the next gap by as
            // much, so the schedule does not drift; never by a whole ms or more.
            expect((sorted[i] ?? 0) - (sorted[i - 1] ?? 0)).toBeGreaterThan(windowMs / rate - 1);
          }
          // Work-conserving: the last start is no later than pacing from the last arrival demands.
          const lastArrival = t0 + Math.max(...arrivals);
          expect(Math.max(...granted)).toBeLessThanOrEqual(lastArrival + arrivals.length * Math.ceil(windowMs / rate) + 1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('paces evenly: 180 per minute is one start every 333 ms, not a burst', async () => {
    const clock = new FakeClock();
    const granted = await grantTimes(new RateLimiter({ rate: 180, windowMs: 60_000, clock }), clock, 400);
    expect(granted[0]).toBe(0);
    expect(granted.filter((t) => t < 1000)).toHaveLength(3);
    expect(granted.filter((t) => t < 60_000)).toHaveLength(180);
    expect(maxInSlidingWindow(granted, 60_000)).toBe(180);
    for (let i = 1; i < granted.length; i++) {
      const gap = (granted[i] ?? 0) - (granted[i - 1] ?? 0);
      expect(gap).toBeGreaterThanOrEqual(333);
      expect(gap).toBeLessThanOrEqual(335);
    }
  });

  it('does not drift when timers fire late: still `rate` starts per window, never more', async () => {
    // Every sleep wakes 7 ms late, as on a busy machine; pacing from the late grant times would
    // make 333 + 7 ms gaps and lose 2% of the budget.
    const clock = new FakeClock();
    const onTime = clock.sleep;
    clock.sleep = (ms, signal) => onTime(ms + 7, signal);
    const granted = await grantTimes(new RateLimiter({ rate: 180, windowMs: 60_000, clock }), clock, 540);
    expect(maxInSlidingWindow(granted, 60_000)).toBe(180);
    // 540 starts at 180 per minute take 3 minutes, give or take one late wake-up per window
    // (the hard sliding-window cap counts real grant times, so it re-bases once per window).
    expect(granted.at(-1)).toBeLessThanOrEqual(3 * 60_000 - 333 + 3 * 8);
    expect(granted.filter((t) => t >= 60_000 && t < 120_000)).toHaveLength(180);
  });

  it('at a sub-millisecond spacing, grants every slot of the current millisecond at once', async () => {
    // 6,000,000 per minute is one start per 0.01 ms; the clock counts whole ms, so waiting for a
    // 1 ms timer between two starts would cap it near 1,000 per second.
    const clock = new FakeClock();
    const granted = await grantTimes(new RateLimiter({ rate: 6_000_000, windowMs: 60_000, clock }), clock, 150);
    expect(granted.filter((t) => t === 0)).toHaveLength(100);
    expect(granted.filter((t) => t === 1)).toHaveLength(50);
  });

  it('serves waiters first come, first served', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ rate: 2, windowMs: 1000, clock });
    const order: number[] = [];
    const all = [0, 1, 2, 3, 4].map((i) => limiter.acquire().then(() => order.push(i)));
    await clock.run();
    await Promise.all(all);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('starts nothing during a pause, then resumes paced', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ rate: 60, windowMs: 60_000, clock });
    const t0 = clock.now();
    await limiter.acquire();
    limiter.pauseUntil(t0 + 5000);
    expect(limiter.pausedUntil).toBe(t0 + 5000);
    const granted: number[] = [];
    const all = [1, 2, 3].map(() => limiter.acquire().then(() => granted.push(clock.now() - t0)));
    await clock.run(t0 + 4999);
    expect(granted).toEqual([]);
    // A later 429 extends the pause; an earlier end never shortens it.
    limiter.pauseUntil(t0 + 7000);
    limiter.pauseUntil(t0 + 6000);
    await clock.run();
    await Promise.all(all);
    expect(granted).toEqual([7000, 8000, 9000]);
    expect(limiter.pausedUntil).toBeNull();
  });

  it('holds while the budget is spent (X-RateLimit-Remaining: 0 until the reset)', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ rate: 1000, windowMs: 1000, clock });
    const t0 = clock.now();
    limiter.setBudget(0, t0 + 2500);
    expect(limiter.pausedUntil).toBe(t0 + 2500);
    let at = -1;
    const p = limiter.acquire().then(() => (at = clock.now() - t0));
    await clock.run();
    await p;
    expect(at).toBe(2500);
  });

  it('spends a budget the API named, one per start, then holds until its reset', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ rate: 1000, windowMs: 1000, clock });
    const t0 = clock.now();
    limiter.setBudget(2, t0 + 5000);
    const granted = await grantTimes(limiter, clock, 4);
    expect(granted).toEqual([0, 1, 5000, 5001]);
  });

  it('keeps `capSlackMs` more than a window between a start and the one `rate` later', async () => {
    const clock = new FakeClock();
    const granted = await grantTimes(new RateLimiter({ rate: 2, windowMs: 1000, capSlackMs: 10, clock }), clock, 5);
    expect(granted).toEqual([0, 500, 1010, 1510, 2020]);
  });

  it('changes pace without a burst: the schedule goes on from the last slot', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ rate: 10, windowMs: 1000, clock });
    const t0 = clock.now();
    const granted: number[] = [];
    const all = Array.from({ length: 6 }, () => limiter.acquire().then(() => granted.push(clock.now() - t0)));
    await clock.run(t0 + 150);
    limiter.setRate(20);
    await clock.run();
    await Promise.all(all);
    expect(granted).toEqual([0, 100, 150, 200, 250, 300]);
    expect(limiter.spacingMs).toBe(50);
  });

  it('counts starts in the last window and forgets old ones', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ rate: 10, windowMs: 1000, clock });
    let started = 0;
    const all = Array.from({ length: 5 }, () => limiter.acquire().then(() => started++));
    await clock.run();
    await Promise.all(all);
    expect(limiter.startsInLastWindow()).toBe(5);
    expect(started).toBe(5);
    clock.t += 2000;
    expect(limiter.startsInLastWindow()).toBe(0);
  });

  it('rejects an aborted waiter at once and lets the others through', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ rate: 1, windowMs: 1000, clock });
    const t0 = clock.now();
    await limiter.acquire(); // uses the only slot of this window
    const ctl = new AbortController();
    const aborted = limiter.acquire(ctl.signal);
    const other = limiter.acquire();
    ctl.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortedError);
    await clock.run();
    await expect(other).resolves.toBe(t0 + 1000);
    // The aborted waiter used up nothing: the other one took the next window's slot.
    expect(clock.now() - t0).toBe(1000);
    expect(limiter.startsInLastWindow()).toBe(1);
    await expect(limiter.acquire(ctl.signal)).rejects.toBeInstanceOf(AbortedError);
  });

  it('leaves no timer behind when every waiter is aborted', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ rate: 1, windowMs: 60_000, clock });
    limiter.pauseUntil(clock.now() + 300_000);
    const ctl = new AbortController();
    const waits = [limiter.acquire(ctl.signal), limiter.acquire(ctl.signal)];
    await flush();
    expect(clock.pendingTimers).toBe(1);
    ctl.abort();
    const settled = await Promise.allSettled(waits);
    await flush();
    expect(clock.pendingTimers).toBe(0);
    expect(settled.map((s) => s.status === 'rejected' && s.reason instanceof AbortedError)).toEqual([true, true]);
  });

  it('rejects nonsense settings', () => {
    expect(() => new RateLimiter({ rate: 0 })).toThrow(RangeError);
    expect(() => new RateLimiter({ rate: 5, windowMs: 0 })).toThrow(RangeError);
  });

  it('works on the real clock with a short window', async () => {
    const limiter = new RateLimiter({ rate: 20, windowMs: 1000 });
    const t0 = Date.now();
    const granted: number[] = [];
    // The limiter's own grant times: a time read by the caller afterwards can lie a stalled moment late.
    await Promise.all(Array.from({ length: 25 }, () => limiter.acquire().then((at) => granted.push(at))));
    expect(maxInSlidingWindow(granted, 1000)).toBeLessThanOrEqual(20);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(24 * 50 - 5);
  });
});
