/**
 * Faults of the machine during a long run, on the built CLI: a hang-up, a full or read-only disk,
 * a lost stderr or stdout, the input saved again. Each ends with the reports a person expects (or
 * a clear word why not), a documented exit code, and a resume that loses nothing.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../src/emulator/index.js';
import type { RunSummary } from '../src/report/summary.js';
import { BIN, cli, onlyRunDir, readResults, ROOT, tempDir } from './helpers/cli.js';
import { emulatorWith, testId } from './helpers/emulator.js';

const ROWS = 120;
const CONCURRENCY = 4;
let emulator: Emulator;
let work: string;
let file: string;

beforeEach(async () => {
  // Slow answers keep a run going long enough to be hit mid-way.
  emulator = await emulatorWith(ROWS, { faults: { latencyMs: 40 } });
  work = tempDir('vorel-long-');
  file = path.join(work, 'big.csv');
  writeFileSync(file, csvFor('After'));
});
afterEach(() => emulator.close());

function csvFor(prefix: string): string {
  const lines = ['id,customer_name,customer_language'];
  for (let i = 1; i <= ROWS; i++) lines.push(`${testId(i)},${prefix} ${i},fr`);
  return `${lines.join('\n')}\n`;
}

const importArgs = (reports: string, ...more: string[]): string[] => [
  'import',
  file,
  '--base-url',
  emulator.baseUrl,
  '--report-dir',
  reports,
  '--rate',
  '100000',
  '--concurrency',
  String(CONCURRENCY),
  ...more,
];

interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Spawns `command` (the built CLI unless told), and calls `when` once the emulator saw `after` PATCHes. */
function runUntil(
  argv: string[],
  after: number,
  when: (child: ChildProcess) => void,
  opts: { command?: string; detached?: boolean } = {},
): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const child = spawn(opts.command ?? process.execPath, opts.command ? argv : [BIN, ...argv], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, VOREL_API_KEY: emulator.apiKey },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: opts.detached ?? false,
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    let fired = false;
    const started = Date.now();
    const poll = setInterval(() => {
      if (fired) return;
      if (patches().length >= after || Date.now() - started > 20_000) {
        fired = true;
        clearInterval(poll);
        when(child);
      }
    }, 5);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const patches = () => emulator.requests.filter((q) => q.method === 'PATCH');

function patchesPerId(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of patches()) counts.set(r.path, (counts.get(r.path) ?? 0) + 1);
  return counts;
}

function expectServerHolds(prefix: string): void {
  for (let i = 1; i <= ROWS; i++) expect(emulator.get(testId(i))?.customer_name).toBe(`${prefix} ${i}`);
}

function journalRows(runDir: string): { line: number; kind: string }[] {
  const lines = readFileSync(path.join(runDir, 'journal.ndjson'), 'utf8').split('\n');
  const rows: { line: number; kind: string }[] = [];
  for (const text of lines) {
    if (text === '') continue;
    let record: { type: string; line: number; outcome: { kind: string } };
    try {
      record = JSON.parse(text);
    } catch {
      continue; // a line cut short by the fault: resume reads the journal without it
    }
    if (record.type === 'row') rows.push({ line: record.line, kind: record.outcome.kind });
  }
  return rows;
}

