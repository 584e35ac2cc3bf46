// Peak RSS and speed of the CLI process at growing file sizes: dry runs against raw csv-parse on
// the 1M-row file, imports against the emulator (in its own process: its memory is not the
// CLI's) at an unlimited rate and the default concurrency, and the --resume of an interrupted import. Each figure is printed
// with its target and PASS/FAIL. Files are generated in a temp folder, removed at the end.
// Usage: npm run build && node bench/memory.mjs [dry=10000,100000,500000,1000000,10000000] [import=300000,1000000] [resume=300000,1000000]
// An empty list ('') skips that group, e.g. `node bench/memory.mjs '' 300000,1000000 ''`.
// The 1M-row import and resume take ~6 minutes each at the ~2.8k rows/s an unlimited-rate import
// reaches on this 2-core machine; they are in the default run because issue 14's targets name them.
import { fork, spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse';
import { idFor } from './ids.mjs';
import { fmt, verdict } from './lib.mjs';

const list = (arg, fallback) => (arg ?? fallback).split(',').filter(Boolean).map(Number);
const drySizes = list(process.argv[2], '10000,100000,500000,1000000,10000000');
const importSizes = list(process.argv[3], '300000,1000000');
const resumeSizes = list(process.argv[4], '300000,1000000');
const bin = path.resolve(import.meta.dirname, '../dist/cli/bin.js');
const dir = mkdtempSync(path.join(tmpdir(), 'vorel-memory-bench-'));
const names = ['François Dubois', 'Иван Петров', 'Doe, Jane', '日本 太郎', 'Zoë 👋', 'Sørina "Sue" Hall'];

/** A CSV of `rows` rows (ids 1..rows), streamed to disk: the generator holds one block at a time. */
async function csvFile(rows) {
  const file = path.join(dir, `rows-${rows}.csv`);
  const out = createWriteStream(file);
  let block = 'id,customer_name,customer_language\r\n';
  for (let i = 1; i <= rows; i++) {
    const name = names[i % names.length];
    block += `${idFor(i)},${/[",]/.test(name) ? `"${name.replaceAll('"', '""')}"` : name},${i % 7 === 0 ? 'en-US' : 'fr'}\r\n`;
    if (block.length >= 1 << 16) {
      if (!out.write(block)) await once(out, 'drain');
      block = '';
    }
  }
  out.end(block);
  await once(out, 'close');
  return file;
}

async function csvParseRate(file) {
  const started = process.hrtime.bigint();
  let n = -1;
  for await (const _ of createReadStream(file).pipe(parse({ bom: true, relax_column_count: true }))) n++;
  return n / (Number(process.hrtime.bigint() - started) / 1e9);
}

/**
 * `node dist/cli/bin.js <args>` as a user runs it; resolves to { code, seconds, rssMb, stdout }. The
 * peak RSS is read from /proc (VmHWM) just before the child exits, by a preloaded hook, so no
 * flag changes how the CLI itself runs.
 */
function cli(args, env = {}, { interruptAfterMs } = {}) {
  return new Promise((resolve, reject) => {
    const hook = path.join(dir, 'peak-rss.cjs');
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--require', hook, bin, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env, VOREL_BENCH_RSS_FD: '2' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    if (interruptAfterMs !== undefined) setTimeout(() => child.kill('SIGINT'), interruptAfterMs);
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const kb = Number(/PEAK_RSS_KB=(\d+)/.exec(stderr)?.[1] ?? Number.NaN);
      resolve({ code, seconds, rssMb: kb / 1024, stdout, stderr });
    });
  });
}

async function writeHook() {
  const hook = path.join(dir, 'peak-rss.cjs');
  const out = createWriteStream(hook);
  out.end(
    "process.on('exit', () => { const m = /VmHWM:\\s+(\\d+)/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8')); process.stderr.write('PEAK_RSS_KB=' + (m ? m[1] : process.resourceUsage().maxRSS) + '\\n'); });\n",
  );
  await once(out, 'close');
}

/** An emulator holding ids 1..rows in its own process. */
async function emulator(rows) {
  const child = fork(path.join(import.meta.dirname, 'emulator-child.mjs'), { stdio: 'inherit' });
  child.send({ rows, options: { rateLimit: null } });
  const [{ baseUrl, apiKey }] = await once(child, 'message');
  return {
    baseUrl,
    apiKey,
    async close() {
      const exited = once(child, 'exit');
      child.send('close');
      await exited;
    },
  };
}

const line = (label, value, target, ok) =>
  console.log(`  ${label.padEnd(44)} ${value.padStart(14)}   target ${target.padEnd(22)} ${verdict(ok)}`);

