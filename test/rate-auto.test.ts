/**
 * `--rate auto` and `--rate <n>` against the emulator over real HTTP, with windows scaled down to
 * one or two seconds (the client's `windowMs`, the hidden --rate-window-ms): the pace follows the
 * API's rate headers, falls back without them, a number is a hard cap, and a 429 still pauses the
 * run. Counts are asserted with margins; times only as lower bounds, which a busy machine keeps.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient } from '../src/api/client.js';
import type { ApiClient, ApiClientOptions, AttemptEvent } from '../src/api/client.js';
import type { Emulator, EmulatorOptions } from '../src/emulator/index.js';
import { cli, onlyRunDir, readRun, tempDir, writeCsv } from './helpers/cli.js';
import { emulatorWith, testId } from './helpers/emulator.js';
import { maxInSlidingWindow } from './helpers/windows.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function emulator(n: number, opts: EmulatorOptions): Promise<Emulator> {
  const emu = await emulatorWith(n, opts);
  cleanups.push(() => emu.close());
  return emu;
}

function client(emu: Emulator, extra: Partial<ApiClientOptions>): { api: ApiClient; events: AttemptEvent[] } {
  const events: AttemptEvent[] = [];
  const api = createApiClient({
    baseUrl: emu.baseUrl,
    apiKey: emu.apiKey,
    timeoutMs: 5000,
    retries: 2,
    rate: 'auto',
    backoffBaseMs: 5,
    onAttempt: (e) => events.push(e),
    ...extra,
  });
  cleanups.push(() => api.close());
  return { api, events };
}

/** Requests the server accepted per fixed window (its own bucket, floor(t / w)). */
function acceptedPerWindow(emu: Emulator, w: number): number[] {
  const per = new Map<number, number>();
  for (const q of emu.requests) {
    if (q.status === 429) continue;
    const bucket = Math.floor(q.startedAt / w);
    per.set(bucket, (per.get(bucket) ?? 0) + 1);
  }
  return [...per.values()];
}

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => testId(i + 1));

