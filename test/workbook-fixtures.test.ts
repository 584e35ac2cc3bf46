/** Workbooks LibreOffice Calc saved (fixtures/workbooks): read as a person sees them, and imported as their CSV export is. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRecordBatches } from '../src/input/records.js';
import { openInput } from '../src/input/source.js';
import type { SourceRecord } from '../src/types.js';
import { cli, onlyRunDir, readResults, tempDir } from './helpers/cli.js';
import { fixturePath } from './helpers/workbooks.js';

const KINDS = fixturePath('workbooks', 'libreoffice-kinds.xlsx');
const id = (n: number): string => `00000000-0000-4000-8000-00000000000${n}`;

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
      { line: 1, endLine: 1, kind: 'record', badEncoding: false, cells: ['Conversation ID', 'Customer Name', 'Language', 'Note'] },
      { line: 2, endLine: 2, kind: 'record', badEncoding: false, cells: [id(1), 'Ana\nLine two', 'pt-BR', ''] },
      {
        line: 4,
        endLine: 4,
        kind: 'record',
        badEncoding: false,
        cells: [id(2), 'Bob', 'en', '42'],
        typed: [{ column: 3, ref: 'D4', kind: 'number' }],
      },
      {
        line: 5,
        endLine: 5,
        kind: 'record',
        badEncoding: false,
        cells: [id(3), '4477009', 'de', ''],
        typed: [{ column: 1, ref: 'B5', kind: 'number' }],
      },
      {
        line: 6,
        endLine: 6,
        kind: 'record',
        badEncoding: false,
        cells: [id(4), 'Ωμέγα 山田 👋', '2024-01-05', ''],
        typed: [{ column: 2, ref: 'C6', kind: 'date' }],
      },
      {
        line: 7,
        endLine: 7,
        kind: 'record',
        badEncoding: false,
        cells: [id(5), '1', 'fr', ''],
        typed: [{ column: 1, ref: 'B7', kind: 'number' }],
      },
      {
        line: 8,
        endLine: 8,
        kind: 'record',
        badEncoding: false,
        cells: [id(6), 'Err', '#N/A', ''],
        typed: [{ column: 2, ref: 'C8', kind: 'error' }],
      },
      {
        line: 9,
        endLine: 9,
        kind: 'record',
        badEncoding: false,
        cells: [id(7), 'Div', 'en', '#DIV/0!'],
        typed: [{ column: 3, ref: 'D9', kind: 'error' }],
      },
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
