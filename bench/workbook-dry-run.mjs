// The 1M-row workbook dry run: peak RSS and rows/s, with the sheet's text in its cells (no table)
// and with a shared-strings table (as Excel and LibreOffice save them). Workbooks are written by
// exceljs' streaming writer, every id and name distinct (the table holds 2 strings per row).
// Usage: npm run build && node bench/workbook-dry-run.mjs [rows=1000000]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';

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

/**
 * The whole CLI in a child process, which reports its own peak RSS from /proc (VmHWM): not
 * `resourceUsage().maxRSS`, which a forked child inherits from this process (big after writing
 * the workbook) and keeps across exec.
 */
function dryRun(file) {
  const reports = path.join(dir, 'reports');
  const started = process.hrtime.bigint();
  const child = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `
      const { runCli } = await import(${JSON.stringify(path.resolve('dist/cli/main.js'))});
      const code = await runCli(['import', ${JSON.stringify(file)}, '--dry-run', '--quiet', '--json', '--report-dir', ${JSON.stringify(reports)}],
        { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: {}, signal: new AbortController().signal });
      const status = (await import('node:fs')).readFileSync('/proc/self/status', 'utf8');
      process.stderr.write('MAXRSS_KB=' + /VmHWM:\\s+(\\d+)/.exec(status)[1] + '\\n');
      process.exit(code);
    `,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (child.status !== 0) throw new Error(`dry run exited ${child.status}: ${child.stderr}`);
  const summary = JSON.parse(child.stdout);
  rmSync(reports, { recursive: true, force: true });
  return { summary, seconds, rssMb: Number(/MAXRSS_KB=(\d+)/.exec(child.stderr)?.[1] ?? 0) / 1024 };
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
