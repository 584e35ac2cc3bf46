import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED, redact } from '../src/api/redact.js';
import {
  DEFAULT_429_PAUSE_MS,
  isRetryable,
  MAX_SERVER_WAIT_MS,
  parseRateLimitReset,
  parseRemaining,
  nextStep,
  readRateHeaders,
  parseRetryAfter,
  pauseAfter429Ms,
  retryDelayMs,
} from '../src/api/retry-policy.js';
import type { Failure } from '../src/api/retry-policy.js';

const NOW = Date.parse('2026-11-25T13:40:05Z');

describe('isRetryable', () => {
  const table: Array<[Failure, boolean]> = [
    [{ kind: 'http', status: 500 }, true],
    [{ kind: 'http', status: 502 }, true],
    [{ kind: 'http', status: 503 }, true],
    [{ kind: 'http', status: 504 }, true],
    [{ kind: 'http', status: 501 }, false],
    [{ kind: 'http', status: 505 }, false],
    [{ kind: 'http', status: 400 }, false],
    [{ kind: 'http', status: 401 }, false],
    [{ kind: 'http', status: 403 }, false],
    [{ kind: 'http', status: 404 }, false],
    [{ kind: 'http', status: 409 }, false],
    [{ kind: 'http', status: 422 }, false],
    // 429 pauses the run and is re-sent without using a retry: not the retry policy's business.
    [{ kind: 'http', status: 429 }, false],
    [{ kind: 'http', status: 302 }, false],
    [{ kind: 'timeout' }, true],
    [{ kind: 'network', code: 'ECONNRESET' }, true],
    [{ kind: 'network', code: 'ECONNREFUSED' }, true],
    [{ kind: 'network', code: 'EPIPE' }, true],
    [{ kind: 'network', code: 'ETIMEDOUT' }, true],
    // Node's "socket hang up" comes as ECONNRESET (test/api-client.test.ts drives a real one).
    [{ kind: 'network', code: 'ECONNRESET', message: 'socket hang up' }, true],
    [{ kind: 'network', code: 'ENOTFOUND' }, false],
    [{ kind: 'network', code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, false],
    [{ kind: 'network' }, false],
  ];
  it.each(table)('%j → %s', (failure, expected) => {
    expect(isRetryable(failure)).toBe(expected);
  });

  it('never retries any 4xx', () => {
    fc.assert(fc.property(fc.integer({ min: 400, max: 499 }), (status) => !isRetryable({ kind: 'http', status })));
  });
});

describe('retryDelayMs (exponential backoff, full jitter)', () => {
  it('stays within [0, min(30 s, base·2^(n−1))) for any attempt and random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 5000 }),
        (attempt, r, baseMs) => {
          const d = retryDelayMs(attempt, baseMs, () => r);
          const cap = Math.min(30_000, baseMs * 2 ** (attempt - 1));
          return Number.isInteger(d) && d >= 0 && d <= cap && (cap === 0 || d < cap);
        },
      ),
    );
  });

  it('uses 500 ms / 30 s / factor 2 by default', () => {
    const top = () => 1 - Number.EPSILON;
    expect(retryDelayMs(1, undefined, top)).toBe(499);
    expect(retryDelayMs(2, undefined, top)).toBe(999);
    expect(retryDelayMs(3, undefined, top)).toBe(1999);
    expect(retryDelayMs(20, undefined, top)).toBe(29_999);
    expect(retryDelayMs(10_000, undefined, top)).toBe(29_999); // no overflow to Infinity/NaN
    expect(retryDelayMs(3, undefined, () => 0)).toBe(0);
    expect(retryDelayMs(3, undefined, () => 0.5)).toBe(1000);
  });

  it('is spread out (full jitter), not clustered near the cap', () => {
    let seed = 42;
    const rng = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const ds = Array.from({ length: 2000 }, () => retryDelayMs(4, undefined, rng));
    const mean = ds.reduce((a, b) => a + b, 0) / ds.length;
    expect(Math.min(...ds)).toBeLessThan(400);
    expect(Math.max(...ds)).toBeGreaterThan(3600);
    expect(mean).toBeGreaterThan(1700);
    expect(mean).toBeLessThan(2300);
  });

  it('tolerates a broken random source and bad attempt numbers', () => {
    expect(retryDelayMs(1, undefined, () => Number.NaN)).toBe(0);
    expect(retryDelayMs(1, undefined, () => -3)).toBe(0);
    expect(retryDelayMs(1, undefined, () => 7)).toBeLessThan(500);
    expect(retryDelayMs(0, undefined, () => 0.5)).toBe(250);
    expect(retryDelayMs(Number.NaN, undefined, () => 0.5)).toBe(250);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter('1', NOW)).toBe(1000);
    expect(parseRetryAfter(' 120 ', NOW)).toBe(120_000);
    expect(parseRetryAfter(7, NOW)).toBe(7000);
    expect(parseRetryAfter(['3', '9'], NOW)).toBe(3000);
  });

  it('reads an HTTP-date (IMF-fixdate and the obsolete forms)', () => {
    expect(parseRetryAfter(new Date(NOW + 30_000).toUTCString(), NOW)).toBe(30_000);
    expect(parseRetryAfter('Wednesday, 25-Nov-26 13:40:15 GMT', NOW)).toBe(10_000);
    expect(parseRetryAfter('Wed Nov 25 13:40:20 2026', NOW)).toBeTypeOf('number'); // asctime, read in local time
  });

  it('gives 0 for a date in the past', () => {
    expect(parseRetryAfter(new Date(NOW - 60_000).toUTCString(), NOW)).toBe(0);
  });

  it('caps long waits (5 min by default)', () => {
    expect(parseRetryAfter('999999', NOW)).toBe(MAX_SERVER_WAIT_MS);
    expect(parseRetryAfter(new Date(NOW + 86_400_000).toUTCString(), NOW)).toBe(MAX_SERVER_WAIT_MS);
    expect(parseRetryAfter('90', NOW, 10_000)).toBe(10_000);
  });

  it.each(['', '   ', 'soon', '-5', '1.5', '1e3', '0x10', 'NaN', 'Mon, 99 Foo 2026 25:00:00 GMT', '12abc'])(
    'garbage %j → undefined',
    (v) => {
      expect(parseRetryAfter(v, NOW)).toBeUndefined();
    },
  );

  it('ignores non-header values', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
    expect(parseRetryAfter({}, NOW)).toBeUndefined();
    expect(parseRetryAfter(Number.POSITIVE_INFINITY, NOW)).toBeUndefined();
  });

  it('never returns a negative or over-cap wait', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const v = parseRetryAfter(s, NOW);
        return v === undefined || (v >= 0 && v <= MAX_SERVER_WAIT_MS);
      }),
    );
  });
});

