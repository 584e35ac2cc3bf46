/**
 * The one client-side throttle shared by every request of a run (cli-contract `--rate`).
 *
 * - At most `rate` request STARTS in any sliding window of `windowMs` (a hard cap on the times
 *   starts are granted), paced evenly: one start per `windowMs / rate` slot, so 180/min is one
 *   start every 333 ms, never a burst of 180 and then a minute of silence (the server's fixed
 *   windows would punish the burst at a window boundary, vorel-api.md §5).
 * - The slots are a drift-free schedule: a start granted δ ms late because the timer fired late
 *   (more so on a busy machine) does not push every later slot back by δ; the next gap is δ
 *   shorter, so a busy run still sends `rate` per window (measured: pacing from the late grant
 *   time lost 2–3% of the budget, bench/rate-ceiling.mjs). Idle time is never banked: a request
 *   that arrives after its slot restarts the schedule from now, so there is no burst.
 * - Why not pace a little under `rate` to stay clear of the server's fixed windows: the starts in
 *   any server window are those of a client interval W + Δ long, Δ being the spread of network
 *   delays, so at exactly the server's limit an unlucky boundary can still see one request too
 *   many. No client pacing removes that without knowing Δ. Instead: the default `--rate` is 180,
 *   10% under the API's 200; `X-RateLimit-Remaining: 0` holds new starts until the reset (below);
 *   and a 429 only comes once the server window already holds its full quota, so the pause until
 *   its end costs no budget.
 * - A run-wide pause (`pauseUntil`, set on a 429): nothing starts before it ends.
 * - An advisory hold from `X-RateLimit-Remaining: 0` + `X-RateLimit-Reset` (`holdUntil`).
 *
 * Waiters are served first come, first served by a single pump, so starts are granted in order.
 * Time comes from an injectable clock, so tests run minutes of schedule in milliseconds.
 */

/** Time source and timer. `sleep` resolves (or rejects) early when `signal` aborts. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Wall clock and `setTimeout`; an aborted sleep resolves at once. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  sleep: (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
    }),
});

/** Thrown by {@link RateLimiter.acquire} when its signal aborts before the start is granted. */
export class AbortedError extends Error {
  readonly code = 'aborted';
  constructor(message = 'aborted before the request started') {
    super(message);
    this.name = 'AbortedError';
  }
}

export interface RateLimiterOptions {
  /** Starts allowed per window (> 0). */
  rate: number;
  /** Window length, ms. Default 60 000. */
  windowMs?: number;
  clock?: Clock;
}

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
  /** When acquire() was called (clock ms). */
  queuedAt: number;
}

export class RateLimiter {
  /** Starts allowed per window. */
  readonly rate: number;
  /** Window length, ms. */
  readonly windowMs: number;
  /** Minimum gap between two starts, ms (`windowMs / rate`). */
  readonly spacingMs: number;

  private readonly clock: Clock;
  /** Start times inside the current sliding window, ascending. */
  private readonly starts: number[] = [];
  /** The schedule slot of the last start (<= its grant time, by less than one spacing). */
  private lastSlot = Number.NEGATIVE_INFINITY;
  private pauseEnd = Number.NEGATIVE_INFINITY;
  private holdEnd = Number.NEGATIVE_INFINITY;
  private readonly queue: Waiter[] = [];
  private pumping = false;
  private pumpSleep: AbortController | null = null;
  private granted = 0;

  constructor(options: RateLimiterOptions) {
    const { rate, windowMs = 60_000, clock = systemClock } = options;
    if (!(Number.isFinite(rate) && rate > 0)) throw new RangeError(`rate must be > 0, got ${rate}`);
    if (!(Number.isFinite(windowMs) && windowMs > 0)) {
      throw new RangeError(`windowMs must be > 0, got ${windowMs}`);
    }
    this.rate = Math.floor(rate) || 1;
    this.windowMs = windowMs;
    this.spacingMs = windowMs / this.rate;
    this.clock = clock;
  }

