/**
 * The one client-side throttle shared by every request of a run (docs/cli.md `--rate`):
 *
 * - At most `rate` request starts in any sliding window of `windowMs`, paced evenly: one start per
 *   `windowMs / rate`, so 180/min is one every 333 ms, never a burst of 180 that the server's fixed
 *   windows would punish at a boundary (vorel-api.md §5).
 * - The pace is a drift-free schedule: start k of a run of back-to-back starts is due at
 *   anchor + k·spacing, so a timer that fires late (more so on a busy machine) shortens the next
 *   gap instead of pushing every later start back; pacing from the late grant times lost 2–3% of
 *   the budget (bench/rate-ceiling.mjs). Idle time is never banked: a request that comes after its
 *   slot restarts the schedule from now.
 * - Nothing starts during a 429 pause (`pauseUntil`) or beyond the budget the API's
 *   `X-RateLimit-Remaining` names (`setBudget`). Pacing a little under `rate` would not keep the
 *   server's fixed windows safe: the spread of network delays can still put one request too many
 *   into one of them. The budget holds that one back until the reset; without headers the pace is
 *   180, 10% under the API's 200.
 *
 * Waiters are served first come, first served by one pump. Time comes from an injectable clock,
 * so tests run minutes of schedule in milliseconds.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RatePace, RateSetting } from '../rate-pace.js';

/** Time source and timer. `sleep` resolves (or rejects) early when `signal` aborts. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Wall clock and `setTimeout`; an aborted sleep resolves at once. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  sleep: (ms: number, signal?: AbortSignal) => sleep(Math.max(0, ms), undefined, { signal }).catch(() => undefined),
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
   * Extra ms the sliding-window cap adds to `windowMs`: two starts one window apart can reach the
   * server a little less than a window apart. Default 0.
   */
  capSlackMs?: number;
  clock?: Clock;
}

interface Waiter {
  resolve: (grantedAt: number) => void;
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
  /** Start times, ascending; those older than the window are dropped in batches (see grant). */
  private starts: number[] = [];
  /** The schedule: start k of the current run of back-to-back starts is due at anchor + k·spacing. */
  private anchor = Number.NEGATIVE_INFINITY;
  private k = 0;
  private pauseEnd = Number.NEGATIVE_INFINITY;
  /** What the API's headers say is left of its window, minus our starts since (see setBudget). */
  private budget: { left: number; untilMs: number; perWindow: number | undefined } | null = null;
  private readonly queue: Waiter[] = [];
  private pumping = false;
  private pumpSleep: AbortController | null = null;
  /** Starts granted and not yet released: requests in flight. */
  private running = 0;

  constructor(options: RateLimiterOptions) {
    const { rate, windowMs = 60_000, capSlackMs = 0, clock = systemClock } = options;
    if (!(Number.isFinite(windowMs) && windowMs > 0)) throw new RangeError(`windowMs must be > 0, got ${windowMs}`);
    this.perWindow = checkRate(rate);
    this.windowMs = windowMs;
    this.capWindowMs = windowMs + Math.max(0, capSlackMs);
    this.clock = clock;
  }

  /** Minimum gap between two starts, ms (`windowMs / rate`). */
  get spacingMs(): number {
    return this.windowMs / this.perWindow;
  }

  /**
   * Changes the pace (`--rate auto` following the API's headers). The schedule goes on from the
   * last slot, so the change neither bursts nor leaves a gap.
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
    const end = Math.max(this.pauseEnd, budget !== null && budget.left <= 0 ? budget.untilMs : 0);
    return end > now ? end : null;
  }

  /** A granted request has ended (answered or not). */
  release(): void {
    if (this.running > 0) this.running -= 1;
  }