describe('parseRateLimitReset', () => {
  it('reads a value above 1e9 as epoch seconds', () => {
    expect(parseRateLimitReset(String(NOW / 1000 + 42), NOW)).toBe(42_000);
    expect(parseRateLimitReset(String(NOW / 1000 - 5), NOW)).toBe(0);
  });
  it('reads a small value as seconds remaining', () => {
    expect(parseRateLimitReset('17', NOW)).toBe(17_000);
    expect(parseRateLimitReset('0.25', NOW)).toBe(250);
    expect(parseRateLimitReset('1000000000', NOW)).toBe(MAX_SERVER_WAIT_MS); // 1e9 itself: seconds
  });
  it('caps and rejects garbage', () => {
    expect(parseRateLimitReset(String(NOW / 1000 + 86_400), NOW)).toBe(MAX_SERVER_WAIT_MS);
    for (const v of ['', 'x', '-1', '1e3', undefined, null]) expect(parseRateLimitReset(v, NOW)).toBeUndefined();
  });
});

describe('headers → pauses', () => {
  it('pauses for Retry-After, else the reset header, else the default', () => {
    expect(pauseAfter429Ms({ 'retry-after': '3', 'x-ratelimit-reset': '50' }, NOW)).toBe(3000);
    expect(pauseAfter429Ms({ 'retry-after': 'bogus', 'x-ratelimit-reset': '50' }, NOW)).toBe(50_000);
    expect(pauseAfter429Ms({}, NOW)).toBe(DEFAULT_429_PAUSE_MS);
  });
  it('reads the rate headers: a limit, what remains, and when the window ends (epoch or seconds left)', () => {
    expect(readRateHeaders({ 'x-ratelimit-limit': '200', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '2' }, NOW)).toEqual({
      limit: 200,
      remaining: 0,
      resetAt: NOW + 2000,
    });
    const epoch = Math.ceil(NOW / 1000) + 30;
    expect(readRateHeaders({ 'x-ratelimit-reset': String(epoch) }, NOW)).toEqual({ resetAt: epoch * 1000 });
    expect(readRateHeaders({ 'x-ratelimit-limit': '0', 'x-ratelimit-remaining': 'x' }, NOW)).toEqual({});
    expect(readRateHeaders({}, NOW)).toEqual({});
    expect(parseRemaining('07')).toBe(7);
    expect(parseRemaining('-1')).toBeUndefined();
  });
});

