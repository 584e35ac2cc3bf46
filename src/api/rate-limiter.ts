/**
 * The one client-side throttle shared by every request of a run (docs/cli.md `--rate`).
 *
 * - At most `rate` request STARTS in any sliding window of `windowMs` (a hard cap on the times
 *   starts are granted), paced evenly: one start per `windowMs / rate` slot, so 180/min is one
 *   start every 333 ms, never a burst of 180 and then a minute of silence (the server's fixed
 *   windows would punish the burst at a window boundary, vorel-api.md §5).
 * - The slots are a drift-free schedule: start k of a run of back-to-back starts is due at
 *   t0 + k·spacing, so a start granted δ ms late because the timer fired late (more so on a busy
 *   machine) does not push every later slot back by δ; the next gap is δ shorter, so a busy run
 *   still sends `rate` per window (measured: pacing from the late grant time lost 2–3% of the
 *   budget, bench/rate-ceiling.mjs). Idle time is never banked: a request that arrives after its
 *   slot restarts the schedule from now, so there is no burst.
 * - The rate can change (`setRate`, `--rate auto` following the API's headers): the schedule goes
 *   on from the last slot at the new spacing.
 * - Why not pace a little under `rate` to stay clear of the server's fixed windows: the starts in
 *   any server window are those of a client interval W + Δ long, Δ being the spread of network
 *   delays, so at exactly the server's limit an unlucky boundary can still see one request too
 *   many. No client pacing removes that without knowing Δ. Instead: the budget the API's
 *   `X-RateLimit-Remaining` names (`setBudget`) holds the one too many until the reset; without
 *   headers the pace is 180, 10% under the API's 200; and a 429 only comes once the server window
 *   already holds its full quota, so the pause until its end costs no budget.
 * - A run-wide pause (`pauseUntil`, set on a 429): nothing starts before it ends.
 *
 * Waiters are served first come, first served by a single pump, so starts are granted in order.
 * Time comes from an injectable clock, so tests run minutes of schedule in milliseconds.
 */
