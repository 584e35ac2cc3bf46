import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JournalIndex } from '../src/import/journal-index.js';
import { scratchDir } from './helpers/scratch.js';

const { dir } = scratchDir('vorel-journal-');
const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const row = (line: number, id: string | null, kind: string, extra: object = {}) => ({
  type: 'row',
  line,
  end_line: line,
  id,
  outcome:
    kind === 'updated'
      ? { kind, httpStatus: 200, attempts: 1 }
      : { kind, code: 'server_error', message: 'x', httpStatus: 500, attempts: 6 },
  patch: { customer_name: `n${line}` },
  before: null,
  ...extra,
});

const RUN = {
  type: 'run',
  version: 1,
  run_id: 'r1',
  mode: 'import',
  input: { path: 'in.csv', sha256: 'x', encoding: 'utf-8', delimiter: ',' },
  options: { empty: 'null', map: [], match_by: 'id', base_url: 'http://127.0.0.1:1' },
};
let runs = 0;

async function indexOf(records: object[], tail = ''): Promise<Awaited<ReturnType<typeof JournalIndex.read>>> {
  const runDir = join(dir, `run-${runs++}`);
  mkdirSync(runDir);
  writeFileSync(join(runDir, 'journal.ndjson'), `${records.map((r) => JSON.stringify(r)).join('\n')}\n${tail}`);
  return JournalIndex.read(runDir);
}

describe('journal index for --resume', () => {
  it('carries settled rows and failed rows a later row of their id updated, in settle order or not', async () => {
    const { index, run } = await indexOf([
      RUN,
      row(4, A, 'updated'),
      row(2, A, 'failed'),
      row(3, B, 'failed'),
      row(6, B, 'updated', { copy_from: 5 }),
      row(7, A, 'failed'),
    ]);
    expect(run).toMatchObject({ run_id: 'r1', mode: 'import' });
    expect(index.carried.get(2)).toMatchObject({ line: 2, id: A, outcome: { kind: 'failed' } });
    expect(index.carried.get(3)).toMatchObject({ line: 3, id: B });
    expect(index.carried.get(4)).toMatchObject({ line: 4, outcome: { kind: 'updated' }, patch: { customer_name: 'n4' } });
    expect(index.carried.get(6)).toMatchObject({ line: 6, copyFrom: 5 });
    // Failed after the last update of its id: sent again.
    expect(index.carried.get(7)).toBeUndefined();
    expect(index.carried.get(5)).toBeUndefined();
    expect([2, 3, 4, 5, 6, 7].filter((line) => index.carried.has(line))).toEqual([2, 3, 4, 6]);
    expect(index.carried.size).toBe(4);
    index.close();
  });

  it('keeps before-values only for lines whose row never settled, and skips a torn last line', async () => {
    const { index, tornLastLine } = await indexOf(
      [
        RUN,
        { type: 'before', line: 2, id: A, before: { customer_name: 'old A', customer_language: null } },
        { type: 'before', line: 3, id: B, before: { customer_name: 'old B', customer_language: 'fr' } },
        row(2, A, 'updated'),
      ],
      '{"type":"row","line":9,',
    );
    expect(tornLastLine).toBe(true);
    expect(index.befores.get(2)).toBeUndefined();
    expect(index.befores.get(3)).toEqual({ customer_name: 'old B', customer_language: 'fr' });
    expect(index.carried.get(3)).toBeUndefined();
    expect(index.carried.get(9)).toBeUndefined();
    index.close();
  });

  it('finds lines far past its first room, the last row record of a line speaking for it, before-values never outranking a row', async () => {
    const { index } = await indexOf([
      RUN,
      row(2, A, 'failed'),
      { type: 'before', line: 200_000, id: B, before: { customer_name: 'old B', customer_language: null } },
      row(200_000, B, 'updated'),
      { type: 'before', line: 200_000, id: B, before: { customer_name: 'older B', customer_language: null } },
      // A resumed run's record of line 2, later in the same journal.
      row(2, A, 'updated'),
    ]);
    expect(index.carried.get(2)).toMatchObject({ line: 2, outcome: { kind: 'updated' } });
    expect(index.carried.get(200_000)).toMatchObject({ line: 200_000, id: B, outcome: { kind: 'updated' } });
    expect(index.befores.get(200_000)).toBeUndefined();
    expect(index.carried.get(199_999)).toBeUndefined();
    expect(index.carried.get(400_000)).toBeUndefined();
    expect(index.carried.size).toBe(2);
    index.close();
  });

  it('holds no entry of a row that is sent again, keeping before-values and superseded rows exact', async () => {
    const ids = Array.from({ length: 300 }, (_, i) => `id-${i}`);
    const { index } = await indexOf([
      RUN,
      { type: 'before', line: 2, id: 'id-0', before: { customer_name: 'old', customer_language: null } },
      ...ids.map((id, i) => row(i + 2, id, 'failed')),
      row(400, 'id-9', 'updated'),
      { type: 'before', line: 401, id: 'id-500', before: { customer_name: 'old 500', customer_language: 'fr' } },
    ]);
    // Line 11 (id-9, superseded), line 400 (updated), line 401 (before-values): nothing else.
    expect(index.heldEntries).toBe(3);
    expect(index.carried.get(11)).toMatchObject({ line: 11, id: 'id-9' });
    expect(index.carried.get(400)).toMatchObject({ outcome: { kind: 'updated' } });
    // Line 2's row record (failed) still outranks its before-values.
    expect(index.befores.get(2)).toBeUndefined();
    expect(index.befores.get(401)).toEqual({ customer_name: 'old 500', customer_language: 'fr' });
    expect(index.carried.size).toBe(2);
    index.close();
  });

  it('supersedes only the failed rows of the id a later row updated, among many ids', async () => {
    // Many ids, one updated late: only rows of that id are superseded.
    const ids = Array.from({ length: 500 }, (_, i) => `id-${i}`);
    const records = [RUN, ...ids.map((id, i) => row(i + 2, id, 'failed')), row(1000, 'id-7', 'updated')];
    const { index } = await indexOf(records);
    const carried = ids.filter((_, i) => index.carried.get(i + 2) !== undefined);
    expect(carried).toEqual(['id-7']);
    index.close();
  });
});