  /** End of the run-wide pause or advisory hold (epoch ms) while one is in force, else null. */
  get pausedUntil(): number | null {
    const end = Math.max(this.pauseEnd, this.holdEnd);
    return end > this.clock.now() ? end : null;
  }

  /** Requests waiting for a start. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Starts granted since creation. */
  get totalStarts(): number {
    return this.granted;
  }

  /** Starts granted in the sliding window that ends now. */
  startsInLastWindow(): number {
    this.prune(this.clock.now());
    return this.starts.length;
  }

  /** Run-wide pause (a 429): nothing starts before `untilMs` (epoch ms). Only ever extends. */
  pauseUntil(untilMs: number): void {
    if (untilMs > this.pauseEnd) this.pauseEnd = untilMs;
  }

  /** Advisory hold from rate-limit headers: nothing starts before `untilMs`. Only ever extends. */
  holdUntil(untilMs: number): void {
    if (untilMs > this.holdEnd) this.holdEnd = untilMs;
  }

  /** Earliest time (epoch ms) the next start may happen, given what happened so far. */
  nextStartAt(now: number = this.clock.now()): number {
    return Math.max(now, this.nextSlot(now).due);
  }

  /**
   * The next start's slot on the schedule (may lie in the past), and when it is due. The clock
   * counts whole milliseconds, so a paced slot inside the current millisecond is due now: at a
   * sub-millisecond spacing (a --rate in the tens of thousands per minute) every second start
   * would otherwise wait for a 1 ms timer. Pauses, holds and the sliding-window cap are exact.
   */
  private nextSlot(now: number): { slot: number; due: number } {
    this.prune(now);
    const paced = this.lastSlot + this.spacingMs;
    let hard = Math.max(this.pauseEnd, this.holdEnd);
    if (this.starts.length >= this.rate) {
      // The window (t − windowMs, t] must hold fewer than `rate` starts before one more.
      hard = Math.max(hard, (this.starts[this.starts.length - this.rate] ?? now) + this.windowMs);
    }
    return { slot: Math.max(paced, hard), due: Math.max(Math.floor(paced), hard) };
  }

  /**
   * Resolves when a request may start (the start is counted at that moment). Rejects with
   * {@link AbortedError} if `signal` aborts first; an aborted waiter uses up nothing.
   */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortedError());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        queuedAt: this.clock.now(),
        onAbort: () => {
          const i = this.queue.indexOf(waiter);
          if (i >= 0) this.queue.splice(i, 1);
          if (this.queue.length === 0) this.pumpSleep?.abort();
          reject(new AbortedError());
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.queue.push(waiter);
      void this.pump();
    });
  }

  private prune(now: number): void {
    while (this.starts.length > 0 && (this.starts[0] ?? now) <= now - this.windowMs) {
      this.starts.shift();
    }
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        const now = this.clock.now();
        const { slot, due } = this.nextSlot(now);
        if (due <= now) {
          const waiter = this.queue.shift();
          if (waiter === undefined) break;
          waiter.signal?.removeEventListener('abort', waiter.onAbort);
          this.starts.push(now);
          // The waiter was queued by its slot and the timer woke us late: keep the schedule (the
          // next gap is shorter by the lateness). A waiter that came after its slot (an idle
          // queue), or lateness of a whole slot: restart from now, so no time is ever banked.
          const timerLate = waiter.queuedAt <= slot && now - slot < this.spacingMs;
          this.lastSlot = timerLate ? slot : now;
          this.granted += 1;
          waiter.resolve();
          continue;
        }
        // Sleep until the earliest allowed start, then look again: a pause may have been set or
        // extended meanwhile. Woken early when the queue empties, so no timer outlives its use.
        const ctl = new AbortController();
        this.pumpSleep = ctl;
        try {
          await this.clock.sleep(Math.ceil(due - now), ctl.signal);
        } catch {
          // An injected sleep may reject on abort; either way we re-check the queue.
        } finally {
          this.pumpSleep = null;
        }
      }
    } finally {
      this.pumping = false;
    }
  }
}
