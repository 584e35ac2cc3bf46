// The 1M-row workbook dry run: peak RSS and rows/s, with the sheet's text in its cells (no table)
// and with a shared-strings table (as Excel and LibreOffice save them). Workbooks are written by
// exceljs' streaming writer, every id and name distinct (the table holds 2 strings per row).
// Usage: npm run build && node bench/workbook-dry-run.mjs [rows=1000000]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { dryRunProcess } from './lib.mjs';

const rows = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(path.join(tmpdir(), 'vorel-bench-xlsx-'));
const names = ['François Dubois', 'Иван Петров', 'Doe, Jane', '日本 太郎', 'Zoë 👋', 'Sørina "Sue" Hall'];

async function writeWorkbook(file, useSharedStrings) {
  const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings, useStyles: false });
  const sheet = writer.addWorksheet('Contacts');
  sheet.addRow(['id', 'customer_name', 'customer_language']).commit();
  for (let i = 0; i < rows; i++) {
    const id = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
    sheet.addRow([id, `${names[i % names.length]} ${i}`, i % 7 === 0 ? 'en-US' : 'fr']).commit();
  }
  sheet.commit();
  await writer.commit();
}

function dryRun(file) {
  const reports = path.join(dir, 'reports');
  const result = dryRunProcess(file, reports);
  rmSync(reports, { recursive: true, force: true });
  return result;
}

const cases = [
  { name: 'text in the cells (no shared strings)', shared: false, targetMb: 200 },
  { name: 'shared-strings table', shared: true, targetMb: 300 },
];
let failed = false;
for (const c of cases) {
  const file = path.join(dir, c.shared ? 'shared.xlsx' : 'inline.xlsx');
  await writeWorkbook(file, c.shared);
  const { summary, seconds, rssMb } = dryRun(file);
  const ok = summary.totals.valid === rows && rssMb <= c.targetMb;
  failed ||= !ok;
  console.log(
    `${c.name}: ${(statSync(file).size / 1024 ** 2).toFixed(1)} MB workbook, ${summary.input.rows} rows (valid ${summary.totals.valid})`,
  );
  console.log(
    `  dry run: ${(summary.input.rows / seconds).toFixed(0)} rows/s (${seconds.toFixed(1)} s, whole CLI process, reports included)`,
  );
  console.log(`  peak RSS: ${rssMb.toFixed(0)} MB target <= ${c.targetMb} MB ${ok ? 'PASS' : 'FAIL'}`);
  rmSync(file, { force: true });
}
rmSync(dir, { recursive: true, force: true });
process.exitCode = failed ? 1 : 0;
