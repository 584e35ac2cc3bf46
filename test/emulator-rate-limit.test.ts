/** Per-key fixed-window rate limiting (vorel-api.md §5): 429, Retry-After, X-RateLimit-*. */
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.js';
import type { Emulator } from '../src/emulator/index.js';
import { FixedWindowLimiter } from '../src/emulator/rate-limit.js';

/** A window boundary far from epoch 0, so the arithmetic is realistic. */
const T0 = 1_800_000_000_000;

describe('FixedWindowLimiter', () => {
  it('allows `limit` requests per window, then refuses until the next aligned window', () => {
    let now = T0 + 100;
    const limiter = new FixedWindowLimiter({ limit: 3, windowMs: 1000 }, () => now);
    expect([1, 2, 3].map(() => limiter.hit('k').allowed)).toEqual([true, true, true]);
    const refused = limiter.hit('k');
    expect(refused.allowed).toBe(false);
    expect(refused.headers).toEqual({
      'x-ratelimit-limit': '3',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String((T0 + 1000) / 1000),
      'retry-after': '1',
    });
    now = T0 + 999;
    expect(limiter.hit('k').allowed).toBe(false);
    now = T0 + 1000; // the window is floor(now / windowMs): a fresh counter, whatever the first request's time
    expect(limiter.hit('k')).toMatchObject({ allowed: true, headers: { 'x-ratelimit-remaining': '2' } });
  });

  it('counts keys separately', () => {
    const limiter = new FixedWindowLimiter({ limit: 1, windowMs: 60_000 }, () => T0);
    expect(limiter.hit('a').allowed).toBe(true);
    expect(limiter.hit('a').allowed).toBe(false);
    expect(limiter.hit('b').allowed).toBe(true);
  });

  it('gives Retry-After in whole seconds until the window ends, at least 1', () => {
    let now = T0 + 1;
    const limiter = new FixedWindowLimiter({ limit: 1, windowMs: 60_000 }, () => now);
    limiter.hit('k');
    expect(limiter.hit('k').headers['retry-after']).toBe('60');
    now = T0 + 59_999;
    expect(limiter.hit('k').headers['retry-after']).toBe('1');
  });

  it('rejects a non-positive limit or window', () => {
    expect(() => new FixedWindowLimiter({ limit: 0, windowMs: 1000 }, () => T0)).toThrow(RangeError);
    expect(() => new FixedWindowLimiter({ limit: 1, windowMs: 0.5 }, () => T0)).toThrow(RangeError);
  });
});