  /** Starts granted in the sliding window that ends now. */
  startsInLastWindow(): number {
    const since = this.clock.now() - this.windowMs;
    let i = this.starts.length;
    while (i > 0 && (this.starts[i - 1] as number) > since) i--;
    return this.starts.length - i;
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
   * counts whole ms, so a paced slot inside the current ms is due now: at the sub-ms spacing of
   * the tests' `--rate 100000` every second start would otherwise wait for a 1 ms timer. Pauses,
   * the budget and the sliding-window cap are exact.
   */
  private nextSlot(now: number): { slot: number; due: number; paced: number } {
    const budget = this.currentBudget(now);
    const paced = this.anchor + (this.k + 1) * this.spacingMs;
    let hard = this.pauseEnd;
    if (budget !== null && budget.left <= 0) hard = Math.max(hard, budget.untilMs);
    // The window (t − windowMs − slack, t] must hold fewer than `rate` starts before one more.
    const capStart = this.starts[this.starts.length - this.perWindow];
    if (capStart !== undefined) hard = Math.max(hard, capStart + this.capWindowMs);
    return { slot: Math.max(paced, hard), due: Math.max(Math.floor(paced), hard), paced };
  }

  /**
   * Resolves when a request may start, with the time its start was counted (a time read later
   * could lie a preempted moment after it). Rejects with {@link AbortedError} if `signal` aborts
   * first; an aborted waiter uses up nothing.
   */
  acquire(signal?: AbortSignal): Promise<number> {
    if (signal?.aborted) return Promise.reject(new AbortedError());
    return new Promise<number>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
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

  /** Counts a start at `now` for a request that asked at `queuedAt`, and moves the schedule on. */
  private grant(now: number, queuedAt: number, slot: number, paced: number): void {
    // Starts older than the window go a window's worth at a time: dropping them one by one would
    // copy a whole window of starts each time at the tests' and benchmarks' unlimited rates.
    if ((this.starts[0] as number) <= now - 2 * this.capWindowMs) {
      this.starts = this.starts.filter((t) => t > now - this.capWindowMs);
    }
    this.starts.push(now);
    if (this.budget !== null) this.budget.left -= 1;
    // A waiter that came after its slot (an idle queue), a whole slot of lateness, or a pause or
    // cap that moved the slot: the schedule restarts there, so idle time is never banked.
    const onSchedule = queuedAt <= slot && now - slot < this.spacingMs;
    if (onSchedule && slot === paced) this.k += 1;
    else {
      this.anchor = onSchedule ? slot : now;
      this.k = 0;
    }
    this.running += 1;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (let waiter = this.queue[0]; waiter !== undefined; waiter = this.queue[0]) {
        const now = this.clock.now();
        const { slot, due, paced } = this.nextSlot(now);
        if (due <= now) {
          this.queue.shift();
          waiter.signal?.removeEventListener('abort', waiter.onAbort);
          this.grant(now, waiter.queuedAt, slot, paced);
          waiter.resolve(now);
          continue;
        }
        // Sleep until the earliest allowed start, then look again. Woken early when the queue
        // empties or the pace, a pause or the budget changes, so no timer outlives its use.
        this.pumpSleep = new AbortController();
        await this.clock.sleep(Math.ceil(due - now), this.pumpSleep.signal).catch(() => undefined);
        this.pumpSleep = null;
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

/** The documented per-key limit (vorel-api.md §5): `auto` never goes above it, whatever a header says. */
const AUTO_MAX_PER_WINDOW = 200;

/**
 * The pace without rate headers: 10% under the documented limit, because the API is fail-open
 * (vorel-api.md §5): no header and no 429 prove nothing about the budget left.
 */
const NO_HEADERS_PER_WINDOW = 180;

/**
 * The pace for `setting` when the API last sent `X-RateLimit-Limit: headerLimit` (undefined: the
 * last answer carried no rate headers). A number is a hard cap and is kept as it is: the headers
 * still hold it back through what they say remains (api/client.ts), never push it up.
 */
export function paceFor(setting: RateSetting, headerLimit: number | undefined): RatePace {
  if (setting !== 'auto') return { mode: 'fixed', per_min: setting, source: 'flag' };
  if (headerLimit === undefined) return { mode: 'auto', per_min: NO_HEADERS_PER_WINDOW, source: 'default' };
  return { mode: 'auto', per_min: Math.min(AUTO_MAX_PER_WINDOW, headerLimit), source: 'headers' };
}

/** The pace a plan or estimate assumes before any answer has come: auto counts on the no-header default. */
export function plannedPerWindow(setting: RateSetting): number {
  return setting === 'auto' ? NO_HEADERS_PER_WINDOW : setting;
}
