/**
 * The retry decision and the backoff maths, as pure functions (house style: got's
 * calculate-retry-delay, undici's retry-handler). No I/O, no clock: `nowMs` and `random` come in.
 */

/** Exponential backoff parameters (undici's defaults: 500 ms min, 30 s max, factor 2). */
export interface BackoffOptions {
  /** Upper bound of the first retry's delay, ms. */
  baseMs: number;
  /** Upper bound of any delay, ms. */
  maxMs: number;
  /** Growth of the upper bound per retry. */
  factor: number;
}

const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({
  baseMs: 500,
  maxMs: 30_000,
  factor: 2,
});

/** Longest wait we take from a server header (Retry-After, X-RateLimit-Reset): 5 minutes. */
export const MAX_SERVER_WAIT_MS = 5 * 60_000;

/** Pause after a 429 that names no wait at all. */
export const DEFAULT_429_PAUSE_MS = 5_000;

/** Statuses worth another attempt: transient server-side trouble (vorel-api.md §6). */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);

/**
 * Socket-level error codes that mean "the request may not have reached the server, or the answer
 * was lost". PATCH with absolute values is idempotent (vorel-api.md §6), so re-sending is safe.
 * ENOTFOUND and TLS errors are deliberately absent: they do not heal within a run.
 */
const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
]);

/** Why one HTTP attempt did not succeed. */
export type Failure =
  | { kind: 'http'; status: number /** The answer was over the size cap (http.ts). */; tooLarge?: true }
  | { kind: 'timeout' }
  /** The API's certificate did not verify: it will not verify on a retry either. */
  | { kind: 'certificate'; code: string; message: string }
  | { kind: 'network'; code?: string | undefined; message?: string | undefined };

/**
 * Whether a failed attempt should be retried (within the `--retries` budget).
 * 429 is NOT retryable here: it pauses the whole run and is re-sent without using a retry.
 * 400/401/403/404 and every other 4xx are final: sending the same request again cannot help.
 */
export function isRetryable(failure: Failure): boolean {
  switch (failure.kind) {
    case 'http':
      return RETRYABLE_STATUSES.has(failure.status);
    case 'timeout':
      return true;
    case 'certificate':
      return false;
    case 'network':
      if (failure.code !== undefined && RETRYABLE_NETWORK_CODES.has(failure.code)) return true;
      return /socket hang up/i.test(failure.message ?? '');
  }
}

/**
 * Delay before retry number `attempt` (1 = the first retry): exponential backoff with FULL jitter,
 * uniform in [0, min(maxMs, baseMs · factor^(attempt−1))). Full jitter spreads the retries of
 * concurrent requests that failed together (AWS architecture blog, "Exponential Backoff And Jitter").
 */
export function retryDelayMs(attempt: number, options: Partial<BackoffOptions> = {}, random: () => number = Math.random): number {
  const { baseMs, maxMs, factor } = { ...DEFAULT_BACKOFF, ...options };
  const n = Number.isFinite(attempt) ? Math.max(1, Math.floor(attempt)) : 1;
  const grown = baseMs * factor ** (n - 1);
  const cap = Math.max(0, Math.min(maxMs, Number.isFinite(grown) ? grown : maxMs));
  let r = random();
  if (!(r >= 0)) r = 0; // NaN or negative
  if (r >= 1) r = 1 - Number.EPSILON;
  return Math.floor(r * cap);
}

/** First value of a header that may arrive as string, number or list. */
function headerText(value: unknown): string | undefined {
  if (Array.isArray(value)) return headerText(value[0]);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'string') return value.trim();
  return undefined;
}

function clampWait(ms: number, capMs: number): number {
  return Math.min(capMs, Math.max(0, Math.ceil(ms)));
}

/**
 * `Retry-After` (RFC 9110 §10.2.3) as a wait in ms: delta-seconds (`120`) or an HTTP-date
 * (`Wed, 21 Oct 2015 07:28:00 GMT`). A date in the past gives 0; waits are capped at `capMs`
 * (a broken or hostile header must not stall a run for hours). Anything else gives `undefined`.
 */
export function parseRetryAfter(value: unknown, nowMs: number, capMs: number = MAX_SERVER_WAIT_MS): number | undefined {
  const text = headerText(value);
  if (text === undefined || text === '') return undefined;
  if (/^\d+$/.test(text)) return clampWait(Number(text) * 1000, capMs);
  // An HTTP-date always names a day or month in letters; this keeps Date.parse from reading
  // things like "1.5" or "-3" as dates.
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return clampWait(at - nowMs, capMs);
}

/**
 * `X-RateLimit-Reset` as a wait in ms. Its unit is not documented (vorel-api.md §5, inferred):
 * a value above 1e9 is read as epoch seconds, anything smaller as seconds remaining.
 * Capped like {@link parseRetryAfter}; garbage gives `undefined`.
 */