describe('nextStep', () => {
  const limits = { retries: 2, maxPauses: 3, backoffBaseMs: 100 };
  const http = (status: number): Failure => ({ kind: 'http', status });

  it('retries 5xx, timeouts and resets with backoff until the retries are spent', () => {
    expect(nextStep(http(503), {}, { retriesUsed: 0, pauses: 0 }, limits, NOW, () => 0.5)).toEqual({ kind: 'retry', delayMs: 50 });
    expect(nextStep({ kind: 'timeout' }, {}, { retriesUsed: 1, pauses: 0 }, limits, NOW, () => 0.5)).toEqual({
      kind: 'retry',
      delayMs: 100,
    });
    expect(nextStep({ kind: 'network', code: 'ECONNRESET' }, {}, { retriesUsed: 2, pauses: 0 }, limits, NOW)).toEqual({
      kind: 'stop',
      why: 'retries_spent',
    });
  });

  it('waits at least what Retry-After asks on a 503', () => {
    expect(nextStep(http(503), { 'retry-after': '4' }, { retriesUsed: 0, pauses: 0 }, limits, NOW, () => 0)).toEqual({
      kind: 'retry',
      delayMs: 4000,
    });
  });

  it('re-sends a 429 without using a retry, until the pauses are spent', () => {
    expect(nextStep(http(429), {}, { retriesUsed: 2, pauses: 1 }, limits, NOW)).toEqual({ kind: 'resend' });
    expect(nextStep(http(429), {}, { retriesUsed: 0, pauses: 2 }, limits, NOW)).toEqual({ kind: 'stop', why: 'pauses_spent' });
  });

  it('stops at once on an answer a retry cannot change', () => {
    for (const status of [400, 401, 403, 404, 302]) {
      expect(nextStep(http(status), {}, { retriesUsed: 0, pauses: 0 }, limits, NOW)).toEqual({ kind: 'stop', why: 'final' });
    }
  });
});

describe('redact', () => {
  const key = `vapk_live_${'ab12'.repeat(12)}`;
  it('removes the key, alone and as a bearer token', () => {
    const out = redact(`Authorization: Bearer ${key}; again ${key}`, key);
    expect(out).not.toContain(key);
    expect(out).toBe(`Authorization: Bearer ${REDACTED}; again ${REDACTED}`);
  });
  it('removes anything shaped like a Vorel key, and leaves other text alone', () => {
    const other = `vapk_test_${'0'.repeat(48)}`;
    expect(redact(`echo ${other}`, key)).toBe(`echo ${REDACTED}`);
    expect(redact('PATCH /api/v1/conversations/x: 404 not_found', key)).toBe('PATCH /api/v1/conversations/x: 404 not_found');
    expect(redact('nothing', '')).toBe('nothing');
  });
  it('removes the secret part after the prefix when it comes alone, in any case', () => {
    const secret = key.slice('vapk_live_'.length);
    expect(redact(`hash of ${secret} / ${secret.toUpperCase()}`, key)).toBe(`hash of ${REDACTED} / ${REDACTED}`);
  });
  it('never lets the key through, wherever it sits', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => !redact(`${a}${key}${b}`, key).includes(key)));
  });
});

describe("times read against the server's clock (its Date header)", () => {
  const SKEW = 45_000;
  const serverNow = NOW + SKEW; // the server's clock runs 45 s ahead of ours
  const date = new Date(serverNow).toUTCString();
  const resetIn20s = String(Math.floor(serverNow / 1000) + 20);

  it('reads an epoch X-RateLimit-Reset as the value minus Date, whichever way our clock is off', () => {
    for (const skew of [SKEW, -SKEW]) {
      const at = NOW + skew;
      const headers = { date: new Date(at).toUTCString(), 'x-ratelimit-reset': String(Math.floor(at / 1000) + 20) };
      expect(readRateHeaders(headers, NOW)).toEqual({ resetAt: NOW + 20_000 });
      expect(pauseAfter429Ms(headers, NOW)).toBe(20_000);
    }
  });

  it('reads a Retry-After date as the date minus Date', () => {
    const headers = { date, 'retry-after': new Date(serverNow + 7000).toUTCString() };
    expect(pauseAfter429Ms(headers, NOW)).toBe(7000);
    const step = nextStep(
      { kind: 'http', status: 503 },
      headers,
      { retriesUsed: 0, pauses: 0 },
      { retries: 3, maxPauses: 5 },
      NOW,
      () => 0,
    );
    expect(step).toEqual({ kind: 'retry', delayMs: 7000 });
  });

  it('uses our clock only when the answer has no usable Date', () => {
    for (const bad of [undefined, '', 'yesterday-ish', '12345']) {
      const headers = { ...(bad !== undefined ? { date: bad } : {}), 'x-ratelimit-reset': resetIn20s };
      expect(pauseAfter429Ms(headers, NOW)).toBe(Math.min(MAX_SERVER_WAIT_MS, 65_000));
    }
  });

  it('the wait is within a second of the truth: Date has whole seconds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -120_000, max: 120_000 }),
        fc.integer({ min: 0, max: 999 }),
        fc.integer({ min: 1, max: 60 }),
        (skew, ms, left) => {
          const at = Math.floor((NOW + skew) / 1000) * 1000 + ms; // the server's exact now
          const resetAt = Math.floor(at / 1000) * 1000 + left * 1000;
          const headers = { date: new Date(at).toUTCString(), 'x-ratelimit-reset': String(resetAt / 1000) };
          const wait = pauseAfter429Ms(headers, NOW);
          expect(Math.abs(wait - (resetAt - at))).toBeLessThanOrEqual(1000);
        },
      ),
    );
  });
});
