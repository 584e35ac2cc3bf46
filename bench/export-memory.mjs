// Export throughput and memory of the export process at several tenant sizes. One page is held at a
// time, so what the export keeps (heap after a full GC) is flat; peak RSS creeps up a little with
// size only because V8 lets garbage pile up before collecting when memory is plentiful. The last
// run repeats the largest size with the old space capped at 32 MB: it completes, so the live set
// is bounded whatever the tenant size (slower: V8 then collects far more often; --trace-gc shows the
// live heap holding at ~14 MB from the first page to the last).
// Usage: npm run build && node bench/export-memory.mjs [sizes=10000,50000]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmulator } from '../dist/emulator/index.js';

const sizes = (process.argv[2] ?? '10000,50000').split(',').map(Number);
const main = path.resolve('dist/cli/main.js');
const dir = mkdtempSync(path.join(tmpdir(), 'vorel-export-bench-'));

/** Runs the export in a child (the emulator and its data stay in this process) and reads its own peak RSS. */
function exportIn(child, baseUrl, apiKey, file, nodeFlags = []) {
  return new Promise((resolve, reject) => {
    const script = `
      const { runCli } = await import(${JSON.stringify(main)});
      const code = await runCli(['export', ${JSON.stringify(file)}, '--base-url', ${JSON.stringify(baseUrl)}, '--rate', '1000000', '--quiet', '--json'],
        { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: { VOREL_API_KEY: ${JSON.stringify(apiKey)} }, signal: new AbortController().signal });
      globalThis.gc();
      process.stderr.write('MAXRSS_KB=' + process.resourceUsage().maxRSS + ' HEAP_AFTER_GC=' + process.memoryUsage().heapUsed + '\\n');
      process.exit(code);`;
    const p = spawn(process.execPath, ['--expose-gc', ...nodeFlags, '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code) =>
      code === 0
        ? resolve({
            summary: JSON.parse(out),
            rssKb: Number(/MAXRSS_KB=(\d+)/.exec(err)?.[1] ?? 0),
            heap: Number(/HEAP_AFTER_GC=(\d+)/.exec(err)?.[1] ?? 0),
          })
        : reject(new Error(`${child}: exit ${code}: ${err}`)),
    );
  });
}

console.log('rows      rows/s   seconds  pages  file MB  peak RSS  heap after GC  (export process)');
const runs = [...sizes.map((count) => ({ count, flags: [] })), { count: Math.max(...sizes), flags: ['--max-old-space-size=32'] }];
for (const { count, flags } of runs) {
  const emulator = await startEmulator({ count, seed: 7, rateLimit: null });
  const file = path.join(dir, `export-${count}.csv`);
  const started = process.hrtime.bigint();
  const { summary, rssKb, heap } = await exportIn(`export ${count}`, emulator.baseUrl, emulator.apiKey, file, flags);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await emulator.close();
  if (summary.written !== count) throw new Error(`expected ${count} rows, got ${summary.written}`);
  console.log(
    `${String(count).padEnd(9)} ${String(Math.round(count / seconds)).padStart(6)}  ${seconds.toFixed(2).padStart(7)}  ${String(summary.pages).padStart(5)}  ${(statSync(file).size / 1e6).toFixed(1).padStart(7)}  ${(rssKb / 1024).toFixed(0).padStart(5)} MB  ${(heap / 1e6).toFixed(0).padStart(10)} MB${flags.length ? `  (${flags.join(' ')})` : ''}`,
  );
}
rmSync(dir, { recursive: true, force: true });
