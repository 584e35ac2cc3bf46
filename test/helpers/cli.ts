import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { runCli } from '../../src/cli/main.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const BIN = path.join(ROOT, 'dist/cli/bin.js');
/** Files a spreadsheet program really wrote, with the rows they must read as (expected.json). */
export const REAL_EXPORTS = path.join(ROOT, 'fixtures/real-exports');

/** A stream that keeps what is written to it; `isTTY` says whether the CLI should take it for a terminal. */
export class Collect extends Writable {
  text = '';
  constructor(readonly isTTY = false) {
    super();
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  env?: Record<string, string | undefined>;
  stdin?: string | Buffer;
  signal?: AbortSignal;
}

/** Runs the CLI in-process with captured streams (no process.exit). */
export async function cli(args: string[], opts: CliRunOptions = {}): Promise<CliRun> {
  const stdout = new Collect();
  const stderr = new Collect();
  const code = await runCli(args, {
    stdin: Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]),
    stdout,
    stderr,
    env: { PATH: process.env.PATH, ...opts.env },
    signal: opts.signal ?? new AbortController().signal,
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Runs the built CLI (dist/cli/bin.js) as a child process. */
export function spawnCli(args: string[], opts: CliRunOptions & { cwd?: string; wrap?: string[] } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const command = opts.wrap ? opts.wrap[0]! : process.execPath;
    const argv = opts.wrap ? [...opts.wrap.slice(1), process.execPath, BIN, ...args] : [BIN, ...args];
    const child = spawn(command, argv, { cwd: opts.cwd ?? ROOT, env: { PATH: process.env.PATH, ...opts.env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}

export function tempDir(prefix = 'vorel-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** The single run folder a test's report dir holds. */
export function onlyRunDir(reportDir: string): string {
  const runs = readdirSync(reportDir).filter((n) => !n.startsWith('.'));
  if (runs.length !== 1) throw new Error(`expected one run in ${reportDir}, found ${runs.length}`);
  return path.join(reportDir, runs[0]!);
}

// biome-ignore lint/suspicious/noExplicitAny: summary.json is read back as plain JSON and checked against the contract's names
export function readRun(runDir: string): { summary: Record<string, any>; results: string; failed: Buffer } {
  return {
    summary: JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8')),
    results: readFileSync(path.join(runDir, 'results.csv'), 'utf8'),
    failed: readFileSync(path.join(runDir, 'failed.csv')),
  };
}

/** results.csv as one record per row, keyed by column name. */
export function readResults(runDir: string): Record<string, string>[] {
  return parse(readFileSync(path.join(runDir, 'results.csv')), { columns: true }) as Record<string, string>[];
}

/** Writes `content` to `dir/name` and returns the path. */
export function writeCsv(dir: string, name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}
