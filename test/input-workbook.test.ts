import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { readRecordBatches } from '../src/input/records.js';
import { openInput } from '../src/input/source.js';
import type { SourceRecord } from '../src/types.js';
import { scratchDir } from './helpers/scratch.js';
import { UUIDS, writeStreamedWorkbook, writeWorkbook } from './helpers/workbooks.js';
import { rawWorkbook, zipBytes } from './helpers/zip.js';

const { dir } = scratchDir('vorel-workbook-');
let fileNo = 0;
const nextPath = (ext = 'xlsx'): string => join(dir, `w${fileNo++}.${ext}`);
const writeBytes = (bytes: Buffer | string, ext = 'xlsx'): string => {
  const path = nextPath(ext);
  writeFileSync(path, bytes);
  return path;
};

async function records(path: string, sheet?: string): Promise<SourceRecord[]> {
  const source = await openInput({ path, sheet });
  const all: SourceRecord[] = [];
  for await (const batch of readRecordBatches(source)) all.push(...batch);
  return all;
}

const plain = (rs: SourceRecord[]) => rs.map((r) => (r.kind === 'record' ? [r.line, ...r.cells] : [r.line, r.kind]));

async function usageError(promise: Promise<unknown>): Promise<UsageError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

describe('reading a workbook written by exceljs', () => {
  it('gives text cells as they are, line = the row number, blank rows skipped', async () => {
    const path = await writeWorkbook(nextPath(), {
      People: [['id', 'name', 'language'], [UUIDS[0], 'Zoë  Ωμέγα 山田', 'en'], [], [UUIDS[1], 'two\nlines', 'de-DE']],
    });
    expect(plain(await records(path))).toEqual([
      [1, 'id', 'name', 'language'],
      [2, UUIDS[0], 'Zoë  Ωμέγα 山田', 'en'],
      [4, UUIDS[1], 'two\nlines', 'de-DE'],
    ]);
  });

  it('gives a formula its cached result, rich text its plain text', async () => {
    const path = await writeWorkbook(nextPath(), {
      S: [
        ['id', 'name', 'language'],
        [UUIDS[0], { richText: [{ text: 'Bo' }, { text: 'b', font: { bold: true } }] }, { formula: '"e"&"n"', result: 'en' }],
      ],
    });
    const [, row] = await records(path);
    expect(row).toMatchObject({ cells: [UUIDS[0], 'Bob', 'en'] });
    expect(row).not.toHaveProperty('typed');
  });

  it('names numbers, dates, booleans, errors and formulas without a result, showing them as a person sees them', async () => {
    const path = await writeWorkbook(nextPath(), {
      S: [
        ['id', 'phone', 'when', 'ok', 'err', 'f'],
        [UUIDS[0], 447700900123, new Date(Date.UTC(2024, 0, 5)), true, { error: '#N/A' }, { formula: 'A1' }],
      ],
    });
    const [, row] = await records(path);
    expect(row).toMatchObject({
      line: 2,
      cells: [UUIDS[0], '447700900123', '2024-01-05', 'TRUE', '#N/A', ''],
      typed: [
        { column: 1, ref: 'B2', kind: 'number' },
        { column: 2, ref: 'C2', kind: 'date' },
        { column: 3, ref: 'D2', kind: 'boolean' },
        { column: 4, ref: 'E2', kind: 'error' },
        { column: 5, ref: 'F2', kind: 'no_result' },
      ],
    });
  });

  it('reads inline strings and a shared-strings table alike (streamed writer)', async () => {
    const rows = [['id', 'name'], ...UUIDS.map((id, i) => [id, `name ${i % 3}`])];
    const inline = await records(await writeStreamedWorkbook(nextPath(), rows, { sharedStrings: false }));
    const shared = await records(await writeStreamedWorkbook(nextPath(), rows, { sharedStrings: true }));
    expect(plain(inline)).toEqual(rows.map((r, i) => [i + 1, ...r]));
    expect(plain(shared)).toEqual(plain(inline));
  });

  it('reads the first sheet in workbook order by default, another by --sheet, and lists the sheets for an unknown one', async () => {
    const path = await writeWorkbook(nextPath(), { First: [['id'], ['a']], Second: [['id'], ['b']] });
    const first = await openInput({ path });
    expect(first.workbook).toMatchObject({ sheet: 'First', sheets: ['First', 'Second'] });
    expect(plain(await records(path, 'Second'))).toEqual([
      [1, 'id'],
      [2, 'b'],
    ]);
    const error = await usageError(openInput({ path, sheet: 'Third' }));
    expect(error.code).toBe('unknown_sheet');
    expect(error.message).toContain('"First", "Second"');
  });

  it('describes the workbook by its content, whatever its name', async () => {
    const path = await writeWorkbook(nextPath('csv'), { S: [['id'], ['a']] });
    const source = await openInput({ path });
    expect(source.workbook?.sheet).toBe('S');
    expect(source.sha256).toMatch(/^[0-9a-f]{64}$/);
    const csv = writeBytes('id,name\na,b\n', 'xlsx');
    expect((await openInput({ path: csv })).workbook).toBeNull();
  });
});

