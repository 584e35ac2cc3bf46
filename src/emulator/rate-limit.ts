/**
 * Per-key fixed-window limiter (vorel-api.md §5 [RL]): the bucket is floor(now / window), so
 * windows line up with epoch multiples of the window, not with a client's first request.
 */

/** A limit of `limit` requests per key in each `windowMs` window. */
export interface RateLimitConfig {
  limit: number;
  windowMs: number;
  /**
   * `always` (default): `X-RateLimit-Limit/Remaining/Reset` on every answer past auth, as the API
   * does. `never`: none at all, only `Retry-After` on a 429, like a fail-open API whose limiter
   * headers went missing (vorel-api.md §5), so a client's fallback pace can be tried.
   */
  headers?: 'always' | 'never';
}

/** The limiter's answer for one request, with the headers to send either way. */
export interface RateLimitDecision {
  allowed: boolean;
  headers: Record<string, string>;
}

/** Throws a RangeError unless limit and windowMs are positive integers. */
export function checkRateLimitConfig(config: RateLimitConfig): Required<RateLimitConfig> {
  if (!Number.isInteger(config.limit) || config.limit < 1) throw new RangeError(`rate limit must be a positive integer: ${config.limit}`);
  if (!Number.isInteger(config.windowMs) || config.windowMs < 1) {
    throw new RangeError(`rate-limit window must be a positive integer (ms): ${config.windowMs}`);
  }
  if (config.headers !== undefined && config.headers !== 'always' && config.headers !== 'never') {
    throw new RangeError(`rate-limit headers must be 'always' or 'never': ${String(config.headers)}`);
  }
  return { limit: config.limit, windowMs: config.windowMs, headers: config.headers ?? 'always' };
}

/** Counts requests per key in the current window. */
export class FixedWindowLimiter {
  private readonly counters = new Map<string, { bucket: number; count: number }>();
  private readonly config: Required<RateLimitConfig>;

  constructor(
    config: RateLimitConfig,
    private readonly clock: () => number,
  ) {
    this.config = checkRateLimitConfig(config);
  }

  /**
   * Counts one request for `key`. A request over the limit is refused and not counted, so the
   * counter never exceeds the limit and a client that keeps knocking is let in again as soon as
   * the next window opens (the notes do not say whether 429s count; this is the lenient reading
   * for the client, but it never lets more than `limit` requests through per window).
   */
  hit(key: string): RateLimitDecision {
    const { limit, windowMs } = this.config;
    const now = this.clock();
    const bucket = Math.floor(now / windowMs);
    let counter = this.counters.get(key);
    if (!counter || counter.bucket !== bucket) {
      counter = { bucket, count: 0 };
      this.counters.set(key, counter);
    }
    const windowEnd = (bucket + 1) * windowMs;
    const allowed = counter.count < limit;
    if (allowed) counter.count++;
    const headers: Record<string, string> =
      this.config.headers === 'never'
        ? {}
        : {
            'x-ratelimit-limit': String(limit),
            'x-ratelimit-remaining': String(limit - counter.count),
            // Epoch seconds, rounded up so a client never retries before the window has ended.
            'x-ratelimit-reset': String(Math.ceil(windowEnd / 1000)),
          };
    if (!allowed) {
      // Delta-seconds (RFC 9110 §10.2.3) until the window ends; at least 1 since 0 invites a hot loop.
      headers['retry-after'] = String(Math.max(1, Math.ceil((windowEnd - now) / 1000)));
    }
    return { allowed, headers };
  }
}