describe('--rate auto with the rate headers', () => {
  it("paces at the key's limit from X-RateLimit-Limit, never above it per sliding window, without 429s", async () => {
    const windowMs = 1000;
    const emu = await emulator(45, { rateLimit: { limit: 15, windowMs } });
    const { api, events } = client(emu, { windowMs });
    const results = await Promise.all(ids(45).map((id) => api.getConversation(id)));

    expect(results.every((r) => r.ok)).toBe(true);
    expect(api.pace).toEqual({ mode: 'auto', per_min: 15, source: 'headers' });
    expect(api.paceText).toBe("auto: 15/min from the API's rate headers");
    // The first start is paced at the no-header 180 until the first answer: a few at most.
    expect(maxInSlidingWindow(events.map((e) => e.startedAt).slice(3), windowMs - 5)).toBeLessThanOrEqual(15);
    // Remaining (minus what is in flight) holds the one-too-many of a window until its reset.
    expect(api.stats.rateLimited).toBeLessThanOrEqual(1);
    for (const n of acceptedPerWindow(emu, windowMs)) expect(n).toBeLessThanOrEqual(15);
  });

  it('never starts more than the headers say remains, counting requests in flight', async () => {
    // Slow answers keep several requests in flight; a client that trusted Remaining alone would
    // send them all into a window already spent.
    const windowMs = 1000;
    const emu = await emulator(24, { rateLimit: { limit: 6, windowMs }, faults: { latencyMs: 120 } });
    const { api, events } = client(emu, { windowMs, rate: 60 });
    const results = await Promise.all(ids(24).map((id) => api.getConversation(id)));
    expect(results.every((r) => r.ok)).toBe(true);
    // At 60 per window and 120 ms answers, 7 or more requests start before the first answer, with
    // no budget known yet: only those may meet a full window. Every later start is within budget.
    const firstAnswer = Math.min(...events.map((e) => e.endedAt));
    const late429s = events.filter((e) => e.status === 429 && e.startedAt > firstAnswer);
    expect(late429s).toEqual([]);
    expect(api.pace).toEqual({ mode: 'fixed', per_min: 60, source: 'flag' });
  });

  it('a second client on the same key shares the budget: together within the limit per window', async () => {
    const windowMs = 1000;
    const emu = await emulator(40, { rateLimit: { limit: 10, windowMs } });
    const a = client(emu, { windowMs });
    const b = client(emu, { windowMs });
    const all = ids(40);
    const results = await Promise.all([
      ...all.slice(0, 20).map((id) => a.api.getConversation(id)),
      ...all.slice(20).map((id) => b.api.getConversation(id)),
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    for (const n of acceptedPerWindow(emu, windowMs)) expect(n).toBeLessThanOrEqual(10);
    // Each sees the other's requests in Remaining; a 429 only when both spend the last one.
    const limited = a.api.stats.rateLimited + b.api.stats.rateLimited;
    expect(limited).toBeLessThanOrEqual(results.length / 5);
    expect(emu.requests.filter((q) => q.status === 429)).toHaveLength(limited);
  });
});

describe('--rate auto without rate headers', () => {
  it('falls back to 180 per window, evenly spaced, and says why', async () => {
    const windowMs = 2000;
    const emu = await emulator(30, { rateLimit: { limit: 10_000, windowMs, headers: 'never' } });
    const { api, events } = client(emu, { windowMs });
    await Promise.all(ids(30).map((id) => api.getConversation(id)));
    expect(api.pace).toEqual({ mode: 'auto', per_min: 180, source: 'default' });
    expect(api.paceText).toBe('180/min: the API sent no rate headers');
    const starts = events.map((e) => e.startedAt).sort((x, y) => x - y);
    // 180 per 2 s is one start per 11.1 ms: 29 gaps take at least 29 · 11 ms (clock ms, 1 ms slack each).
    expect((starts.at(-1) ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(29 * 10);
    expect(maxInSlidingWindow(starts, windowMs - 5)).toBeLessThanOrEqual(180);
  });

  it('a 429 still pauses the whole run for Retry-After, and uses no retry', async () => {
    const windowMs = 1000;
    const emu = await emulator(20, { rateLimit: { limit: 5, windowMs, headers: 'never' }, faults: { latencyMs: 30 } });
    const { api, events } = client(emu, { windowMs, retries: 0 });
    const results = await Promise.all(ids(20).map((id) => api.getConversation(id)));
    expect(results.every((r) => r.ok)).toBe(true);
    const limited = events.filter((e) => e.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited).toHaveLength(emu.requests.filter((q) => q.status === 429).length);
    // Told on the client's own clock, which a busy machine cannot make early: once a 429 has
    // arrived, nothing starts for Retry-After (whole seconds, so at least 1 s; 50 ms of slack).
    for (const hit of limited) {
      const during = events.filter((e) => e.startedAt > hit.endedAt && e.startedAt < hit.endedAt + 950);
      expect(during).toEqual([]);
    }
  });
});

describe('--rate <n>', () => {
  it('is a hard cap even when the headers allow more', async () => {
    const windowMs = 1000;
    const emu = await emulator(24, { rateLimit: { limit: 100, windowMs } });
    const { api, events } = client(emu, { windowMs, rate: 8 });
    await Promise.all(ids(24).map((id) => api.getConversation(id)));
    expect(api.pace).toEqual({ mode: 'fixed', per_min: 8, source: 'flag' });
    const starts = events.map((e) => e.startedAt);
    // Event times are read a tick after the grant: 5 ms of slack on the window.
    expect(maxInSlidingWindow(starts, windowMs - 5)).toBeLessThanOrEqual(8);
    expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThanOrEqual(23 * 124);
  });
});

describe('the pace in summary.json and the summary', () => {
  it('records the pace in force: auto from the headers', async () => {
    const emu = await emulator(3, { rateLimit: { limit: 200, windowMs: 60_000 } });
    const work = tempDir();
    const reports = path.join(work, 'reports');
    const file = writeCsv(
      work,
      'rows.csv',
      `id,customer_language\r\n${ids(3)
        .map((id) => `${id},fr`)
        .join('\r\n')}\r\n`,
    );
    const r = await cli(['import', file, '--base-url', emu.baseUrl, '--report-dir', reports, '--quiet'], {
      env: { VOREL_API_KEY: emu.apiKey },
    });
    expect(r.code).toBe(0);
    expect(readRun(onlyRunDir(reports)).summary.rate).toEqual({ mode: 'auto', per_min: 200, source: 'headers' });
    expect(r.stdout).toMatch(/pace\s+auto: 200\/min from the API's rate headers/);
  });

  it('rejects a --rate that is neither auto nor a whole number', async () => {
    const r = await cli(['import', 'x.csv', '--rate', 'fast'], { env: { VOREL_API_KEY: `vapk_live_${'1'.repeat(48)}` } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--rate must be auto or a whole number of at least 1 \(got fast\)/);
  });
});

describe('--rate auto with a local clock 45 s off the server', () => {
  // The emulator's clock (its Date header, windows and X-RateLimit-Reset) runs 45 s ahead of or
  // behind ours. Read against our clock the reset would be 45 s too late (a run stalled until the
  // 5-minute cap) or long past (sending into a spent window: 429s).
  it.each([
    ['ahead', 45_000],
    ['behind', -45_000],
  ])('server %s: the budget is spent, without a stall and without 429s', async (_way, skew) => {
    const windowMs = 2000;
    const emu = await emulator(24, { rateLimit: { limit: 8, windowMs }, clock: () => Date.now() + skew });
    const { api, events } = client(emu, { windowMs });
    const started = Date.now();
    const results = await Promise.all(ids(24).map((id) => api.getConversation(id)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(api.stats.rateLimited).toBeLessThanOrEqual(1);
    // Three windows' worth: about 6 s; a reset read 45 s off would take 45 s or more.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(events).toHaveLength(24 + api.stats.rateLimited);
  });
});