describe('hand-made sheet XML', () => {
  it('skips phonetic runs, decodes _xHHHH_ escapes, keeps row numbers that skip', async () => {
    const path = writeBytes(
      rawWorkbook(
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>name</t></is></c></row>' +
          '<row r="7"><c r="A7" t="s"><v>1</v></c><c r="B7" t="inlineStr"><is><t>a_x000D_b</t></is></c></row>',
        { sharedStrings: ['<t>id</t>', '<r><t>山</t></r><r><t>田</t></r><rPh sb="0" eb="1"><t>やまだ</t></rPh>'] },
      ),
    );
    expect(plain(await records(path))).toEqual([
      [1, 'id', 'name'],
      [7, '山田', 'a\rb'],
    ]);
  });

  it('marks a value beyond the header columns', async () => {
    const path = writeBytes(
      rawWorkbook('<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row><row r="2"><c r="C2"><v>5</v></c></row>'),
    );
    const [, row] = await records(path);
    expect(row).toMatchObject({ cells: [''], stray: 'C2' });
  });
});

describe('refused inputs (exit 2, saying what to do)', () => {
  it('a legacy .xls or an encrypted workbook (OLE2 container)', async () => {
    const path = writeBytes(Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(512)]), 'xls');
    const error = await usageError(openInput({ path }));
    expect(error.message).toMatch(/save it as \.xlsx without a password/);
    expect(error.exitCode).toBe(2);
  });

  it('an OpenDocument spreadsheet', async () => {
    const path = writeBytes(
      zipBytes([
        { name: 'mimetype', data: 'application/vnd.oasis.opendocument.spreadsheet' },
        { name: 'content.xml', data: '<x/>' },
      ]),
    );
    expect((await usageError(openInput({ path }))).message).toMatch(/OpenDocument.*save it as \.xlsx.*or as CSV/);
  });

  it('a ZIP that holds no workbook', async () => {
    const path = writeBytes(zipBytes([{ name: 'readme.txt', data: 'hello' }]), 'zip');
    expect((await usageError(openInput({ path }))).message).toMatch(/holds no Excel workbook/);
  });

  it('a damaged workbook (cut short)', async () => {
    const whole = await writeWorkbook(nextPath(), { S: [['id'], ['a']] });
    const bytes = (await import('node:fs')).readFileSync(whole);
    const path = writeBytes(bytes.subarray(0, Math.floor(bytes.length / 2)));
    const error = await usageError(openInput({ path }));
    expect(error.code).toBe('damaged_workbook');
    expect(error.message).toMatch(/save it again as \.xlsx/);
  });

  it('a sheet that is not well-formed XML, found while reading', async () => {
    const path = writeBytes(rawWorkbook('<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row><row r="2"><c></row>'));
    const error = await usageError(records(path));
    expect(error.code).toBe('damaged_workbook');
  });

  it('--sheet for a CSV input', async () => {
    const path = writeBytes('id,name\n', 'csv');
    expect((await usageError(openInput({ path, sheet: 'S' }))).code).toBe('conflicting_options');
  });

  it('--encoding or --delimiter for a workbook', async () => {
    const path = await writeWorkbook(nextPath(), { S: [['id'], ['a']] });
    const both = await usageError(openInput({ path, encoding: 'latin1', delimiter: ';' }));
    expect(both.code).toBe('conflicting_options');
    expect(both.message).toContain(`--encoding and --delimiter apply to a CSV file, but ${path} is a workbook: leave them out`);
    expect((await usageError(openInput({ path, delimiter: ',' }))).message).toContain('--delimiter applies to a CSV file');
  });
});

describe('hostile workbooks cost bounded memory and time, and end in a usage error', () => {
  it('a ZIP bomb that declares its size: refused before inflating', async () => {
    const path = writeBytes(rawWorkbook('<row r="1"/>', { sheetDeclaredSize: 4 * 1024 ** 3 - 1 }));
    const error = await usageError(records(path));
    expect(error.code).toBe('workbook_limit');
  });

  it('a part that inflates past the size it declares: stopped while inflating', async () => {
    const rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row>'.padEnd(200_000, ' ');
    const path = writeBytes(rawWorkbook(rows, { sheetDeclaredSize: 1000 }));
    expect((await usageError(records(path))).code).toBe('damaged_workbook');
  });

  it('a cell of megabytes', async () => {
    const big = 'x'.repeat(5 * 1024 * 1024);
    const path = writeBytes(rawWorkbook(`<row r="1"><c r="A1" t="inlineStr"><is><t>${big}</t></is></c></row>`));
    expect((await usageError(records(path))).code).toBe('workbook_limit');
  });

  it('a shared string of megabytes', async () => {
    const path = writeBytes(
      rawWorkbook('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', { sharedStrings: [`<t>${'y'.repeat(3 * 1024 * 1024)}</t>`] }),
    );
    expect((await usageError(records(path))).code).toBe('workbook_limit');
  });

  it('a million columns', async () => {
    const cells = Array.from({ length: 20_000 }, () => '<c t="inlineStr"><is><t>a</t></is></c>').join('');
    const path = writeBytes(rawWorkbook(`<row r="1">${cells}</row>`));
    const error = await usageError(records(path));
    expect(error.message).toMatch(/beyond column XFD/);
  });

  it('rows past the sheet grid', async () => {
    const path = writeBytes(rawWorkbook('<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row><row r="2000000"/>'));
    expect((await usageError(records(path))).code).toBe('damaged_workbook');
  });
});
