/**
 * The HTTP client against the real emulator (127.0.0.1, port 0), plus a scripted node:http stub
 * for what the emulator does not do (redirects, odd bodies, header capture, endless 429s).
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createApiClient } from '../src/api/client.js';
import type { ApiClient, ApiClientOptions, ApiResult, AttemptEvent } from '../src/api/client.js';
import { startEmulator } from '../src/emulator/index.js';
import type { Emulator, EmulatorOptions } from '../src/emulator/index.js';
import { cleanupsAfterEach, listenOnLoopback } from './helpers/loopback.js';

const MISSING_ID = '00000000-0000-4000-8000-000000000000';
const FAST = 5;

const cleanups = cleanupsAfterEach();

async function emulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const emu = await startEmulator({ port: 0, seed: 7, count: 50, rateLimit: null, ...opts });
  cleanups.push(() => emu.close());
  return emu;
}

function client(baseUrl: string, apiKey: string, extra: Partial<ApiClientOptions> = {}): { api: ApiClient; events: AttemptEvent[] } {
  const events: AttemptEvent[] = [];
  const api = createApiClient({
    baseUrl,
    apiKey,
    timeoutMs: 5000,
    retries: 3,
    rate: 100_000,
    windowMs: 60_000,
    backoffBaseMs: FAST,
    onAttempt: (e) => events.push(e),
    ...extra,
  });
  cleanups.push(() => api.close());
  return { api, events };
}

function firstId(emu: Emulator): string {
  const c = emu.dump()[0];
  if (!c) throw new Error('emulator has no data');
  return c.id;
}

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}
type Reply = { status: number; headers?: Record<string, string>; body?: string };

/** A scripted server: `reply(n)` answers the n-th request (0-based). */
async function stub(reply: (n: number, seen: Seen) => Reply): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      seen.push(s);
      const r = reply(seen.length - 1, s);
      res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
      res.end(r.body ?? '');
    });
  });
  return { url: await listenOnLoopback(server, cleanups), seen };
}

const conversation = (id: string) =>
  JSON.stringify({
    id,
    channel: 'whatsapp',
    customer_identifier: '+15550001111',
    status: 'active',
    created_at: '2026-01-01T00:00:00Z',
    customer_name: 'Ann',
    customer_language: 'en',
    first_message_at: null,
    last_message_at: null,
  });

function expectFail<T>(r: ApiResult<T>): Extract<ApiResult<T>, { ok: false }> {
  if (r.ok) throw new Error(`expected a failure, got ${r.status}`);
  return r;
}

describe('requests', () => {
  it('PATCHes exactly the writable fields with the documented headers', async () => {
    const id = '11111111-2222-4333-8444-555555555555';
    const s = await stub(() => ({ status: 200, body: conversation(id) }));
    const key = `vapk_live_${'c'.repeat(48)}`;
    const { api } = client(s.url, key);
    const sneaky = { customer_name: 'Zoë', customer_language: null, status: 'closed' } as never;
    const r = await api.patchConversation(id, sneaky);
    expect(r).toMatchObject({ ok: true, status: 200, attempts: 1 });
    const req = s.seen[0];
    expect(req?.method).toBe('PATCH');
    expect(req?.url).toBe(`/api/v1/conversations/${id}`);
    expect(JSON.parse(req?.body ?? '')).toEqual({ customer_name: 'Zoë', customer_language: null });
    expect(req?.headers.authorization).toBe(`Bearer ${key}`);
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers.accept).toBe('application/json');
    expect(req?.headers['user-agent']).toMatch(/^vorel-csv-sync\/\d+\.\d+\.\d+/);
  });

  it('applies a PATCH and GETs it back through the emulator', async () => {
    const emu = await emulator();
    const id = firstId(emu);
    const { api } = client(emu.baseUrl, emu.apiKey);
    const r = await api.patchConversation(id, { customer_name: 'Ann Example', customer_language: 'fr-CA' });
    expect(r.ok && r.data).toMatchObject({ id, customer_name: 'Ann Example', customer_language: 'fr-CA' });
    expect(emu.get(id)).toMatchObject({ customer_name: 'Ann Example', customer_language: 'fr-CA' });
    const g = await api.getConversation(id);
    expect(g.ok && g.data.customer_name).toBe('Ann Example');
  });

  it('lists pages with limit and cursor, and checks the page shape', async () => {
    const emu = await emulator({ count: 25 });
    const { api } = client(emu.baseUrl, emu.apiKey);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const r: ApiResult<{ data: { id: string }[]; next_cursor: string | null; has_more: boolean }> = await api.listConversations({
        cursor,
        limit: 10,
      });
      if (!r.ok) throw new Error(r.message);
      seen.push(...r.data.data.map((c) => c.id));
      if (!r.data.has_more) break;
      cursor = r.data.next_cursor;
    }
    expect(seen).toEqual(emu.dump().map((c) => c.id));
    expect(emu.requests.map((q) => q.path)[0]).toBe('/api/v1/conversations?limit=10');
  });

  it('encodes the id path segment', async () => {
    const emu = await emulator();
    const { api } = client(emu.baseUrl, emu.apiKey);
    const r = expectFail(await api.getConversation('a/b?c=1'));
    expect(emu.requests[0]?.path).toBe('/api/v1/conversations/a%2Fb%3Fc%3D1');
    expect(r.attempts).toBe(1);
  });
});