import { StartTimes } from './start-times.js';

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
  /**
   * Extra ms the sliding-window cap adds to `windowMs`. Network delays vary, so two starts exactly
   * one window apart can reach the server a little less than a window apart; a few ms of slack
   * keep the server from ever seeing `rate + 1` in one window. Default 0.
   */
  capSlackMs?: number;
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
  /** Window length, ms. */
  readonly windowMs: number;
  private readonly capWindowMs: number;

  private readonly clock: Clock;
  private perWindow: number;
  /** Start times inside the current sliding window, ascending. */
  private readonly starts = new StartTimes();
  /** The schedule: start k of the current run of back-to-back starts is due at anchor + k·spacing. */
  private anchor = Number.NEGATIVE_INFINITY;
  private k = 0;
  private pauseEnd = Number.NEGATIVE_INFINITY;
  /** What the API's headers say is left of its window, minus our starts since (see setBudget). */
  private budget: { left: number; untilMs: number; perWindow: number | undefined } | null = null;
  private readonly queue: Waiter[] = [];
  private pumping = false;
  private pumpSleep: AbortController | null = null;
  private granted = 0;
  private running = 0;

  constructor(options: RateLimiterOptions) {
    const { rate, windowMs = 60_000, capSlackMs = 0, clock = systemClock } = options;
    if (!(Number.isFinite(windowMs) && windowMs > 0)) {
      throw new RangeError(`windowMs must be > 0, got ${windowMs}`);
    }
    this.perWindow = checkRate(rate);
    this.windowMs = windowMs;
    this.capWindowMs = windowMs + Math.max(0, capSlackMs);
    this.clock = clock;
  }

  /** Starts allowed per window. */
  get rate(): number {
    return this.perWindow;
  }

  /** Minimum gap between two starts, ms (`windowMs / rate`). */
  get spacingMs(): number {
    return this.windowMs / this.perWindow;
  }

  /**
   * Changes the pace (`--rate auto` following the API's headers). The schedule restarts from the
   * last slot, so the change neither bursts nor leaves a gap; the sliding-window cap applies the
   * new rate to the starts already made.
   */
  setRate(rate: number): void {
    const next = checkRate(rate);
    if (next === this.perWindow) return;
    this.anchor += this.k * this.spacingMs;
    this.k = 0;
    this.perWindow = next;
    this.pumpSleep?.abort();
  }

  /** End of the run-wide pause or of a spent budget (epoch ms) while one is in force, else null. */
  get pausedUntil(): number | null {
    const now = this.clock.now();
    const budget = this.currentBudget(now);
    const held = budget !== null && budget.left <= 0 ? budget.untilMs : 0;
    const end = Math.max(this.pauseEnd, held);
    return end > now ? end : null;
  }

  /** Requests waiting for a start. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Starts granted and not yet {@link release}d: requests in flight. */
  get inFlight(): number {
    return this.running;
  }

  /** A granted request has ended (answered or not). */
  release(): void {
    if (this.running > 0) this.running -= 1;
  }

  /** Starts granted since creation. */
  get totalStarts(): number {
    return this.granted;
  }

  /** Starts granted in the sliding window that ends now. */
  startsInLastWindow(): number {
    const now = this.clock.now();
    this.prune(now);
    return this.starts.countAfter(now - this.windowMs);
  }

  /** Run-wide pause (a 429): nothing starts before `untilMs` (epoch ms). Only ever extends. */
  pauseUntil(untilMs: number): void {
    if (untilMs > this.pauseEnd) this.pauseEnd = untilMs;
    this.pumpSleep?.abort();
  }

  /**
   * The API's word on its current window: `remaining` more requests (`X-RateLimit-Remaining`)
   * before `untilMs` (`X-RateLimit-Reset`). The requests in flight are taken off it, since the
   * server may not have counted them yet. With `perWindow` (`X-RateLimit-Limit`), each later
   * window of `windowMs` allows that many, minus those in flight at its start, until newer news
   * comes, so the starts right after a reset do not run ahead of the first answer. Newer news
   * replaces older (the caller drops answers older than the last it passed on); each start uses one.
   */
  setBudget(remaining: number, untilMs: number, perWindow?: number): void {
    this.budget = { left: remaining - this.running, untilMs, perWindow };
    this.pumpSleep?.abort();
  }

  /** The budget in force at `now`: rolled over into the current window, or gone when no limit is known. */
  private currentBudget(now: number): { left: number; untilMs: number } | null {
    const b = this.budget;
    if (b === null || b.untilMs > now) return b;
    if (b.perWindow === undefined) {
      this.budget = null;
      return null;
    }
    b.untilMs += (Math.floor((now - b.untilMs) / this.windowMs) + 1) * this.windowMs;
    b.left = b.perWindow - this.running;
    return b;
  }

  /**
   * The next start's slot on the schedule (may lie in the past), and when it is due. The clock
   * counts whole milliseconds, so a paced slot inside the current millisecond is due now: at a
   * sub-millisecond spacing (a --rate in the tens of thousands per minute) every second start
   * would otherwise wait for a 1 ms timer. Pauses, the budget and the sliding-window cap are exact.
   */
  private nextSlot(now: number): { slot: number; due: number; paced: number } {
    this.prune(now);
    const budget = this.currentBudget(now);
    const paced = this.anchor + (this.k + 1) * this.spacingMs;
    let hard = this.pauseEnd;
    if (budget !== null && budget.left <= 0) hard = Math.max(hard, budget.untilMs);
    if (this.starts.length >= this.perWindow) {
      // The window (t − windowMs − slack, t] must hold fewer than `rate` starts before one more.
      hard = Math.max(hard, (this.starts.at(this.starts.length - this.perWindow) ?? now) + this.capWindowMs);
    }
    return { slot: Math.max(paced, hard), due: Math.max(Math.floor(paced), hard), paced };
  }

  /**
   * Resolves when a request may start (the start is counted at that moment). Rejects with
   * {@link AbortedError} if `signal` aborts first; an aborted waiter uses up nothing.
   */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortedError());
    const queuedAt = this.clock.now();
    // Nobody waiting and the slot due: the start is granted here, with no waiter and no abort
    // listener to add and remove again (at an unlimited rate that is every request).
    if (this.queue.length === 0 && !this.pumping) {
      const { slot, due, paced } = this.nextSlot(queuedAt);
      if (due <= queuedAt) {
        this.grant(queuedAt, queuedAt, slot, paced);
        return Promise.resolve();
      }
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        queuedAt,
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

  /** Counts a start at `now` for a request that asked at `queuedAt`, and moves the schedule on. */
  private grant(now: number, queuedAt: number, slot: number, paced: number): void {
    this.starts.push(now);
    if (this.budget !== null) this.budget.left -= 1;
    // Start k is due at anchor + k·spacing, so a timer that woke δ ms late makes the next gap
    // δ shorter instead of pushing every later start back (on a busy machine the lateness
    // would add up: pacing from the late grant times lost 2–3% of the budget). A waiter that
    // came after its slot (an idle queue), a whole slot of lateness, or a pause or cap that
    // moved the slot: the schedule restarts there, so idle time is never banked as a burst.
    const onSchedule = queuedAt <= slot && now - slot < this.spacingMs;
    if (onSchedule && slot === paced) this.k += 1;
    else {
      this.anchor = onSchedule ? slot : now;
      this.k = 0;
    }
    this.granted += 1;
    this.running += 1;
  }

  private prune(now: number): void {
    this.starts.dropUpTo(now - this.capWindowMs);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        const now = this.clock.now();
        const { slot, due, paced } = this.nextSlot(now);
        if (due <= now) {
          const waiter = this.queue.shift();
          if (waiter === undefined) break;
          waiter.signal?.removeEventListener('abort', waiter.onAbort);
          this.grant(now, waiter.queuedAt, slot, paced);
          waiter.resolve();
          continue;
        }
        // Sleep until the earliest allowed start, then look again. Woken early when the queue
        // empties or the pace, a pause or the budget changes, so no timer outlives its use.
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

function checkRate(rate: number): number {
  if (!(Number.isFinite(rate) && rate > 0)) throw new RangeError(`rate must be > 0, got ${rate}`);
  return Math.floor(rate) || 1;
}
