/**
 * The shared pager over real HTTP: the emulator for a whole tenant, a scripted node:http server on
 * 127.0.0.1 for the servers that would make a scan loop forever.
 */
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createApiClient } from '../src/api/client.js';
import type { ApiClient } from '../src/api/client.js';
import { ListStopped, listPages } from '../src/api/list-pages.js';
import type { ListedPage } from '../src/api/list-pages.js';
import { makeConversation } from '../src/emulator/index.js';
import { emulatorWith, testId } from './helpers/emulator.js';
import { cleanupsAfterEach, listenOnLoopback } from './helpers/loopback.js';

const cleanups = cleanupsAfterEach();

function client(baseUrl: string, apiKey = `vapk_live_${'5'.repeat(48)}`): ApiClient {
  const api = createApiClient({ baseUrl, apiKey, timeoutMs: 5000, retries: 0, rate: 100_000, backoffBaseMs: 1 });
  cleanups.push(() => api.close());
  return api;
}

/** A server answering the n-th list request (0-based) with `pages[n]` (status 200, JSON). */
async function scripted(pages: Array<{ status?: number; body: unknown }>): Promise<{ url: string; cursors: (string | null)[] }> {
  const cursors: (string | null)[] = [];
  const server = createServer((req, res) => {
    cursors.push(new URL(req.url ?? '/', 'http://x').searchParams.get('cursor'));
    const page = pages[Math.min(cursors.length - 1, pages.length - 1)];
    res.writeHead(page?.status ?? 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(page?.body ?? {}));
  });
  return { url: await listenOnLoopback(server, cleanups), cursors };
}

const at = (id: number, day: number) =>
  makeConversation({ id: testId(id), created_at: `2026-01-${String(day).padStart(2, '0')}T00:00:00.000Z` });
const page = (data: unknown[], next: string | null, hasMore = next !== null) => ({ body: { data, next_cursor: next, has_more: hasMore } });

/** Collects every page; the error, if the scan stopped. Bounded by the pager's own guards. */
async function collect(api: ApiClient, limit = 2, maxPageFailures = 1): Promise<{ pages: ListedPage[]; error: unknown }> {
  const pages: ListedPage[] = [];
  try {
    for await (const p of listPages(api, { limit, maxPageFailures })) pages.push(p);
    return { pages, error: null };
  } catch (error) {
    return { pages, error };
  }
}

describe('listPages', () => {
  it('reads a whole tenant from the emulator in list order, counting requests', async () => {
    const emu = await emulatorWith(7);
    cleanups.push(() => emu.close());
    const { pages, error } = await collect(client(emu.baseUrl, emu.apiKey), 3);
    expect(error).toBeNull();
    expect(pages.map((p) => p.conversations.length)).toEqual([3, 3, 1]);
    expect(pages.map((p) => p.number)).toEqual([1, 2, 3]);
    expect(pages.at(-1)?.requests).toBe(3);
    expect(pages.flatMap((p) => p.conversations.map((c) => c.id))).toEqual(emu.dump().map((c) => c.id));
  });

  it('stops a server that lists out of order', async () => {
    const s = await scripted([page([at(1, 9), at(2, 8)], 'c1'), page([at(3, 10)], 'c2')]);
    const { pages, error } = await collect(client(s.url));
    expect(pages).toHaveLength(1);
    expect(error).toBeInstanceOf(ListStopped);
    expect(error).toMatchObject({ code: 'bad_pagination', pages: 2, requests: 2 });
    expect((error as Error).message).toMatch(/listed .* out of order/);
  });

  it('stops an empty page that promises has_more', async () => {
    const s = await scripted([page([at(1, 9)], 'c1'), page([], 'c2')]);
    const { error } = await collect(client(s.url));
    expect(error).toMatchObject({ code: 'bad_pagination', message: expect.stringMatching(/has_more but sent an empty page/) as string });
  });

  it('stops a repeated cursor, and a missing one with has_more', async () => {
    const same = await scripted([page([at(1, 9)], 'c1'), page([at(2, 8)], 'c1')]);
    const r1 = await collect(client(same.url));
    expect(r1.error).toMatchObject({ code: 'bad_pagination', message: expect.stringMatching(/gave the same next_cursor/) as string });
    expect(same.cursors).toEqual([null, 'c1']);
    const none = await scripted([page([at(1, 9)], null, true)]);
    const r2 = await collect(client(none.url));
    expect(r2.error).toMatchObject({ code: 'bad_pagination', message: expect.stringMatching(/gave no next_cursor/) as string });
  });

  it('asks a failing page again up to maxPageFailures, and stops at once on a 401', async () => {
    const flaky = await scripted([{ status: 500, body: {} }, page([at(1, 9)], null)]);
    const r1 = await collect(client(flaky.url), 2, 2);
    expect(r1.error).toBeNull();
    expect(r1.pages[0]?.requests).toBe(2);
    const denied = await scripted([{ status: 401, body: {} }]);
    const r2 = await collect(client(denied.url), 2, 5);
    expect(r2.error).toMatchObject({ code: 'unauthorized', pages: 0, requests: 1 });
    expect(denied.cursors).toHaveLength(1);
  });
});