describe('retries', () => {
  it('retries 500s and then succeeds, counting attempts', async () => {
    const id = '11111111-2222-4333-8444-555555555555';
    const s = await stub((n) =>
      n === 0
        ? { status: 500, body: '{"error":{"code":"internal_error","message":"boom"}}' }
        : n === 1
          ? { status: 503, body: 'upstream down' }
          : { status: 200, body: conversation(id) },
    );
    const { api, events } = client(s.url, `vapk_live_${'1'.repeat(48)}`);
    const r = await api.patchConversation(id, { customer_name: 'x' });
    expect(r).toMatchObject({ ok: true, attempts: 3 });
    expect(s.seen).toHaveLength(3);
    expect(s.seen.map((q) => q.body)).toEqual(Array(3).fill('{"customer_name":"x"}'));
    expect(api.stats).toEqual({ total: 3, retries: 2, rateLimited: 0 });
    expect(events.map((e) => [e.status, e.code])).toEqual([
      [500, 'server_error'],
      [503, 'server_error'],
      [200, undefined],
    ]);
  });

  it('survives random 5xx from the emulator; attempts add up to what the server saw', async () => {
    const emu = await emulator({ faults: { serverErrorRate: 0.4 } });
    const { api } = client(emu.baseUrl, emu.apiKey, { retries: 12 });
    const ids = emu
      .dump()
      .slice(0, 20)
      .map((c) => c.id);
    const results = await Promise.all(ids.map((id) => api.patchConversation(id, { customer_language: 'de' })));
    expect(results.every((r) => r.ok)).toBe(true);
    const attempts = results.reduce((a, r) => a + r.attempts, 0);
    expect(attempts).toBe(emu.requests.length);
    expect(api.stats.total).toBe(emu.requests.length);
    expect(api.stats.retries).toBe(attempts - ids.length);
    expect(attempts).toBeGreaterThan(ids.length);
  });

  it('keeps the retry budget across a 429 re-send (the 429 uses none of it)', async () => {
    const s = await stub((n) => (n === 1 ? { status: 429, headers: { 'retry-after': '0' } } : { status: 500, body: 'down' }));
    const { api } = client(s.url, `vapk_live_${'8'.repeat(48)}`, { retries: 1 });
    const r = expectFail(await api.getConversation(MISSING_ID));
    // 500 (retry 1 of 1) → 429 (pause, free) → 500: budget spent, stop.
    expect(r).toMatchObject({ status: 500, code: 'server_error', attempts: 3 });
    expect(s.seen).toHaveLength(3);
    expect(api.stats).toEqual({ total: 3, retries: 2, rateLimited: 1 });
  });

  it('gives up after retries + 1 attempts with server_error', async () => {
    const emu = await emulator();
    const id = firstId(emu);
    emu.setFaults({ failingIds: [id] });
    const { api } = client(emu.baseUrl, emu.apiKey, { retries: 2 });
    const r = expectFail(await api.patchConversation(id, { customer_name: 'x' }));
    expect(r).toMatchObject({ status: 500, code: 'server_error', attempts: 3 });
    expect(r.message).toBe(`PATCH /api/v1/conversations/${id}: 500 server_error: internal_error: internal error (3 attempts)`);
    expect(emu.requests).toHaveLength(3);
  });

  it.each([
    ['400', { customer_language: 'EN' }, 'bad_request', 400],
    ['404', { customer_name: 'x' }, 'not_found', 404],
  ] as const)('never retries a %s', async (_, patch, code, status) => {
    const emu = await emulator();
    const id = status === 404 ? MISSING_ID : firstId(emu);
    const { api } = client(emu.baseUrl, emu.apiKey);
    const r = expectFail(await api.patchConversation(id, patch));
    expect(r).toMatchObject({ status, code, attempts: 1 });
    expect(r.message.startsWith(`PATCH /api/v1/conversations/${id}: ${status} ${code}: `)).toBe(true);
    expect(emu.requests).toHaveLength(1);
  });

  it('does not retry a 401 and says the key is wrong or revoked', async () => {
    const emu = await emulator();
    const wrong = `vapk_live_${'0'.repeat(48)}`;
    const { api } = client(emu.baseUrl, wrong);
    const r = expectFail(await api.patchConversation(firstId(emu), { customer_name: 'x' }));
    expect(r).toMatchObject({ status: 401, code: 'unauthorized', attempts: 1 });
    expect(r.message).toMatch(/key was rejected: it is wrong, malformed or revoked/);
    expect(r.message).not.toContain(wrong);
    expect(emu.requests).toHaveLength(1);
  });

  it('does not retry a 403 and names the missing scope', async () => {
    const emu = await emulator();
    const readOnly = emu.createKey(['read']);
    const { api } = client(emu.baseUrl, readOnly);
    const r = expectFail(await api.patchConversation(firstId(emu), { customer_name: 'x' }));
    expect(r).toMatchObject({ status: 403, code: 'forbidden', attempts: 1 });
    expect(r.message).toContain('API key lacks the required scope: conversations:write');
    expect(emu.requests).toHaveLength(1);
  });

  it('times out each attempt and ends `timeout` after retries + 1 attempts', async () => {
    const emu = await emulator({ faults: { hangRate: 1 } });
    const { api, events } = client(emu.baseUrl, emu.apiKey, { timeoutMs: 200, retries: 2 });
    const t0 = Date.now();
    const r = expectFail(await api.patchConversation(firstId(emu), { customer_name: 'x' }));
    expect(r).toMatchObject({ status: null, code: 'timeout', attempts: 3 });
    expect(r.message).toMatch(/timeout: no answer within 200 ms \(3 attempts\)$/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3 * 190);
    // Per attempt: three timeouts and the short backoffs, well under the test's limit even on a busy machine.
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(events.map((e) => e.code)).toEqual(['timeout', 'timeout', 'timeout']);
    expect(emu.requests).toHaveLength(3);
  });

  it('re-sends a PATCH whose answer was lost after it was applied (idempotent)', async () => {
    const emu = await emulator({ faults: { resetAfterRate: 1 } });
    const id = firstId(emu);
    const { api, events } = client(emu.baseUrl, emu.apiKey, {
      onAttempt: (e) => {
        events.push(e);
        emu.setFaults({ resetAfterRate: 0 }); // only the first attempt loses its answer
      },
    });
    const r = await api.patchConversation(id, { customer_name: 'Twice Sent' });
    expect(r).toMatchObject({ ok: true, attempts: 2 });
    expect(events[0]).toMatchObject({ status: null, code: 'network' });
    expect(emu.requests.map((q) => q.applied)).toEqual([true, true]);
    expect(emu.get(id)?.customer_name).toBe('Twice Sent');
  });

  it('retries a connection reset before the server applied anything', async () => {
    const emu = await emulator({ faults: { resetBeforeRate: 1 } });
    const id = firstId(emu);
    const { api } = client(emu.baseUrl, emu.apiKey, {
      onAttempt: () => emu.setFaults({ resetBeforeRate: 0 }),
    });
    const r = await api.patchConversation(id, { customer_name: 'After Reset' });
    expect(r).toMatchObject({ ok: true, attempts: 2 });
  });

  it('reports a refused connection as `network` after its retries', async () => {
    const port = await closedPort();
    const { api } = client(`http://127.0.0.1:${port}`, `vapk_live_${'2'.repeat(48)}`, { retries: 2 });
    const r = expectFail(await api.getConversation(MISSING_ID));
    expect(r).toMatchObject({ status: null, code: 'network', attempts: 3 });
    expect(r.message).toMatch(/network ECONNREFUSED/);
  });
});

