/** Workbooks LibreOffice Calc saved (fixtures/workbooks): read as a person sees them, and imported as their CSV export is. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRecordBatches } from '../src/input/records.js';
import { openInput } from '../src/input/source.js';
import type { SourceRecord, TypedCell } from '../src/types.js';
import { cli, onlyRunDir, readResults, tempDir } from './helpers/cli.js';
import { fixturePath } from './helpers/workbooks.js';

const KINDS = fixturePath('workbooks', 'libreoffice-kinds.xlsx');
const id = (n: number): string => `00000000-0000-4000-8000-00000000000${n}`;

/** The record the reader yields for a row: its cells, and the cells that are not text. */
const row = (line: number, cells: string[], ...typed: TypedCell[]): SourceRecord => ({
  line,
  endLine: line,
  kind: 'record',
  badEncoding: false,
  cells,
  ...(typed.length > 0 ? { typed } : {}),
});

async function records(file: string, sheet?: string): Promise<SourceRecord[]> {
  const all: SourceRecord[] = [];
  for await (const batch of readRecordBatches(await openInput({ path: file, sheet }))) all.push(...batch);
  return all;
}

async function dryRun(file: string): Promise<Record<string, string>[]> {
  const reports = path.join(tempDir('vorel-lo-'), 'reports');
  const r = await cli(['import', file, '--dry-run', '--allow-clears', '--report-dir', reports]);
  expect([0, 1]).toContain(r.code);
  return readResults(onlyRunDir(reports));
}

describe('workbooks saved by LibreOffice Calc', () => {
  it('a workbook imports exactly as its CSV export does (rows on their row numbers)', async () => {
    const fromWorkbook = await dryRun(fixturePath('workbooks', 'libreoffice-contacts.xlsx'));
    const fromCsv = await dryRun(fixturePath('real-exports', 'libreoffice-utf8-comma.csv'));
    const { line: _, ...first } = fromWorkbook[0] as Record<string, string>;
    expect(first).toMatchObject({ outcome: 'valid' });
    expect(fromWorkbook.map(({ line: _l, ...rest }) => rest)).toEqual(fromCsv.map(({ line: _l, ...rest }) => rest));
    expect(fromWorkbook.map((r) => Number(r.line))).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    expect(fromWorkbook.find((r) => r.customer_name?.includes('Multi'))?.customer_name).toBe('Multi\nLine Name');
  });

  it('reads every kind of cell as a person sees it, and names the ones that are not text', async () => {
    expect(await records(KINDS)).toEqual([
      row(1, ['Conversation ID', 'Customer Name', 'Language', 'Note']),
      row(2, [id(1), 'Ana\nLine two', 'pt-BR', '']),
      row(4, [id(2), 'Bob', 'en', '42'], { column: 3, ref: 'D4', kind: 'number' }),
      row(5, [id(3), '4477009', 'de', ''], { column: 1, ref: 'B5', kind: 'number' }),
      row(6, [id(4), 'Ωμέγα 山田 👋', '2024-01-05', ''], { column: 2, ref: 'C6', kind: 'date' }),
      row(7, [id(5), '1', 'fr', ''], { column: 1, ref: 'B7', kind: 'number' }),
      row(8, [id(6), 'Err', '#N/A', ''], { column: 2, ref: 'C8', kind: 'error' }),
      row(9, [id(7), 'Div', 'en', '#DIV/0!'], { column: 3, ref: 'D9', kind: 'error' }),
    ]);
    expect((await openInput({ path: KINDS })).workbook?.sheets).toEqual(['Contacts', 'Second']);
    expect((await records(KINDS, 'Second')).map((r) => (r.kind === 'record' ? r.cells : []))).toEqual([
      ['id', 'name'],
      [id(8), 'Zweite'],
    ]);
  });

  it('judges only mapped columns: text rows valid, a number, date or boolean not_text, an error cell_error', async () => {
    const rows = await dryRun(KINDS);
    expect(rows.map((r) => [r.line, r.outcome, r.error_code])).toEqual([
      ['2', 'valid', ''],
      ['4', 'valid', ''],
      ['5', 'invalid', 'not_text'],
      ['6', 'invalid', 'not_text'],
      ['7', 'invalid', 'not_text'],
      ['8', 'invalid', 'cell_error'],
      ['9', 'valid', ''],
    ]);
  });
});
