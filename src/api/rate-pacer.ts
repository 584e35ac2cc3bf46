/**
 * The limiter plus what the API's rate headers say (docs/cli.md `--rate`, docs/vorel-api.md §5):
 * every attempt takes a start here and reports its answer back, so the pace follows
 * `X-RateLimit-Limit` and no start goes beyond what `X-RateLimit-Remaining` leaves, counting the
 * requests still in flight (rate-limiter.ts `setBudget`).
 */
import { paceFor } from '../rate-pace.js';
import type { RatePace, RateSetting } from '../rate-pace.js';
import { RateLimiter } from './rate-limiter.js';
import type { Clock } from './rate-limiter.js';
import { readRateHeaders } from './retry-policy.js';
import type { HeaderBag } from './retry-policy.js';

/** One answer as the pacer needs it. */
export interface Answer {
  status: number;
  headers: HeaderBag;
  /** When its attempt started (clock ms). */
  startedAt: number;
}

export class RatePacer {
  readonly limiter: RateLimiter;
  private current: RatePace;
  /** Start time of the newest attempt whose answer was read: an older answer is older news. */
  private newest = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly setting: RateSetting,
    windowMs: number,
    private readonly clock: Clock,
  ) {
    this.current = paceFor(setting, undefined);
    // Slack on the sliding window (250 ms of 60 s: 0.4% of the budget) covers the spread of delays
    // and event-loop stalls between our start and the API's counter: measured at the server, 50 ms
    // still let 201 requests into one sliding minute now and then (bench/rate-auto.mjs).
    this.limiter = new RateLimiter({ rate: this.current.per_min, windowMs, clock, capSlackMs: windowMs / 240 });
  }

  /** The pace in force now. */
  get pace(): Readonly<RatePace> {
    return this.current;
  }

  /** Whether an answer the pace could learn from has come yet (before it, no header was *missing*). */
  get answered(): boolean {
    return this.newest !== Number.NEGATIVE_INFINITY;
  }

  /** Waits for a start (rejects with AbortedError when `signal` aborts first); returns its time. */
  start(signal: AbortSignal): Promise<number> {
    return this.limiter.acquire(signal);
  }

  /** An attempt ended, with an answer or without one (timeout, network). */
  end(answer: Answer | null): void {
    this.limiter.release();
    if (answer === null || answer.startedAt < this.newest) return;
    // A 5xx often comes from a gateway in front of the API's limiter and says nothing about it.
    if (answer.status >= 500) return;
    this.newest = answer.startedAt;
    const now = this.clock.now();
    const said = readRateHeaders(answer.headers, now);
    const pace = paceFor(this.setting, said.limit);
    if (pace.per_min !== this.current.per_min || pace.source !== this.current.source) {
      this.current = pace;
      this.limiter.setRate(pace.per_min);
    }
    if (said.remaining !== undefined && said.resetAt !== undefined) {
      this.limiter.setBudget(said.remaining, said.resetAt, said.limit);
    }
  }

  /** A 429: the whole run waits (no start before `untilMs`). */
  pauseUntil(untilMs: number): void {
    this.limiter.pauseUntil(untilMs);
  }
}
