// Shared by the benchmarks: a CSV of N rows against an emulator in a child process, the built CLI
// run in-process, the emulator's request log, and a little arithmetic.
// Needs `npm run build` first (imports from dist/).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable, Readable } from 'node:stream';
import { fork, spawnSync } from 'node:child_process';
import { idFor } from './ids.mjs';

const dist = path.resolve(import.meta.dirname, '../dist');
const { runCli } = await import(path.join(dist, 'cli/main.js'));

export { idFor };

/** A CSV updating ids 1..rows, in a fresh temp folder. */
function csvFor(rows) {
  const dir = mkdtempSync(path.join(tmpdir(), 'vorel-bench-'));
  const file = path.join(dir, 'rows.csv');
  const lines = ['id,customer_name,customer_language'];
  for (let i = 1; i <= rows; i++) lines.push(`${idFor(i)},After ${i},fr`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { dir, file, reportDir: path.join(dir, 'reports') };
}

/**
 * An emulator holding ids 1..rows, in a child process (the real API is not on the client's event
 * loop either: in one process the server's work would delay the client's next start), and a CSV
 * updating each of them. Returns { baseUrl, apiKey, file, reportDir, stats(), cleanup() };
 * stats() resolves to the emulator's { requests, peakInFlight }.
 */
export async function setup(rows, emulatorOptions) {
  const { dir, file, reportDir } = csvFor(rows);
  const child = fork(path.join(import.meta.dirname, 'emulator-child.mjs'), { stdio: 'inherit' });
  const reply = () => new Promise((resolve) => child.once('message', resolve));
  child.send({ rows, options: emulatorOptions });
  const { baseUrl, apiKey } = await reply();
  return {
    baseUrl,
    apiKey,
    file,
    reportDir,
    async stats() {
      child.send('stats');
      return reply();
    },
    async cleanup() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('close');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

class Collect extends Writable {
  text = '';
  _write(chunk, _enc, done) {
    this.text += chunk.toString();
    done();
  }
}

/** Runs `vorel-sync import` in-process; resolves to { code, summary, seconds, stderr }. */
export async function runImport(setupResult, args) {
  const stdout = new Collect();
  const stderr = new Collect();
  const started = process.hrtime.bigint();
  const code = await runCli(
    ['import', setupResult.file, '--base-url', setupResult.baseUrl, '--report-dir', setupResult.reportDir, '--json', '--quiet', ...args],
    {
      stdin: Readable.from([]),
      stdout,
      stderr,
      env: { VOREL_API_KEY: setupResult.apiKey },
      signal: new AbortController().signal,
    },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`import exited ${code}: ${stderr.text}`);
  return { code, summary: JSON.parse(stdout.text), seconds, stderr: stderr.text };
}

/**
 * `import <file> --dry-run` of the whole CLI in a child process; returns { summary, seconds,
 * rssMb }. The child reports its own peak RSS from /proc (VmHWM): not `resourceUsage().maxRSS`,
 * which a child inherits from this process (big after writing a large input) and keeps across exec.
 */
export function dryRunProcess(file, reportDir) {
  const started = process.hrtime.bigint();
  const child = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `
      const { runCli } = await import(${JSON.stringify(path.join(dist, 'cli/main.js'))});
      const code = await runCli(['import', ${JSON.stringify(file)}, '--dry-run', '--quiet', '--json', '--report-dir', ${JSON.stringify(reportDir)}],
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
  return { summary: JSON.parse(child.stdout), seconds, rssMb: Number(/MAXRSS_KB=(\d+)/.exec(child.stderr)?.[1] ?? 0) / 1024 };
}

export const fmt = (x, digits = 3) => x.toFixed(digits);
export const verdict = (ok) => (ok ? 'PASS' : 'FAIL');
