// Shared by the benchmarks: a CSV of N rows against an in-process emulator, the built CLI run
// in-process (so the emulator's request log is readable), and a little arithmetic.
// Needs `npm run build` first (imports from dist/).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable, Readable } from 'node:stream';

const dist = path.resolve(import.meta.dirname, '../dist');
const { runCli } = await import(path.join(dist, 'cli/main.js'));
const { startEmulator, makeConversation } = await import(path.join(dist, 'emulator/index.js'));

export const idFor = (n) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** An emulator holding ids 1..rows, and a CSV updating each of them, in a temp folder. */
export async function setup(rows, emulatorOptions) {
  const conversations = Array.from({ length: rows }, (_, i) =>
    makeConversation({ id: idFor(i + 1), customer_name: `Before ${i + 1}`, customer_language: 'en' }),
  );
  const emulator = await startEmulator({ count: 0, conversations, ...emulatorOptions });
  const dir = mkdtempSync(path.join(tmpdir(), 'vorel-bench-'));
  const file = path.join(dir, 'rows.csv');
  const lines = ['id,customer_name,customer_language'];
  for (let i = 1; i <= rows; i++) lines.push(`${idFor(i)},After ${i},fr`);
  writeFileSync(file, lines.join('\n') + '\n');
  return {
    emulator,
    file,
    reportDir: path.join(dir, 'reports'),
    async cleanup() {
      await emulator.close();
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
    ['import', setupResult.file, '--base-url', setupResult.emulator.baseUrl, '--report-dir', setupResult.reportDir, '--json', '--quiet', ...args],
    {
      stdin: Readable.from([]),
      stdout,
      stderr,
      env: { VOREL_API_KEY: setupResult.emulator.apiKey },
      signal: new AbortController().signal,
    },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`import exited ${code}: ${stderr.text}`);
  return { code, summary: JSON.parse(stdout.text), seconds, stderr: stderr.text };
}

export const fmt = (x, digits = 3) => x.toFixed(digits);
export const verdict = (ok) => (ok ? 'ok' : 'MISSED');
