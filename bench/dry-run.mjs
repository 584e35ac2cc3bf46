// Dry-run throughput against raw csv-parse on the same file, and the dry run's peak RSS.
// Usage: npm run build && node bench/dry-run.mjs [rows=1000000] (at 100k rows the CLI's start-up weighs on the ratio)
import { createReadStream, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse';
import { dryRunProcess } from './lib.mjs';

const rows = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(path.join(tmpdir(), 'vorel-bench-'));
const file = path.join(dir, 'big.csv');
const names = ['François Dubois', 'Иван Петров', 'Doe, Jane', '日本 太郎', 'Zoë 👋', 'Sørina "Sue" Hall'];
const lines = ['id,customer_name,customer_language'];
for (let i = 0; i < rows; i++) {
  const id = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
  const name = names[i % names.length];
  lines.push(`${id},${/[",]/.test(name) ? `"${name.replaceAll('"', '""')}"` : name},${i % 7 === 0 ? 'en-US' : 'fr'}`);
}
writeFileSync(file, `${lines.join('\r\n')}\r\n`);

async function rawCsvParse() {
  const started = process.hrtime.bigint();
  let n = -1;
  for await (const _ of createReadStream(file).pipe(parse({ bom: true, relax_column_count: true }))) n++;
  return { n, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

const raw = await rawCsvParse();
const { summary, seconds, rssMb } = dryRunProcess(file, path.join(dir, 'reports'));
const dryRate = summary.input.rows / seconds;
const rawRate = raw.n / raw.seconds;
console.log(`rows: ${summary.input.rows} (valid ${summary.totals.valid})`);
console.log(`raw csv-parse: ${rawRate.toFixed(0)} rows/s (${raw.seconds.toFixed(2)} s)`);
console.log(`dry run (whole CLI process, reports included): ${dryRate.toFixed(0)} rows/s (${seconds.toFixed(2)} s)`);
console.log(`ratio dry-run / csv-parse: ${(dryRate / rawRate).toFixed(2)} target >= 0.5 ${dryRate / rawRate >= 0.5 ? 'PASS' : 'FAIL'}`);
console.log(`dry run peak RSS: ${rssMb.toFixed(0)} MB`);
rmSync(dir, { recursive: true, force: true });
