import { describe, expect, it } from 'vitest';
import type { ApiResult, ListPage } from '../src/api/client.js';
import { makeConversation } from '../src/emulator/index.js';
import { stopExitCode } from '../src/exit-code.js';
import { scanPages, ScanStopped } from '../src/export/scan.js';
import { testId } from './helpers/emulator.js';

type Answer = ApiResult<ListPage>;
const page = (n: number, next: string | null): Answer => ({
  ok: true,
  status: 200,
  attempts: 1,
  // Newest first, as the API lists them: a higher n is older.
  data: {
    data: [makeConversation({ id: testId(n), created_at: new Date(Date.UTC(2025, 0, 1) - n * 1000).toISOString() })],
    next_cursor: next,
    has_more: next !== null,
  },
});
const failure = (code: 'server_error' | 'unauthorized' | 'aborted' | 'bad_request'): Answer => ({
  ok: false,
  status: null,
  code,
  message: `x: ${code}`,
  attempts: 1,
});

/** A client answering from a script, recording the cursors asked for. */
function scripted(answers: Answer[]) {
  const cursors: (string | null)[] = [];
  return {
    cursors,
    listConversations: async ({ cursor }: { cursor?: string | null; limit: number }) => {
      cursors.push(cursor ?? null);
      const next = answers.shift();
      if (!next) throw new Error('asked for more pages than scripted');
      return next;
    },
  };
}

async function collect(client: ReturnType<typeof scripted>, signal = new AbortController().signal): Promise<string[]> {
  const ids: string[] = [];
  for await (const conversations of scanPages(client, { signal })) ids.push(...conversations.map((c) => c.id));
  return ids;
}

describe('list scan', () => {
  it('follows next_cursor until has_more is false', async () => {
    const client = scripted([page(1, 'c1'), page(2, 'c2'), page(3, null)]);
    expect(await collect(client)).toEqual([testId(1), testId(2), testId(3)]);
    expect(client.cursors).toEqual([null, 'c1', 'c2']);
  });

  it('requests no further page once the consumer leaves the loop', async () => {
    const client = scripted([page(1, 'c1'), page(2, 'c2')]);
    for await (const _ of scanPages(client, { signal: new AbortController().signal })) break;
    expect(client.cursors).toEqual([null]);
  });

  it('asks a failing page again with the same cursor; a success resets the count', async () => {
    const client = scripted([
      page(1, 'c1'),
      failure('server_error'),
      failure('server_error'),
      page(2, 'c2'),
      failure('server_error'),
      page(3, null),
    ]);
    expect(await collect(client)).toHaveLength(3);
    expect(client.cursors).toEqual([null, 'c1', 'c1', 'c1', 'c2', 'c2']);
  });

  it('stops (exit 3) after 3 failures of one page in a row', async () => {
    const client = scripted([page(1, 'c1'), failure('server_error'), failure('server_error'), failure('server_error')]);
    const stopped = await collect(client).catch((error: unknown) => error);
    expect(stopped).toMatchObject({ reason: 'aborted' });
    expect(stopExitCode((stopped as ScanStopped).reason)).toBe(3);
  });

  it.each(['unauthorized', 'bad_request'] as const)('stops at once on %s', async (code) => {
    const client = scripted([failure(code)]);
    await expect(collect(client)).rejects.toBeInstanceOf(ScanStopped);
    expect(client.cursors).toHaveLength(1);
  });

  it('reports an aborted request as an interruption (exit 130)', async () => {
    const client = scripted([failure('aborted')]);
    const stopped = await collect(client).catch((error: unknown) => error);
    expect(stopped).toMatchObject({ reason: 'interrupted' });
    expect(stopExitCode((stopped as ScanStopped).reason)).toBe(130);
  });

  it('refuses has_more with no next_cursor instead of looping', async () => {
    const broken: Answer = { ok: true, status: 200, attempts: 1, data: { data: [], next_cursor: null, has_more: true } };
    await expect(collect(scripted([broken]))).rejects.toMatchObject({ reason: 'aborted' });
  });

  it('stops a server that goes back in the list (a cursor cycle) instead of looping', async () => {
    const client = scripted([page(1, testId(1)), page(2, testId(2)), page(1, testId(1))]);
    await expect(collect(client)).rejects.toThrow(/out of order/);
    expect(client.cursors).toHaveLength(3);
  });

  it('stops on has_more with an empty page instead of looping', async () => {
    const empty: Answer = { ok: true, status: 200, attempts: 1, data: { data: [], next_cursor: testId(9), has_more: true } };
    await expect(collect(scripted([page(1, testId(1)), empty]))).rejects.toThrow(/empty page/);
  });
});