export function parseRateLimitReset(value: unknown, nowMs: number, capMs: number = MAX_SERVER_WAIT_MS): number | undefined {
  const text = headerText(value);
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) return undefined;
  return clampWait(n > 1e9 ? n * 1000 - nowMs : n * 1000, capMs);
}

/** `X-RateLimit-Remaining` as a non-negative integer, or `undefined`. */
export function parseRemaining(value: unknown): number | undefined {
  const text = headerText(value);
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/** Response headers, lower-cased names (as Node and axios give them). */
export type HeaderBag = Readonly<Record<string, unknown>>;

/**
 * "Now" on the server's clock: the answer's `Date` header (RFC 9110 §6.6.1), else ours. Times the
 * API sends (an epoch `X-RateLimit-Reset`, a `Retry-After` date) are read against it, so a local
 * clock that is off by a minute neither stalls a run nor sends into a spent window. `Date` has
 * whole seconds, truncated: a wait read against it is at most 1 s longer, never shorter.
 */
function serverNowMs(headers: HeaderBag, nowMs: number): number {
  const text = headerText(headers.date);
  if (text === undefined || !/[a-z]{3}/i.test(text)) return nowMs;
  const at = Date.parse(text);
  return Number.isNaN(at) ? nowMs : at;
}

/**
 * How long the whole run pauses after a 429: `Retry-After`, else `X-RateLimit-Reset`, else
 * {@link DEFAULT_429_PAUSE_MS}. `nowMs` is our clock; the headers are read against the server's.
 */
export function pauseAfter429Ms(headers: HeaderBag, nowMs: number): number {
  const serverNow = serverNowMs(headers, nowMs);
  return (
    parseRetryAfter(headers['retry-after'], serverNow) ??
    parseRateLimitReset(headers['x-ratelimit-reset'], serverNow) ??
    DEFAULT_429_PAUSE_MS
  );
}

/** What the `X-RateLimit-*` headers of one answer say; a field is absent when its header is missing or garbled. */
export interface RateHeaders {
  /** Requests per window for this key. */
  limit?: number;
  /** Requests left in the current window. */
  remaining?: number;
  /** When the current window ends (epoch ms). */
  resetAt?: number;
}

/**
 * Reads the rate headers of any answer. Advisory only: the API is fail-open, so absent headers
 * prove nothing (vorel-api.md §5).
 */
export function readRateHeaders(headers: HeaderBag, nowMs: number): RateHeaders {
  const out: RateHeaders = {};
  const limit = parseRemaining(headers['x-ratelimit-limit']);
  if (limit !== undefined && limit > 0) out.limit = limit;
  const remaining = parseRemaining(headers['x-ratelimit-remaining']);
  if (remaining !== undefined) out.remaining = remaining;
  // A wait on the server's clock, then a time on ours.
  const wait = parseRateLimitReset(headers['x-ratelimit-reset'], serverNowMs(headers, nowMs));
  if (wait !== undefined) out.resetAt = nowMs + wait;
  return out;
}

/** How far one request has got: retries used (429 re-sends do not count) and 429s met. */
export interface RequestCounts {
  retriesUsed: number;
  pauses: number;
}

export interface RetryLimits {
  /** `--retries`: retries per request for 5xx, timeouts and network errors. */
  retries: number;
  /** 429 answers one request may meet before it ends `rate_limited`. */
  maxPauses: number;
  backoff?: Partial<BackoffOptions>;
}

/** What to do after an attempt that failed. */
export type NextStep =
  /** Wait `delayMs`, then try again; one retry of the budget is used. */
  | { kind: 'retry'; delayMs: number }
  /** A 429: send again once the run-wide pause is over; no retry is used. */
  | { kind: 'resend' }
  /** Give up: the answer is final, or the retries or the 429 pauses are spent. */
  | { kind: 'stop'; why: 'final' | 'retries_spent' | 'pauses_spent' };

/**
 * The retry decision for one failed attempt. `counts` are before this attempt's failure.
 * A retry waits the backoff, or longer when the server said so (Retry-After on a 503: RFC 9110
 * §10.2.3, a server that says when to come back is not asked sooner).
 */
export function nextStep(
  failure: Failure,
  headers: HeaderBag,
  counts: RequestCounts,
  limits: RetryLimits,
  nowMs: number,
  random: () => number = Math.random,
): NextStep {
  if (failure.kind === 'http' && failure.status === 429) {
    return counts.pauses + 1 >= limits.maxPauses ? { kind: 'stop', why: 'pauses_spent' } : { kind: 'resend' };
  }
  if (!isRetryable(failure)) return { kind: 'stop', why: 'final' };
  if (counts.retriesUsed >= limits.retries) return { kind: 'stop', why: 'retries_spent' };
  const asked = parseRetryAfter(headers['retry-after'], serverNowMs(headers, nowMs)) ?? 0;
  return { kind: 'retry', delayMs: Math.max(asked, retryDelayMs(counts.retriesUsed + 1, limits.backoff ?? {}, random)) };
}
