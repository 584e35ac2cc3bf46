import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { carries, JournalCursor, readRunJournal } from '../src/import/journal/run-journal.js';
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

function journalOf(records: object[], tail = ''): string {
  const runDir = join(dir, `run-${runs++}`);
  mkdirSync(runDir);
  writeFileSync(join(runDir, 'journal.ndjson'), `${records.map((r) => JSON.stringify(r)).join('\n')}\n${tail}`);
  return runDir;
}

/** What a resume does with each line, walking them in file order. */
async function resumeView(runDir: string, lines: number[]) {
  const journal = await readRunJournal(runDir, '--resume');
  const cursor = new JournalCursor(journal);
  const view = new Map<number, { carried: boolean; before?: object }>();
  for (const line of lines) {
    const at = await cursor.take(line);
    view.set(line, { carried: at.row !== undefined && carries(at.row, journal.superseded), ...(at.before ? { before: at.before } : {}) });
  }
  await cursor.close();
  return { journal, view };
}

describe('a journal read back for --resume', () => {
  it('carries settled rows and the failed rows a later row of their id superseded, in settle order or not', async () => {
    const runDir = journalOf([
      RUN,
      row(4, A, 'updated', { supersedes: [2] }),
      row(2, A, 'failed'),
      row(3, B, 'failed'),
      row(6, B, 'updated', { copy_from: 5, supersedes: [3] }),
      row(7, A, 'failed'),
    ]);
    const { journal, view } = await resumeView(runDir, [2, 3, 4, 5, 6, 7]);
    expect(journal.run).toMatchObject({ run_id: 'r1', mode: 'import' });
    expect([...view].filter(([, v]) => v.carried).map(([line]) => line)).toEqual([2, 3, 4, 6]);
    expect(journal.carriedRows).toBe(4);
  });

  it('recalls before-values only for lines whose row never settled, and skips a torn last line', async () => {
    const runDir = journalOf(
      [
        RUN,
        { type: 'before', line: 2, id: A, before: { customer_name: 'old A', customer_language: null } },
        { type: 'before', line: 3, id: B, before: { customer_name: 'old B', customer_language: 'fr' } },
        row(2, A, 'updated'),
      ],
      '{"type":"row","line":9,',
    );
    const { journal, view } = await resumeView(runDir, [2, 3, 9]);
    expect(journal.tornLastLine).toBe(true);
    expect(view.get(2)).toEqual({ carried: true });
    expect(view.get(3)).toEqual({ carried: false, before: { customer_name: 'old B', customer_language: 'fr' } });
    expect(view.get(9)).toEqual({ carried: false });
  });

  it('supersedes only the rows the later update named, among many ids', async () => {
    const ids = Array.from({ length: 500 }, (_, i) => `id-${i}`);
    const runDir = journalOf([RUN, ...ids.map((id, i) => row(i + 2, id, 'failed')), row(1000, 'id-7', 'updated', { supersedes: [9] })]);
    const { journal, view } = await resumeView(runDir, [...ids.map((_, i) => i + 2), 1000]);
    expect([...view].filter(([, v]) => v.carried).map(([line]) => line)).toEqual([9, 1000]);
    expect(journal.carriedRows).toBe(2);
  });

  it('finds lines far apart, reading ahead only as far as the line it is asked for', async () => {
    const runDir = journalOf([RUN, row(2, A, 'failed'), row(200_000, B, 'updated')]);
    const { view } = await resumeView(runDir, [2, 199_999, 200_000, 400_000]);
    expect(view.get(200_000)).toEqual({ carried: true });
    expect(view.get(199_999)).toEqual({ carried: false });
    expect(view.get(400_000)).toEqual({ carried: false });
  });

  it('follows a resume killed part-way to the run it resumed, for the rows it never reached', async () => {
    const first = journalOf([
      RUN,
      row(2, A, 'failed'),
      row(3, B, 'updated'),
      row(4, A, 'failed'),
      row(5, A, 'updated', { supersedes: [4] }),
      { type: 'before', line: 6, id: B, before: { customer_name: 'old B', customer_language: null } },
    ]);
    // The resume re-sent line 2 and was killed there: lines 3 to 6 are only in the first run's journal.
    const killed = journalOf([{ ...RUN, run_id: 'r2', resumes: first }, row(2, A, 'updated')]);
    const { journal, view } = await resumeView(killed, [2, 3, 4, 5, 6]);
    expect(journal.chain).toEqual([killed, first]);
    expect([...view].filter(([, v]) => v.carried).map(([line]) => line)).toEqual([2, 3, 4, 5]);
    expect(view.get(6)).toEqual({ carried: false, before: { customer_name: 'old B', customer_language: null } });
    expect(journal.carriedRows).toBe(4);

    // A resume that ended walked the whole file: its own journal is whole.
    const ended = journalOf([{ ...RUN, run_id: 'r3', resumes: first }, row(2, A, 'updated'), { type: 'facts', finished_at: 'x' }]);
    expect((await readRunJournal(ended, 'report')).chain).toEqual([ended]);
    // Without the earlier run's folder, a resume would send its rows again: refused; a report shows what it has.
    const orphan = journalOf([{ ...RUN, run_id: 'r4', resumes: join(dir, 'gone') }, row(2, A, 'updated')]);
    await expect(readRunJournal(orphan, '--resume')).rejects.toMatchObject({ code: 'bad_resume' });
    expect((await readRunJournal(orphan, 'report')).chain).toEqual([orphan]);
  });

  it('refuses a journal without a run header, and one damaged before its last line', async () => {
    await expect(readRunJournal(journalOf([row(2, A, 'updated')]), '--resume')).rejects.toMatchObject({ code: 'bad_resume' });
    const damaged = journalOf([RUN, row(2, A, 'updated')], 'not json\n{"type":"row"}\n');
    await expect(readRunJournal(damaged, 'report')).rejects.toMatchObject({ code: 'journal_corrupt' });
  });
});