describe('rate limiting', () => {
  it('pauses the whole run on 429, sends nothing during the pause, and does not use a retry', async () => {
    // 5 per 1 s at the server; the client's own limit is far higher, so 429s must happen.
    const emu = await emulator({ rateLimit: { limit: 5, windowMs: 1000 }, faults: { latencyMs: 50 } });
    const { api, events } = client(emu.baseUrl, emu.apiKey, { retries: 0, rate: 1_000_000 });
    const ids = emu
      .dump()
      .slice(0, 20)
      .map((c) => c.id);
    const results = await Promise.all(ids.map((id) => api.patchConversation(id, { customer_language: 'it' })));

    expect(results.filter((r) => !r.ok)).toEqual([]); // retries: 0, yet every 429 was re-sent
    const log = emu.requests;
    const limited = log.filter((q) => q.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(api.stats.rateLimited).toBe(limited.length);
    expect(api.stats.total).toBe(log.length);
    expect(api.stats.retries).toBe(log.length - ids.length); // re-sends after 429 count as retries
    expect(results.reduce((a, r) => a + r.attempts, 0)).toBe(log.length);
    expect(events.filter((e) => e.status === 429).every((e) => e.code === 'rate_limited')).toBe(true);

    // Retry-After is 1 s here: once a 429 has arrived, nothing starts in the second after it. Told
    // on the client's own clock, which a busy machine cannot make early (30 ms of slack for timers).
    const hits = events.filter((e) => e.status === 429);
    expect(hits).toHaveLength(limited.length);
    for (const hit of hits) {
      const during = events.filter((e) => e.startedAt > hit.endedAt && e.startedAt < hit.endedAt + 1000 - 30);
      expect(during).toEqual([]);
    }
  });

  it('ends `rate_limited` after 10 pauses', async () => {
    const s = await stub(() => ({
      status: 429,
      headers: { 'retry-after': '0' },
      body: '{"error":{"code":"rate_limited","message":"slow down"}}',
    }));
    const { api } = client(s.url, `vapk_live_${'3'.repeat(48)}`, { retries: 5 });
    const r = expectFail(await api.getConversation(MISSING_ID));
    expect(r).toMatchObject({ status: 429, code: 'rate_limited', attempts: 10 });
    expect(r.message).toMatch(/429 rate_limited: slow down; still limited after 10 pauses/);
    expect(s.seen).toHaveLength(10);
    expect(api.stats).toEqual({ total: 10, retries: 9, rateLimited: 10 });
  });

  it('honours the client rate: starts are paced (20 per 2 s)', async () => {
    const emu = await emulator();
    const { api, events } = client(emu.baseUrl, emu.apiKey, { rate: 20, windowMs: 2000 });
    const ids = emu
      .dump()
      .slice(0, 25)
      .map((c) => c.id);
    const t0 = Date.now();
    await Promise.all(ids.map((id) => api.getConversation(id)));
    // Start times as the client granted them (read a tick later: 2 ms of slack). Arrival times at
    // the server would add the spread of network delays (the first request also connects).
    const starts = events.map((e) => e.startedAt).sort((a, b) => a - b);
    expect(starts).toHaveLength(25);
    for (let i = 20; i < starts.length; i++) {
      expect((starts[i] ?? 0) - (starts[i - 20] ?? 0)).toBeGreaterThanOrEqual(2000 - 2);
    }
    expect(Date.now() - t0).toBeGreaterThanOrEqual(24 * 100 - 10);
  });

  it('waits for the reset when the server says Remaining: 0', async () => {
    const id = '11111111-2222-4333-8444-555555555555';
    const s = await stub((n) => ({
      status: 200,
      headers: n === 0 ? { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' } : {},
      body: conversation(id),
    }));
    const { api } = client(s.url, `vapk_live_${'4'.repeat(48)}`);
    await api.getConversation(id);
    expect(api.limiter.pausedUntil).not.toBeNull();
    await api.getConversation(id);
    expect((s.seen[1]?.at ?? 0) - (s.seen[0]?.at ?? 0)).toBeGreaterThanOrEqual(990);
  });
});

describe('responses', () => {
  it('treats a redirect as unexpected_status and does not follow it', async () => {
    const s = await stub(() => ({ status: 302, headers: { location: 'http://127.0.0.1:1/elsewhere' } }));
    const { api } = client(s.url, `vapk_live_${'5'.repeat(48)}`);
    const r = expectFail(await api.getConversation(MISSING_ID));
    expect(r).toMatchObject({ status: 302, code: 'unexpected_status', attempts: 1 });
    expect(r.message).toContain('redirect to http://127.0.0.1:1/elsewhere, not followed');
    expect(s.seen).toHaveLength(1);
  });

  it.each([
    ['not JSON', '<html>oops</html>', /body is not JSON: <html>oops<\/html>/],
    ['not a conversation', '{"id":1}', /unexpected body shape \(id: /],
    ['empty', '', /body is not JSON: \(empty body\)/],
  ])('rejects a 200 whose body is %s', async (_, body, pattern) => {
    const s = await stub(() => ({ status: 200, body }));
    const { api } = client(s.url, `vapk_live_${'6'.repeat(48)}`);
    const r = expectFail(await api.getConversation(MISSING_ID));
    expect(r).toMatchObject({ status: 200, code: 'unexpected_status', attempts: 1 });
    expect(r.message).toMatch(pattern);
  });

  it('rejects a list page without has_more', async () => {
    const s = await stub(() => ({ status: 200, body: '{"data":[],"next_cursor":null}' }));
    const { api } = client(s.url, `vapk_live_${'6'.repeat(48)}`);
    const r = expectFail(await api.listConversations({ limit: 100 }));
    expect(r.message).toMatch(/has_more/);
  });

  it.each([
    ['{"error":{"code":"not_found","message":"conversation not found"}}', '404 not_found: conversation not found'],
    ['{"code":"gone_fishing","message":"try later"}', '404 not_found: gone_fishing: try later'],
    ['{"error":"plain string"}', '404 not_found: plain string'],
    ['x'.repeat(1000), `404 not_found: ${'x'.repeat(300)}…`],
    ['', '404 not_found: (empty body)'],
  ])('reads error body %#', async (body, expected) => {
    const s = await stub(() => ({ status: 404, body }));
    const { api } = client(s.url, `vapk_live_${'7'.repeat(48)}`);
    const r = expectFail(await api.getConversation(MISSING_ID));
    expect(r.message).toBe(`GET /api/v1/conversations/${MISSING_ID}: ${expected}`);
  });
});

describe('Retry-After on a 503', () => {
  it('waits at least as long as the server asked before the retry', async () => {
    const s = await stub((n) =>
      n === 0 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200, body: conversation(MISSING_ID) },
    );
    const { api } = client(s.url, `vapk_live_${'9'.repeat(48)}`, { backoffBaseMs: 1 });
    const r = await api.getConversation(MISSING_ID);
    expect(r).toMatchObject({ ok: true, attempts: 2 });
    expect(s.seen[1]!.at - s.seen[0]!.at).toBeGreaterThanOrEqual(950);
  });
});

describe('broken bodies', () => {
  /** A server whose 200 answers start a body and then misbehave as `mode` says. */
  async function bodyServer(mode: 'drip' | 'cutoff'): Promise<{ url: string; hits: () => number }> {
    let hits = 0;
    const server: Server = createServer((_req, res) => {
      hits++;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100000' });
      res.write('{"id":');
      if (mode === 'cutoff') setTimeout(() => res.destroy(), 20);
      else {
        const drip = setInterval(() => res.write(' '), 100);
        res.on('close', () => clearInterval(drip));
      }
    });
    return { url: await listenOnLoopback(server, cleanups), hits: () => hits };
  }

  it('times out a body that drips in forever: --timeout covers the whole attempt, not only the headers', async () => {
    const s = await bodyServer('drip');
    const { api } = client(s.url, `vapk_live_${'7'.repeat(48)}`, { timeoutMs: 300, retries: 1, backoffBaseMs: 1 });
    const started = Date.now();
    const r = expectFail(await api.getConversation(MISSING_ID));
    expect(r).toMatchObject({ code: 'timeout', attempts: 2 });
    // A body that drips forever would never end without the per-attempt timeout: any finite bound shows it.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(s.hits()).toBe(2);
  });

  it('retries a 200 whose body was cut off mid-stream, as a connection error', async () => {
    const s = await bodyServer('cutoff');
    const { api } = client(s.url, `vapk_live_${'8'.repeat(48)}`, { retries: 2, backoffBaseMs: 1 });
    const r = expectFail(await api.getConversation(MISSING_ID));
    expect(r).toMatchObject({ code: 'network', attempts: 3 });
    expect(r.message).toMatch(/cut off/);
  });

  it('retries a connection closed before any answer (socket hang up) by its code, ECONNRESET', async () => {
    let hits = 0;
    const server: Server = createServer((req) => {
      hits++;
      req.socket.destroy();
    });
    const url = await listenOnLoopback(server, cleanups);
    const { api } = client(url, `vapk_live_${'6'.repeat(48)}`, { retries: 2, backoffBaseMs: 1 });
    const r = expectFail(await api.getConversation(MISSING_ID));
    expect(r).toMatchObject({ code: 'network', attempts: 3 });
    expect(r.message).toContain('ECONNRESET');
    expect(hits).toBe(3);
  });
});

describe('abort()', () => {
  it('resolves requests not yet started at once; the one in flight finishes', async () => {
    const emu = await emulator({ faults: { latencyMs: 300 } });
    const ids = emu
      .dump()
      .slice(0, 4)
      .map((c) => c.id);
    // One start per minute: the first request goes, the other three wait in the limiter.
    const { api } = client(emu.baseUrl, emu.apiKey, { rate: 1 });
    const pending = ids.map((id) => api.patchConversation(id, { customer_name: 'Stopped' }));
    let firstSettled = false;
    void pending[0]?.then(() => (firstSettled = true));
    for (let i = 0; i < 1000 && emu.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(emu.requests).toHaveLength(1);
    api.abort();
    // "At once" as an order, not a stopwatch: the waiting ones settle while the first one, held
    // 300 ms by the server, is still in flight.
    const rest = await Promise.all(pending.slice(1));
    expect(firstSettled).toBe(false);
    for (const r of rest) expect(r).toMatchObject({ ok: false, code: 'aborted', status: null, attempts: 0 });
    const first = await pending[0];
    expect(first).toMatchObject({ ok: true, attempts: 1 });
    expect(emu.requests).toHaveLength(1);
    const after = await api.getConversation(ids[0] ?? '');
    expect(after).toMatchObject({ ok: false, code: 'aborted', attempts: 0 });
  });

  it('stops a request waiting to retry, keeping what it saw', async () => {
    const emu = await emulator();
    const id = firstId(emu);
    emu.setFaults({ failingIds: [id] });
    const { api } = client(emu.baseUrl, emu.apiKey, { retries: 3, backoffBaseMs: 60_000, random: () => 0.99 });
    const p = api.patchConversation(id, { customer_name: 'x' });
    // Abort once the first attempt's 500 is in (the client then waits half a minute to retry).
    for (let i = 0; i < 1000 && emu.requests[0]?.status !== 500; i++) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    api.abort();
    const r = expectFail(await p);
    expect(r).toMatchObject({ code: 'aborted', status: 500, attempts: 1 });
    expect(r.message).toMatch(/aborted before the next attempt; last: .*500 server_error/);
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('secrets', () => {
  it('never puts the key in a result, message, event or stats (401, 500, timeout, refused, abort)', async () => {
    const emu = await emulator();
    const id = firstId(emu);
    const wrongKey = `vapk_live_${'ab'.repeat(24)}`;
    const outputs: unknown[] = [];

    const a = client(emu.baseUrl, wrongKey);
    outputs.push(await a.api.patchConversation(id, { customer_name: 'x' }), a.events, a.api.stats);

    emu.setFaults({ failingIds: [id] });
    const b = client(emu.baseUrl, emu.apiKey, { retries: 1 });
    outputs.push(await b.api.patchConversation(id, { customer_name: 'x' }), b.events);

    const hang = await emulator({ faults: { hangRate: 1 } });
    const c = client(hang.baseUrl, hang.apiKey, { timeoutMs: 100, retries: 1 });
    outputs.push(await c.api.getConversation(id), c.events);

    const port = await closedPort();
    const d = client(`http://127.0.0.1:${port}`, emu.apiKey, { retries: 1 });
    outputs.push(await d.api.getConversation(id), d.events);
    d.api.abort();
    outputs.push(await d.api.getConversation(id));

    const text = JSON.stringify(outputs);
    expect(text).toContain('unauthorized');
    expect(text).toContain('server_error');
    expect(text).toContain('timeout');
    expect(text).toContain('ECONNREFUSED');
    for (const key of [wrongKey, emu.apiKey, hang.apiKey]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(key.slice(10)); // not even the hex part
    }
    // Nor in anything the client object itself would print.
    expect(JSON.stringify(d.api)).not.toContain(emu.apiKey);
  });
});
