/** The retry decision and the backoff maths, pure: `nowMs` and `random` come in. */

/** undici's defaults: 500 ms base (`--backoff-base-ms` in tests), 30 s cap, factor 2. */
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;

/** Longest wait taken from a server header: a broken or hostile one must not stall a run for hours. */
export const MAX_SERVER_WAIT_MS = 5 * 60_000;

/** Pause after a 429 that names no wait at all. */
export const DEFAULT_429_PAUSE_MS = 5_000;

/** Transient server-side trouble (vorel-api.md §6). */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);

/** Re-sending a PATCH of absolute values is safe (vorel-api.md §6); ENOTFOUND and TLS errors do not heal within a run. */
const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
]);

/** Why one HTTP attempt did not succeed. `tooLarge`: the answer was over the size cap. */
export type Failure =
  | { kind: 'http'; status: number; tooLarge?: true }
  | { kind: 'timeout' }
  | { kind: 'certificate'; code: string; message: string }
  | { kind: 'network'; code?: string | undefined; message?: string | undefined };

/** Within the `--retries` budget. Not a 429: it pauses the whole run and is re-sent without using a retry. */
export function isRetryable(failure: Failure): boolean {
  if (failure.kind === 'http') return RETRYABLE_STATUSES.has(failure.status);
  return failure.kind === 'timeout' || (failure.kind === 'network' && RETRYABLE_NETWORK_CODES.has(failure.code ?? ''));
}

/** Full jitter, uniform in [0, min(30 s, baseMs · 2^(attempt−1))): spreads retries of requests that failed together. */
export function retryDelayMs(attempt: number, baseMs = BACKOFF_BASE_MS, random: () => number = Math.random): number {
  const n = Number.isFinite(attempt) ? Math.max(1, Math.floor(attempt)) : 1;
  // 2^30 already passes any cap; a larger power would overflow to Infinity (and 0 · Infinity is NaN).
  const cap = Math.min(BACKOFF_MAX_MS, baseMs * 2 ** Math.min(n - 1, 30));
  let r = random();
  if (!(r >= 0)) r = 0; // NaN or negative
  if (r >= 1) r = 1 - Number.EPSILON;
  return Math.floor(r * cap);
}

/** A header may arrive as string, number or list. */
function headerText(value: unknown): string | undefined {
  if (Array.isArray(value)) return headerText(value[0]);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'string') return value.trim();
  return undefined;
}

function clampWait(ms: number, capMs: number): number {
  return Math.min(capMs, Math.max(0, Math.ceil(ms)));
}

/** RFC 9110 §10.2.3: delta-seconds or an HTTP-date. */
export function parseRetryAfter(value: unknown, nowMs: number, capMs: number = MAX_SERVER_WAIT_MS): number | undefined {
  const text = headerText(value);
  if (text !== undefined && /^\d+$/.test(text)) return clampWait(Number(text) * 1000, capMs);
  const at = httpDate(text);
  return at === undefined ? undefined : clampWait(at - nowMs, capMs);
}

function httpDate(text: string | undefined): number | undefined {
  // An HTTP-date names a day or month in letters: keeps Date.parse from reading "1.5" or "-3".
  if (text === undefined || !/[a-z]{3}/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : at;
}

/** Its unit is not documented (vorel-api.md §5): above 1e9 epoch seconds, else seconds remaining. */
export function parseRateLimitReset(value: unknown, nowMs: number): number | undefined {
  const text = headerText(value);
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) return undefined;
  return clampWait(n > 1e9 ? n * 1000 - nowMs : n * 1000, MAX_SERVER_WAIT_MS);
}

export function parseRemaining(value: unknown): number | undefined {
  const text = headerText(value);
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/** Lower-cased names, as Node and axios give them. */
export type HeaderBag = Readonly<Record<string, unknown>>;

/**
 * The answer's `Date` (RFC 9110 §6.6.1): the API's times read against it, a local clock a minute off
 * neither stalls a run nor sends into a spent window. Whole seconds: a wait is at most 1 s longer.
 */
function serverNowMs(headers: HeaderBag, nowMs: number): number {
  return httpDate(headerText(headers.date)) ?? nowMs;
}

/** `Retry-After`, else `X-RateLimit-Reset`, else {@link DEFAULT_429_PAUSE_MS}. */
export function pauseAfter429Ms(headers: HeaderBag, nowMs: number): number {
  const serverNow = serverNowMs(headers, nowMs);
  return (
    parseRetryAfter(headers['retry-after'], serverNow) ??
    parseRateLimitReset(headers['x-ratelimit-reset'], serverNow) ??
    DEFAULT_429_PAUSE_MS
  );
}

/** A field is absent when its header is missing or garbled. */
export interface RateHeaders {
  limit?: number;
  remaining?: number;
  /** Epoch ms, on our clock. */
  resetAt?: number;
}

/** Advisory only: the API is fail-open, so absent headers prove nothing (vorel-api.md §5). */
export function readRateHeaders(headers: HeaderBag, nowMs: number): RateHeaders {
  const out: RateHeaders = {};
  const limit = parseRemaining(headers['x-ratelimit-limit']);
  if (limit !== undefined && limit > 0) out.limit = limit;
  const remaining = parseRemaining(headers['x-ratelimit-remaining']);
  if (remaining !== undefined) out.remaining = remaining;
  const wait = parseRateLimitReset(headers['x-ratelimit-reset'], serverNowMs(headers, nowMs));
  if (wait !== undefined) out.resetAt = nowMs + wait;
  return out;
}

/** `retriesUsed` does not count 429 re-sends; `pauses` counts the 429s met. */
export interface RequestCounts {
  retriesUsed: number;
  pauses: number;
}

export interface RetryLimits {
  retries: number;
  /** 429 answers one request may meet before it ends `rate_limited`. */
  maxPauses: number;
  backoffBaseMs?: number | undefined;
}

/** `retry` uses one of the retries; `resend` (a 429) uses none. */
export type NextStep =
  | { kind: 'retry'; delayMs: number }
  | { kind: 'resend' }
  | { kind: 'stop'; why: 'final' | 'retries_spent' | 'pauses_spent' };

/** `counts` are before this failure. A server that says when to come back (Retry-After, RFC 9110 §10.2.3) is not asked sooner. */
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
  return { kind: 'retry', delayMs: Math.max(asked, retryDelayMs(counts.retriesUsed + 1, limits.backoffBaseMs, random)) };
}