await writeHook();
try {
  console.log('dry runs (whole CLI process, reports written):');
  const dry = new Map();
  for (const rows of drySizes) {
    const file = await csvFile(rows);
    const r = await cli(['import', file, '--dry-run', '--quiet', '--json', '--report-dir', path.join(dir, 'reports')]);
    if (r.code !== 0) throw new Error(`dry run of ${rows} rows exited ${r.code}: ${r.stderr}`);
    dry.set(rows, r);
    const rate = rows / r.seconds;
    const target = rows >= 10_000_000 ? 170 : rows >= 1_000_000 ? 150 : null;
    if (target === null) console.log(`  dry run ${rows} rows: peak RSS ${fmt(r.rssMb, 0)} MB, ${fmt(rate, 0)} rows/s`);
    else line(`dry run ${rows} rows peak RSS`, `${fmt(r.rssMb, 0)} MB`, `<= ${target} MB`, r.rssMb <= target);
    if (target !== null) console.log(`  dry run ${rows} rows: ${fmt(rate, 0)} rows/s`);
    if (rows === 1_000_000) {
      const raw = await csvParseRate(file);
      console.log(`  raw csv-parse, same 1M-row file: ${fmt(raw, 0)} rows/s`);
      line('dry run / csv-parse rows/s, 1M rows', fmt(rate / raw, 2), '>= 0.5', rate / raw >= 0.5);
    }
    rmSync(file, { force: true });
    rmSync(path.join(dir, 'reports'), { recursive: true, force: true });
  }
  const small = dry.get(10_000);
  const large = dry.get(10_000_000);
  if (small && large) {
    const growth = large.rssMb - small.rssMb;
    line('peak RSS 10M rows minus 10k rows', `${fmt(growth, 0)} MB`, '<= 60 MB', growth <= 60);
  }

  console.log('imports against the emulator (child process), unlimited rate, default concurrency:');
  for (const rows of importSizes) {
    const file = await csvFile(rows);
    const api = await emulator(rows);
    const r = await cli(
      ['import', file, '--base-url', api.baseUrl, '--rate', '100000000', '--quiet', '--json', '--report-dir', path.join(dir, 'reports')],
      { VOREL_API_KEY: api.apiKey },
    );
    await api.close();
    if (r.code !== 0) throw new Error(`import of ${rows} rows exited ${r.code}: ${r.stderr}`);
    const updated = JSON.parse(r.stdout).totals.updated;
    if (updated !== rows) throw new Error(`import of ${rows} rows updated ${updated}`);
    const target = rows >= 300_000 ? 150 : null;
    if (target === null) console.log(`  import ${rows} rows: peak RSS ${fmt(r.rssMb, 0)} MB, ${fmt(rows / r.seconds, 0)} rows/s`);
    else line(`import ${rows} rows peak RSS`, `${fmt(r.rssMb, 0)} MB`, `<= ${target} MB`, r.rssMb <= target);
    if (target !== null) console.log(`  import ${rows} rows: ${fmt(rows / r.seconds, 0)} rows/s`);
    rmSync(file, { force: true });
    rmSync(path.join(dir, 'reports'), { recursive: true, force: true });
  }

  console.log('--resume of an interrupted import (interrupted after max(5 s, rows/100 ms)):');
  for (const rows of resumeSizes) {
    const file = await csvFile(rows);
    const api = await emulator(rows);
    const reports = path.join(dir, 'reports');
    const args = ['--base-url', api.baseUrl, '--rate', '100000000', '--quiet', '--json', '--report-dir', reports];
    const env = { VOREL_API_KEY: api.apiKey };
    // How long a whole run takes at this size is not known in advance: interrupt a first run at a
    // guess, then resume; the resume reads the journal of every row the first run settled.
    const first = await cli(['import', file, ...args], env, { interruptAfterMs: Math.max(5000, rows / 100) });
    if (first.code !== 130) throw new Error(`the interrupted import exited ${first.code}: ${first.stderr}`);
    const runDir = path.join(reports, readdirSync(reports).filter((d) => !d.startsWith('.'))[0]);
    const r = await cli(['import', file, '--resume', runDir, ...args], env);
    await api.close();
    if (r.code !== 0) throw new Error(`the resume exited ${r.code}: ${r.stderr}`);
    const summary = JSON.parse(r.stdout);
    console.log(
      `  resume ${rows} rows: ${summary.carried_over} carried over, ${summary.totals.updated} updated in all, ${fmt(r.seconds, 1)} s`,
    );
    line(`resume of a ${rows}-row run peak RSS`, `${fmt(r.rssMb, 0)} MB`, '<= 150 MB', r.rssMb <= 150);
    rmSync(file, { force: true });
    rmSync(reports, { recursive: true, force: true });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
