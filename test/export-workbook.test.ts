/** `export conversations.xlsx`: a workbook of text cells, header frozen, that imports back with exactly the edits made. */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, describe, expect, it } from 'vitest';
import { makeConversation, startEmulator, type Emulator } from '../src/emulator/index.js';
import { EXPORT_COLUMNS } from '../src/export/options.js';
import { xstring } from '../src/export/workbook-sink.js';
import type { Conversation } from '../src/types.js';
import { cli, onlyRunDir, tempDir } from './helpers/cli.js';
import { testId } from './helpers/emulator.js';

const ROWS: Partial<Conversation>[] = [
  { customer_name: '=SUM(A1:A9)', customer_language: null },
  { customer_name: '+1 Caller', customer_language: 'en', customer_identifier: '+4915112345678' },
  { customer_name: '0042 leading zeros', customer_language: 'fr', customer_identifier: '00441234' },
  { customer_name: 'Line one\nLine two', customer_language: 'de' },
  { customer_name: 'Carriage\r\nReturn _x000D_ Ltd', customer_language: 'en' },
  { customer_name: null, customer_language: null },
  { customer_name: '王伟 👩‍💻 مريم', customer_language: 'zh-TW' },
];

let emulator: Emulator;
afterEach(async () => {
  await emulator.close();
});

async function exportWorkbook(): Promise<{ file: string; work: string }> {
  emulator = await startEmulator({
    count: 0,
    rateLimit: null,
    conversations: ROWS.map((r, i) => makeConversation({ id: testId(i + 1), ...r })),
  });
  const work = tempDir('vorel-xlsx-export-');
  const file = path.join(work, 'conversations.xlsx');
  const r = await cli(['export', file, '--base-url', emulator.baseUrl, '--rate', '100000'], { env: { VOREL_API_KEY: emulator.apiKey } });
  expect(r.code, r.stderr).toBe(0);
  return { file, work };
}

describe('export to .xlsx', () => {
  it('writes one sheet of text cells formatted as Text, the header frozen, no apostrophe before any cell', async () => {
    const { file } = await exportWorkbook();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    expect(workbook.worksheets).toHaveLength(1);
    const sheet = workbook.worksheets[0] as ExcelJS.Worksheet;
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual([...EXPORT_COLUMNS]);
    expect(sheet.rowCount).toBe(ROWS.length + 1);
    for (let r = 2; r <= sheet.rowCount; r++) {
      const id = sheet.getRow(r).getCell(1).value as string;
      const conversation = emulator.get(id) as Conversation;
      EXPORT_COLUMNS.forEach((column, c) => {
        const cell = sheet.getRow(r).getCell(c + 1);
        expect(cell.numFmt).toBe('@');
        const value = conversation[column];
        if (value === null) expect(cell.value).toBeNull();
        else {
          expect(cell.type).toBe(ExcelJS.ValueType.String);
          expect(cell.value).toBe(xstring(value));
        }
      });
    }
  });

  it('imports back with --plan showing exactly three cells edited (with exceljs, not our reader): exit 4', async () => {
    const { file, work } = await exportWorkbook();
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    const sheet = workbook.worksheets[0] as ExcelJS.Worksheet;
    const rowOf = (id: string): number => {
      for (let r = 2; r <= sheet.rowCount; r++) if (sheet.getRow(r).getCell(1).value === id) return r;
      throw new Error(id);
    };
    const nameCol = EXPORT_COLUMNS.indexOf('customer_name') + 1;
    const langCol = EXPORT_COLUMNS.indexOf('customer_language') + 1;
    sheet.getRow(rowOf(testId(2))).getCell(nameCol).value = 'Renamed Caller';
    sheet.getRow(rowOf(testId(3))).getCell(langCol).value = 'pt-BR';
    sheet.getRow(rowOf(testId(7))).getCell(nameCol).value = 'Wang Wei';
    const edited = path.join(work, 'edited.xlsx');
    await workbook.xlsx.writeFile(edited);

    const reports = path.join(work, 'reports');
    const r = await cli(['import', edited, '--plan', '--detailed-exitcode', '--base-url', emulator.baseUrl, '--report-dir', reports], {
      env: { VOREL_API_KEY: emulator.apiKey },
    });
    expect(r.code, r.stderr).toBe(4);
    const plan = readFileSync(path.join(onlyRunDir(reports), 'plan.csv'), 'utf8')
      .trim()
      .split('\r\n')
      .slice(1);
    expect(plan.map((line) => line.split(',').slice(1, 4))).toEqual(
      [
        // plan.csv is for people: a cell starting with + gets a ' (contract), the workbook never does.
        [testId(2), 'customer_name', "'+1 Caller"],
        [testId(3), 'customer_language', 'fr'],
        [testId(7), 'customer_name', '王伟 👩‍💻 مريم'],
      ].sort((a, b) => rowOf(a[0] as string) - rowOf(b[0] as string)),
    );
    expect(emulator.requests.filter((q) => q.method === 'PATCH')).toHaveLength(0);
  });
});
