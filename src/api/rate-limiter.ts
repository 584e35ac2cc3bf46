/** The throttle every request of a run shares, first come, first served (CONTRIBUTING.md "Requests and pace"). */
import { setTimeout as sleep } from 'node:timers/promises';

/** `sleep` resolves (or rejects) early when `signal` aborts; tests inject a virtual clock. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  sleep: (ms: number, signal?: AbortSignal) => sleep(Math.max(0, ms), undefined, { signal }).catch(() => undefined),
});

export class AbortedError extends Error {
  constructor() {
    super('aborted before the request started');
    this.name = 'AbortedError';
  }
}

export interface RateLimiterOptions {
  rate: number;
  windowMs?: number;
  /** Added to the window of the sliding cap: two starts a window apart can reach the server a little closer. */
  capSlackMs?: number;
  clock?: Clock;
}

interface Waiter {
  queuedAt: number;
  start: (grantedAt: number) => void;
}

export class RateLimiter {
  private readonly windowMs: number;
  private readonly capWindowMs: number;
  private readonly clock: Clock;
  private perWindow: number;
  /** Ascending. */
  private starts: number[] = [];
  /** Start k of the current run of back-to-back starts is due at anchor + k·spacing. */
  private anchor = Number.NEGATIVE_INFINITY;
  private k = 0;
  private pauseEnd = Number.NEGATIVE_INFINITY;
  private budget: { left: number; untilMs: number; perWindow: number | undefined } | null = null;
  private readonly queue: Waiter[] = [];
  private pumpSleep: AbortController | null = null;
  /** Requests in flight: granted, not yet released. */
  private running = 0;

  constructor(options: RateLimiterOptions) {
    const { rate, windowMs = 60_000, capSlackMs = 0, clock = systemClock } = options;
    if (!(Number.isFinite(windowMs) && windowMs > 0)) throw new RangeError(`windowMs must be > 0, got ${windowMs}`);
    this.perWindow = checkRate(rate);
    this.windowMs = windowMs;
    this.capWindowMs = windowMs + Math.max(0, capSlackMs);
    this.clock = clock;
  }

  get spacingMs(): number {
    return this.windowMs / this.perWindow;
  }

  /** The schedule goes on from the last slot: no burst, no gap. */
  setRate(rate: number): void {
    const next = checkRate(rate);
    if (next === this.perWindow) return;
    this.anchor += this.k * this.spacingMs;
    this.k = 0;
    this.perWindow = next;
    this.pumpSleep?.abort();
  }

  /** End of the 429 pause or of a spent budget while one is in force. */
  get pausedUntil(): number | null {
    const now = this.clock.now();
    const end = this.holdUntil(now);
    return end > now ? end : null;
  }

  /** The later of the 429 pause's end and a spent budget's reset (may lie in the past). */
  private holdUntil(now: number): number {
    const budget = this.currentBudget(now);
    return budget !== null && budget.left <= 0 ? Math.max(this.pauseEnd, budget.untilMs) : this.pauseEnd;
  }

  /** A granted request has ended, answered or not. */
  release(): void {
    if (this.running > 0) this.running -= 1;
  }

  startsInLastWindow(): number {
    const since = this.clock.now() - this.windowMs;
    let i = this.starts.length;
    while (i > 0 && (this.starts[i - 1] as number) > since) i--;
    return this.starts.length - i;
  }

  /** Only ever extends. */
  pauseUntil(untilMs: number): void {
    if (untilMs > this.pauseEnd) this.pauseEnd = untilMs;
    this.pumpSleep?.abort();
  }

  /**
   * Less those in flight, which the server may not have counted. With `perWindow`, each later window
   * allows that many until newer news, so starts after a reset do not run ahead of the first answer.
   */
  setBudget(remaining: number, untilMs: number, perWindow?: number): void {
    this.budget = { left: remaining - this.running, untilMs, perWindow };
    this.pumpSleep?.abort();
  }

  /** Rolled over into the current window, or gone when no limit is known. */
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

  /** A paced slot inside the current ms is due now: at sub-ms spacing every other start would wait a 1 ms timer. */
  private nextSlot(now: number): { slot: number; due: number; paced: number } {
    const paced = this.anchor + (this.k + 1) * this.spacingMs;
    const capStart = this.starts[this.starts.length - this.perWindow];
    const hard = Math.max(this.holdUntil(now), capStart === undefined ? Number.NEGATIVE_INFINITY : capStart + this.capWindowMs);
    return { slot: Math.max(paced, hard), due: Math.max(Math.floor(paced), hard), paced };
  }

  /** Resolves with the time the start was counted (one read later could lie a stalled moment after it). */
  acquire(signal?: AbortSignal): Promise<number> {
    if (signal?.aborted) return Promise.reject(new AbortedError());
    return new Promise<number>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        if (this.queue.length === 0) this.pumpSleep?.abort();
        reject(new AbortedError());
      };
      const waiter: Waiter = {
        queuedAt: this.clock.now(),
        start: (grantedAt) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(grantedAt);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
      void this.pump();
    });
  }

  private grant(now: number, queuedAt: number, slot: number, paced: number): void {
    // Old starts go a window's worth at a time: one by one would copy the array per start at high rates.
    if ((this.starts[0] as number) <= now - 2 * this.capWindowMs) {
      this.starts = this.starts.filter((t) => t > now - this.capWindowMs);
    }
    this.starts.push(now);
    if (this.budget !== null) this.budget.left -= 1;
    // Came after its slot, a whole slot late, or a pause or cap moved the slot: restart the
    // schedule there, so idle time is never banked.
    const onSchedule = queuedAt <= slot && now - slot < this.spacingMs;
    if (onSchedule && slot === paced) this.k += 1;
    else {
      this.anchor = onSchedule ? slot : now;
      this.k = 0;
    }
    this.running += 1;
  }

  private async pump(): Promise<void> {
    // A pump is running exactly while it sleeps: granting never awaits.
    if (this.pumpSleep !== null) return;
    for (let waiter = this.queue[0]; waiter !== undefined; waiter = this.queue[0]) {
      const now = this.clock.now();
      const { slot, due, paced } = this.nextSlot(now);
      if (due <= now) {
        this.queue.shift();
        this.grant(now, waiter.queuedAt, slot, paced);
        waiter.start(now);
        continue;
      }
      // Woken early when the queue empties or the pace, a pause or the budget changes.
      this.pumpSleep = new AbortController();
      await this.clock.sleep(Math.ceil(due - now), this.pumpSleep.signal).catch(() => undefined);
      this.pumpSleep = null;
    }
  }
}

function checkRate(rate: number): number {
  if (!(Number.isFinite(rate) && rate > 0)) throw new RangeError(`rate must be > 0, got ${rate}`);
  return Math.floor(rate) || 1;
}