async function resumeFrom(runDir: string): Promise<{ code: number; summary: RunSummary; stderr: string }> {
  const reports = path.join(work, 'resumed');
  const r = await cli(['import', file, '--resume', runDir, '--report-dir', reports, '--rate', '100000'], {
    env: { VOREL_API_KEY: emulator.apiKey },
  });
  const dir = onlyRunDir(reports);
  return { code: r.code, summary: JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')), stderr: r.stderr };
}

const NO_STACK = /\n\s+at |node:internal|Assertion failed|Native stack/;

/** Mounting in a private mount namespace needs root (or CAP_SYS_ADMIN); elsewhere those tests are skipped. */
const canMount =
  process.platform === 'linux' &&
  spawnSync('unshare', ['-m', 'mount', '-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', tempDir('vorel-mount-probe-')], { stdio: 'ignore' })
    .status === 0;
if (!canMount)
  console.warn('skipping the full-disk and read-only-disk tests: mounting in a private namespace (unshare -m) is not permitted here');

describe('a hang-up (SIGHUP)', () => {
  it('drains like SIGTERM: exit 129, all reports, a consistent journal; the resume sends only what was not settled', async () => {
    const first = path.join(work, 'first');
    // Its own process group, as a job of a login shell is: the hang-up goes to the whole group.
    const run = await runUntil(importArgs(first), 30, (child) => process.kill(-child.pid!, 'SIGHUP'), { detached: true });
    expect(run.code, run.stderr).toBe(129);
    expect(run.stderr).toMatch(/hang-up \(SIGHUP/);
    expect(run.stderr).not.toMatch(NO_STACK);
    const runDir = onlyRunDir(first);
    for (const name of ['summary.json', 'results.csv', 'report.html', 'failed.csv'])
      expect(existsSync(path.join(runDir, name)), name).toBe(true);
    const summary = JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
    expect(summary.exit_code).toBe(129);
    expect(summary.stopped.reason).toBe('hangup');
    expect(summary.totals.updated + summary.totals.not_attempted).toBe(ROWS);
    expect(summary.totals.not_attempted).toBeGreaterThan(0);
    expect(run.stdout).toContain(`--resume ${runDir}`);

    // The journal says what the server saw: every row once, each updated row one PATCH.
    const journaled = journalRows(runDir);
    expect(journaled.map((r) => r.line).sort((a, b) => a - b)).toEqual(Array.from({ length: ROWS }, (_, i) => i + 2));
    const updated = journaled.filter((r) => r.kind === 'updated').length;
    expect(updated).toBe(summary.totals.updated);
    expect(patches()).toHaveLength(updated);

    const resumed = await resumeFrom(runDir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.summary.carried_over).toBe(updated);
    expect(patches()).toHaveLength(ROWS);
    expect([...patchesPerId().values()].every((n) => n === 1)).toBe(true);
    expectServerHolds('After');
  });

  it('a second SIGHUP (the shell forwards one, the kernel sends another) does not cut the drain short', async () => {
    const first = path.join(work, 'first');
    const run = await runUntil(importArgs(first), 20, (child) => {
      child.kill('SIGHUP');
      setTimeout(() => child.kill('SIGHUP'), 10);
    });
    expect(run.code, run.stderr).toBe(129);
    expect(existsSync(path.join(onlyRunDir(first), 'report.html'))).toBe(true);
  });
});

describe.skipIf(!canMount)('a full disk (a 256 KiB tmpfs as the report dir)', () => {
  it('stops sending at once, exits 3 naming the file, and after moving the folder the resume accounts for every row once', async () => {
    const rows = 2000; // the journal outgrows 256 KiB after about 1000 rows (results.csv is written in 256 KiB blocks)
    await emulator.close();
    emulator = await emulatorWith(rows, { faults: { latencyMs: 5 } });
    const lines = ['id,customer_name,customer_language'];
    for (let i = 1; i <= rows; i++) lines.push(`${testId(i)},Filled ${i},fr`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const tiny = path.join(work, 'tiny');
    const roomy = path.join(work, 'roomy');
    mkdirSync(tiny);
    mkdirSync(roomy);
    const cliArgs = importArgs(path.join(tiny, 'reports'))
      .map((a) => JSON.stringify(a))
      .join(' ');
    // The tmpfs lives only in the namespace: the run folder is copied out before it goes.
    const script = `mount -t tmpfs -o size=256k tmpfs ${tiny} && { ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ${cliArgs}; code=$?; cp -a ${tiny}/reports ${roomy}/; exit $code; }`;
    const run = await runUntil(['-m', 'sh', '-c', script], Number.POSITIVE_INFINITY, () => {}, { command: 'unshare' });
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/warning: the report dir's disk has \d+ kB free; this run of 2000 rows may need up to/);
    expect(run.stderr).toMatch(/cannot write \S+: ENOSPC \(no space left on the device\)/);
    expect(run.stderr).toContain(path.join(tiny, 'reports'));
    expect(run.stderr).not.toMatch(NO_STACK);
    expect(run.stdout).toMatch(/The run stopped sending at once: \d+ rows were settled, (\d+ of them|all of them) in the journal/);
    expect(run.stdout).toMatch(/Free some space, or move the run folder to a disk with room/);
    expect(run.stdout).toMatch(/Reports: not written/);
    expect(run.stdout).toMatch(/--resume \S+/);
    const sentBefore = patches().length;
    expect(sentBefore).toBeLessThan(rows);

    const runDir = onlyRunDir(path.join(roomy, 'reports'));
    const journaled = journalRows(runDir).filter((r) => r.kind === 'updated');
    // Sent but not journaled: at most the requests in flight when the disk filled.
    expect(sentBefore - journaled.length).toBeGreaterThanOrEqual(0);
    expect(sentBefore - journaled.length).toBeLessThanOrEqual(CONCURRENCY);

    const resumed = await resumeFrom(runDir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.summary.totals.updated).toBe(rows);
    expect(resumed.summary.carried_over).toBe(journaled.length);
    const perId = patchesPerId();
    expect(perId.size).toBe(rows);
    const twice = [...perId.values()].filter((n) => n === 2).length;
    expect(twice).toBe(sentBefore - journaled.length);
    expect([...perId.values()].every((n) => n <= 2)).toBe(true);
    for (let i = 1; i <= rows; i++) expect(emulator.get(testId(i))?.customer_name).toBe(`Filled ${i}`);
  });
});

describe.skipIf(!canMount)('a report dir made read-only mid-run (a read-only remount in the namespace)', () => {
  it('exits 3 naming the report it could not write, no stack trace; the resume sends nothing again', async () => {
    const reports = path.join(work, 'reports');
    mkdirSync(reports);
    // Writes through files already open go on (as after chmod): the reports at the end cannot be created.
    // A plain remount,ro is refused while the journal is open for writing (EBUSY); a read-only bind of the folder onto itself is not.
    const cliArgs = importArgs(reports)
      .map((a) => JSON.stringify(a))
      .join(' ');
    const script = `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ${cliArgs}`;
    let remounted = -1;
    const run = await runUntil(
      ['-m', 'sh', '-c', script],
      20,
      (child) => {
        const ns = ['-t', String(child.pid), '-m'];
        remounted =
          (spawnSync('nsenter', [...ns, 'mount', '--bind', reports, reports]).status ?? 1) +
          (spawnSync('nsenter', [...ns, 'mount', '-o', 'remount,bind,ro', reports]).status ?? 1);
      },
      { command: 'unshare' },
    );
    expect(remounted).toBe(0);
    expect(run.code, run.stderr).toBe(3);
    const runDir = onlyRunDir(reports);
    expect(run.stderr).toContain(`cannot write ${path.join(runDir, 'results.csv')}: EROFS (the file system is read-only)`);
    expect(run.stderr).toMatch(/summary\.json could not be written either/);
    expect(run.stdout).toMatch(
      /It happened after the last request: 120 rows were settled, all of them in the journal\. Make the folder writable again/,
    );
    expect(run.stderr).toContain(`--resume ${runDir}`);
    expect(run.stderr).not.toMatch(NO_STACK);
    // No half report and no temp file is left; the journal has every row.
    expect(readdirSync(runDir).filter((n) => n.endsWith('.tmp') || !n.startsWith('.'))).toEqual(['journal.ndjson']);
    expect(journalRows(runDir).filter((r) => r.kind === 'updated')).toHaveLength(ROWS);

    const resumed = await resumeFrom(runDir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.summary.carried_over).toBe(ROWS);
    expect(patches()).toHaveLength(ROWS);
  });
});

describe('the run folder moved away mid-run', () => {
  it('is noticed within a second: exit 3 naming the journal; the rows in flight still reach it; resumed from its new place, no row is sent twice', async () => {
    // The folder is checked once a second: the run must outlast a few checks.
    emulator.setFaults({ latencyMs: 150 });
    const reports = path.join(work, 'reports');
    const moved = path.join(work, 'moved');
    const run = await runUntil(importArgs(reports), 20, () => {
      const [name] = readdirSync(reports).filter((n) => !n.startsWith('.'));
      renameSync(path.join(reports, name!), moved);
    });
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/cannot write \S+journal\.ndjson: ENOENT \(removed or moved while in use\): stopping/);
    expect(run.stderr).not.toMatch(NO_STACK);
    expect(run.stdout).toMatch(/rows were settled, all of them in the journal\. If the run folder was moved, resume it from its new place/);
    const sent = patches().length;
    expect(sent).toBeLessThan(ROWS);
    expect(journalRows(moved).filter((r) => r.kind === 'updated')).toHaveLength(sent);

    const resumed = await resumeFrom(moved);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.summary.carried_over).toBe(sent);
    expect([...patchesPerId().values()].every((n) => n === 1)).toBe(true);
    expect(patchesPerId().size).toBe(ROWS);
    expectServerHolds('After');
  });
});

describe('a lost stderr or stdout', () => {
  it('stderr whose reader went away mid-run: the run completes, exit code unchanged, reports written', async () => {
    const reports = path.join(work, 'reports');
    // --verbose writes a line per request, so writes keep hitting the closed pipe.
    const run = await runUntil(importArgs(reports, '--verbose'), 20, (child) => child.stderr?.destroy());
    expect(run.code).toBe(0);
    expect(run.signal).toBeNull();
    const runDir = onlyRunDir(reports);
    expect(readResults(runDir).filter((r) => r.outcome === 'updated')).toHaveLength(ROWS);
    expect(existsSync(path.join(runDir, 'report.html'))).toBe(true);
    expect(run.stdout).toMatch(/updated\s+120/);
    expectServerHolds('After');
  });

  it('stdout closed before the summary is printed (`| head`): exit code unchanged, reports written', async () => {
    const reports = path.join(work, 'reports');
    const run = await runUntil(importArgs(reports, '--quiet'), 0, (child) => child.stdout?.destroy());
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(NO_STACK);
    expect(JSON.parse(readFileSync(path.join(onlyRunDir(reports), 'summary.json'), 'utf8')).totals.updated).toBe(ROWS);
  });
});

describe('the input file saved again mid-run', () => {
  it('stops sending once it is seen, says so, exits 3; no row is matched to a line of the new version', async () => {
    const reports = path.join(work, 'reports');
    // Same size: only the modification time tells.
    const run = await runUntil(importArgs(reports), 30, () => writeFileSync(file, csvFor('Later')));
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(
      /big\.csv changed while the run was reading it \((it was written to|its size went from \d+ to \d+ bytes)\): no further row is sent/,
    );
    const runDir = onlyRunDir(reports);
    const summary = JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
    expect(summary.stopped.reason).toBe('aborted');
    expect(summary.totals.not_attempted).toBeGreaterThan(0);
    // Only the requests in flight when the file changed were still answered.
    expect(patches().length).toBeLessThanOrEqual(30 + 2 * CONCURRENCY);
    expect(summary.totals.updated).toBe(patches().length);
    // Every value sent is the original file's; failed.csv cannot be copied from the new version.
    for (const q of patches()) {
      const id = q.path.split('/').pop()!;
      expect(emulator.get(id)?.customer_name).toMatch(/^After \d+$/);
    }
    expect(existsSync(path.join(runDir, 'failed.csv'))).toBe(false);
    expect(summary.retry_command).toBeNull();
  });
});

describe('export under the same faults', () => {
  async function exportUntil(after: number, when: (child: ChildProcess, dir: string) => void): Promise<Exited & { dir: string }> {
    await emulator.close();
    emulator = await emulatorWith(3000, { faults: { latencyMs: 40 } });
    const dir = tempDir('vorel-export-');
    const argv = ['export', path.join(dir, 'all.csv'), '--base-url', emulator.baseUrl, '--rate', '100000'];
    const started = Date.now();
    const run = await new Promise<Exited>((resolve) => {
      const child = spawn(process.execPath, [BIN, ...argv], { env: { PATH: process.env.PATH, VOREL_API_KEY: emulator.apiKey } });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const poll = setInterval(() => {
        if (emulator.requests.length >= after || Date.now() - started > 20_000) {
          clearInterval(poll);
          when(child, dir);
        }
      }, 5);
      child.on('close', (code, signal) => {
        clearInterval(poll);
        resolve({ code, signal, stdout: '', stderr });
      });
    });
    return { ...run, dir };
  }

  it('its temp file removed mid-export: exit 3, a clear message, no file left', async () => {
    const run = await exportUntil(3, (_child, dir) => {
      for (const name of readdirSync(dir)) rmSync(path.join(dir, name));
    });
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/cannot write \S+all\.csv: ENOENT \(removed or moved while in use\): \S+all\.csv was not written/);
    expect(run.stderr).not.toMatch(NO_STACK);
    expect(readdirSync(run.dir)).toEqual([]);
    expect(emulator.requests.length).toBeLessThan(30);
  });

  it('SIGHUP: exit 129, no file, no temp file', async () => {
    const run = await exportUntil(3, (child) => child.kill('SIGHUP'));
    expect(run.code, run.stderr).toBe(129);
    expect(run.stderr).toMatch(/hang-up/);
    expect(readdirSync(run.dir)).toEqual([]);
  });
});
