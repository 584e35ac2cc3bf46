// Disk a run folder needs, scaled to a million rows: the one figure README.md and docs/long-runs.md
// give. Imports N rows (names of 20 characters, a language each; the first id again on the last
// row, so settled rows wait on disk for it, the worst case) with the built CLI in a child process,
// against the emulator in another at an unlimited rate, samples the run folder's size from this
// process while it runs, and measures what is kept after the run.
// Usage: npm run build && node bench/disk.mjs [rows=50000]
import { spawn } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fmt, idFor, setup, verdict } from './lib.mjs';

const bin = path.resolve(import.meta.dirname, '../dist/cli/bin.js');

const rows = Number(process.argv[2] ?? 50_000);
const perMillion = (bytes) => (bytes * (1_000_000 / rows)) / 1e6;
// The docs' figures, per million rows: a run folder that outgrows them makes the docs wrong.
const TARGETS = { import: { peak: 600, kept: 350 }, 'only-changed': { peak: 900, kept: 600 } };

function folderBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    try {
      total += statSync(path.join(entry.parentPath, entry.name)).size;
    } catch {
      // A temp file renamed or removed between the listing and the stat.
    }
  }
  return total;
}

for (const mode of ['import', 'only-changed']) {
  const s = await setup(rows, { rateLimit: null });
  try {
    const lines = ['id,customer_name,customer_language'];
    for (let i = 1; i <= rows; i++) lines.push(`${idFor(i)},Customer Name ${String(i).padStart(6, '0')},pt-BR`);
    lines.push(`${idFor(1)},Customer Name again,pt-BR`);
    writeFileSync(s.file, `${lines.join('\n')}\n`);
    let peak = 0;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, folderBytes(s.reportDir));
      } catch {
        // The report dir does not exist yet.
      }
    }, 50);
    const args = [
      'import',
      s.file,
      '--base-url',
      s.baseUrl,
      '--report-dir',
      s.reportDir,
      '--quiet',
      '--concurrency',
      '32',
      '--rate',
      '1000000',
    ];
    if (mode === 'only-changed') args.push('--only-changed');
    const started = Date.now();
    const code = await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [bin, ...args], { stdio: 'ignore', env: { ...process.env, VOREL_API_KEY: s.apiKey } });
      child.on('error', reject);
      child.on('close', resolve);
    }).finally(() => clearInterval(sampler));
    if (code !== 0) throw new Error(`${mode} exited ${code}`);
    const r = { seconds: (Date.now() - started) / 1000 };
    const kept = folderBytes(s.reportDir);
    peak = Math.max(peak, kept);
    const t = TARGETS[mode];
    console.log(`${mode}, ${rows} rows in ${fmt(r.seconds, 0)} s, per million rows:`);
    console.log(`  peak ${fmt(perMillion(peak), 0)} MB (target <= ${t.peak}) ${verdict(perMillion(peak) <= t.peak)}`);
    console.log(`  kept ${fmt(perMillion(kept), 0)} MB (target <= ${t.kept}) ${verdict(perMillion(kept) <= t.kept)}`);
  } finally {
    await s.cleanup();
  }
}
