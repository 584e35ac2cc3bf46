/** Workbooks written at test time by exceljs (never by our reader), so the reader is not tested against itself. */
import { join } from 'node:path';
import ExcelJS from 'exceljs';

export type CellInput = ExcelJS.CellValue;

/** One sheet per entry, rows of cell values (undefined: no cell). */
export async function writeWorkbook(
  path: string,
  sheets: Record<string, readonly (readonly CellInput[])[]>,
  style?: (sheet: ExcelJS.Worksheet) => void,
): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) {
    const sheet = workbook.addWorksheet(name);
    for (const row of rows) sheet.addRow([...row]);
    style?.(sheet);
  }
  await workbook.xlsx.writeFile(path);
  return path;
}

/** A streamed workbook of one sheet: inline strings (`useSharedStrings: false`) or a shared-strings table. */
export async function writeStreamedWorkbook(
  path: string,
  rows: Iterable<readonly CellInput[]>,
  opts: { sharedStrings: boolean; sheet?: string },
): Promise<string> {
  const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: opts.sharedStrings, useStyles: false });
  const sheet = writer.addWorksheet(opts.sheet ?? 'Sheet1');
  for (const row of rows) sheet.addRow([...row]).commit();
  sheet.commit();
  await writer.commit();
  return path;
}

export const UUIDS = Array.from({ length: 20 }, (_, i) => `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`);

export function fixturePath(...parts: string[]): string {
  return join(import.meta.dirname, '..', '..', 'fixtures', ...parts);
}
