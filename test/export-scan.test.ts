/** The export's list scan, against a scripted node:http server on 127.0.0.1 answering request by request. */
import { createServer } from 'node:http';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { makeConversation } from '../src/emulator/index.js';
import { exportCsv } from '../src/export/run.js';
import { testId } from './helpers/emulator.js';
import { cleanupsAfterEach, listenOnLoopback } from './helpers/loopback.js';

const cleanups = cleanupsAfterEach();

type Answer = { status: number; body: unknown };
const page = (n: number, next: string | null): Answer => ({
  status: 200,
  // Newest first, as the API lists them: a higher n is older.
  body: {
    data: [makeConversation({ id: testId(n), created_at: new Date(Date.UTC(2025, 0, 1) - n * 1000).toISOString() })],
    next_cursor: next,
    has_more: next !== null,
  },
});
const failure = (status: 400 | 401 | 500): Answer => ({ status, body: { error: { code: 'x', message: 'x' } } });

/** A server answering the n-th list request with `answers[n]`, recording the cursors asked for; `onRequest` runs first. */
async function scripted(answers: Answer[], onRequest = (): void => {}) {
  const cursors: (string | null)[] = [];
  const server = createServer((req, res) => {
    cursors.push(new URL(req.url ?? '/', 'http://x').searchParams.get('cursor'));
    onRequest();
    const answer = answers[cursors.length - 1];
    res.writeHead(answer?.status ?? 500, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer?.body ?? {}));
  });
  return { url: await listenOnLoopback(server, cleanups), cursors };
}

/** Exports from the server to memory, no retries within a request: each failure is a page failure. */
async function exportFrom(url: string, extra: { limit?: number; signal?: AbortSignal } = {}) {
  let csv = '';
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      csv += chunk.toString();
      done();
    },
  });
  const summary = await exportCsv({ baseUrl: url, apiKey: `vapk_live_${'5'.repeat(48)}`, output, retries: 0, rate: 100_000, ...extra });
  const ids = csv
    .split('\r\n')
    .slice(1, -1)
    .map((line) => line.split(',')[0]);
  return { summary, ids };
}

describe('the export scan', () => {
  it('follows next_cursor until has_more is false', async () => {
    const server = await scripted([page(1, 'c1'), page(2, 'c2'), page(3, null)]);
    const { summary, ids } = await exportFrom(server.url);
    expect(ids).toEqual([testId(1), testId(2), testId(3)]);
    expect(server.cursors).toEqual([null, 'c1', 'c2']);
    expect(summary).toMatchObject({ exit_code: 0, pages: 3, stopped: null });
  });

  it('requests no further page once it has what was asked for', async () => {
    const server = await scripted([page(1, 'c1'), page(2, 'c2')]);
    expect((await exportFrom(server.url, { limit: 1 })).summary.ended_early).toBe('limit');
    expect(server.cursors).toEqual([null]);
  });

  it('asks a failing page again with the same cursor; a success resets the count', async () => {
    const server = await scripted([page(1, 'c1'), failure(500), failure(500), page(2, 'c2'), failure(500), page(3, null)]);
    const { summary, ids } = await exportFrom(server.url);
    expect(ids).toHaveLength(3);
    expect(summary.exit_code).toBe(0);
    expect(server.cursors).toEqual([null, 'c1', 'c1', 'c1', 'c2', 'c2']);
  });

  it('stops (exit 3) after 3 failures of one page in a row', async () => {
    const server = await scripted([page(1, 'c1'), failure(500), failure(500), failure(500)]);
    const { summary } = await exportFrom(server.url);
    expect(summary.stopped).toMatchObject({ reason: 'aborted' });
    expect(summary.exit_code).toBe(3);
    expect(server.cursors).toHaveLength(4);
  });

  it.each([401, 400] as const)('stops at once on %s', async (status) => {
    const server = await scripted([failure(status)]);
    const { summary } = await exportFrom(server.url);
    expect(summary).toMatchObject({ exit_code: 3, stopped: { reason: 'aborted' } });
    expect(server.cursors).toHaveLength(1);
  });

  it('reports an aborted scan as an interruption (exit 130)', async () => {
    const controller = new AbortController();
    const server = await scripted([page(1, 'c1'), page(2, null)], () => controller.abort());
    const { summary } = await exportFrom(server.url, { signal: controller.signal });
    expect(summary).toMatchObject({ exit_code: 130, stopped: { reason: 'interrupted' } });
  });

  it('refuses has_more with no next_cursor instead of looping', async () => {
    const server = await scripted([{ status: 200, body: { data: [], next_cursor: null, has_more: true } }]);
    expect((await exportFrom(server.url)).summary).toMatchObject({ exit_code: 3, stopped: { reason: 'aborted' } });
  });

  it('stops a server that goes back in the list (a cursor cycle) instead of looping', async () => {
    const server = await scripted([page(1, testId(1)), page(2, testId(2)), page(1, testId(1))]);
    expect((await exportFrom(server.url)).summary.stopped?.message).toMatch(/out of order/);
    expect(server.cursors).toHaveLength(3);
  });

  it('stops on has_more with an empty page instead of looping', async () => {
    const empty: Answer = { status: 200, body: { data: [], next_cursor: testId(9), has_more: true } };
    const server = await scripted([page(1, testId(1)), empty]);
    expect((await exportFrom(server.url)).summary.stopped?.message).toMatch(/empty page/);
  });
});