describe('rate limit over HTTP', () => {
  let emu: Emulator | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });

  const get = (e: Emulator, key: string | null = e.apiKey, path = '/api/v1/conversations?limit=1'): Promise<Response> =>
    fetch(`${e.baseUrl}${path}`, {
      headers: key === null ? {} : { authorization: `Bearer ${key}` },
      signal: AbortSignal.timeout(5000),
    });

  it('answers 429 rate_limited with Retry-After and X-RateLimit-* after 5 requests in a 500 ms window, and recovers in the next', async () => {
    let now = T0;
    emu = await startEmulator({ count: 5, rateLimit: { limit: 5, windowMs: 500 }, clock: () => now });
    for (let i = 0; i < 5; i++) {
      const res = await get(emu);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('5');
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(4 - i));
      expect(res.headers.get('x-ratelimit-reset')).toBe(String(Math.ceil((T0 + 500) / 1000)));
      expect(res.headers.get('retry-after')).toBeNull();
    }
    const limited = await get(emu);
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ error: { code: 'rate_limited', message: expect.any(String) as string } });
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-ratelimit-limit')).toBe('5');

    now = T0 + 500;
    const next = await get(emu);
    expect(next.status).toBe(200);
    expect(next.headers.get('x-ratelimit-remaining')).toBe('4');
  });

  it('does not count 401s, and counts 403, 404 and 400 answers', async () => {
    emu = await startEmulator({ count: 1, rateLimit: { limit: 3, windowMs: 60_000 }, clock: () => T0 });
    for (let i = 0; i < 5; i++) expect((await get(emu, null)).status).toBe(401);
    for (let i = 0; i < 5; i++) expect((await get(emu, `vapk_live_${'e'.repeat(48)}`)).status).toBe(401);
    const noScope = emu.createKey([]);
    const forbidden = await get(emu, noScope);
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('x-ratelimit-remaining')).toBe('2');
    expect((await get(emu, emu.apiKey, '/api/v1/nothing')).headers.get('x-ratelimit-remaining')).toBe('2');
    expect((await get(emu, emu.apiKey, '/api/v1/conversations?limit=0')).headers.get('x-ratelimit-remaining')).toBe('1');
  });

  it('keeps a separate budget per key, and 429s do not push the counter past the limit', async () => {
    let now = T0;
    emu = await startEmulator({ count: 1, rateLimit: { limit: 2, windowMs: 1000 }, clock: () => now });
    const other = emu.createKey(['read']);
    for (let i = 0; i < 2; i++) await get(emu);
    for (let i = 0; i < 10; i++) expect((await get(emu)).status).toBe(429);
    expect((await get(emu, other)).status).toBe(200);
    now = T0 + 1000;
    expect((await get(emu)).status).toBe(200);
    expect((await get(emu)).status).toBe(200);
    expect((await get(emu)).status).toBe(429);
  });

  it('counts a second client on the same key against the same window', async () => {
    emu = await startEmulator({ count: 1, rateLimit: { limit: 3, windowMs: 60_000 }, clock: () => T0 });
    const first = await fetch(`${emu.baseUrl}/api/v1/conversations?limit=1`, {
      headers: { authorization: `Bearer ${emu.apiKey}`, connection: 'close' },
    });
    expect(first.headers.get('x-ratelimit-remaining')).toBe('2');
    // Another connection, the same key: the same bucket.
    const second = await fetch(`${emu.baseUrl}/api/v1/conversations?limit=1`, {
      headers: { authorization: `Bearer ${emu.apiKey}`, connection: 'close' },
    });
    expect(second.headers.get('x-ratelimit-remaining')).toBe('1');
    await get(emu);
    expect((await get(emu)).status).toBe(429);
  });

  it("with headers: 'never' sends no X-RateLimit-* at all, only Retry-After on a 429", async () => {
    emu = await startEmulator({ count: 1, rateLimit: { limit: 1, windowMs: 60_000, headers: 'never' }, clock: () => T0 + 1 });
    const ok = await get(emu);
    expect(ok.status).toBe(200);
    expect([...ok.headers.keys()].filter((h) => h.startsWith('x-ratelimit'))).toEqual([]);
    const limited = await get(emu);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect([...limited.headers.keys()].filter((h) => h.startsWith('x-ratelimit'))).toEqual([]);
  });

  it('recovers in the next real-time window (short window, tiny wait)', async () => {
    emu = await startEmulator({ count: 1, rateLimit: { limit: 2, windowMs: 200 } });
    let sawLimit = false;
    // Bounded, and with room: on a busy machine requests may straddle a 200 ms window now and then.
    for (let i = 0; i < 200 && !sawLimit; i++) sawLimit = (await get(emu)).status === 429;
    expect(sawLimit).toBe(true);
    await new Promise((r) => setTimeout(r, 210));
    expect((await get(emu)).status).toBe(200);
  });

  it('sends no rate-limit headers and never 429s when the limit is off; setRateLimit turns it on', async () => {
    emu = await startEmulator({ count: 1, rateLimit: null, clock: () => T0 });
    for (let i = 0; i < 20; i++) {
      const res = await get(emu);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBeNull();
    }
    emu.setRateLimit({ limit: 1, windowMs: 60_000 });
    expect((await get(emu)).status).toBe(200);
    expect((await get(emu)).status).toBe(429);
    emu.setRateLimit(null);
    expect((await get(emu)).status).toBe(200);
  });

  it('defaults to 200 requests per 60 s per key (vorel-api.md §5)', async () => {
    emu = await startEmulator({ count: 1, clock: () => T0 });
    const res = await get(emu);
    expect(res.headers.get('x-ratelimit-limit')).toBe('200');
    expect(res.headers.get('x-ratelimit-reset')).toBe(String(Math.ceil((Math.floor(T0 / 60_000) + 1) * 60)));
  });
});
