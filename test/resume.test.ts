import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../src/emulator/index.js';
import { importCsv } from '../src/index.js';
import { BIN, cli, onlyRunDir, readResults, ROOT, tempDir } from './helpers/cli.js';
import { emulatorWith, testId } from './helpers/emulator.js';

const ROWS = 120;
let emulator: Emulator;
let work: string;
let file: string;

beforeEach(async () => {
  emulator = await emulatorWith(ROWS, { faults: { latencyMs: 40 } });
  work = tempDir();
  file = path.join(work, 'big.csv');
  const lines = ['id,customer_name,customer_language'];
  for (let i = 1; i <= ROWS; i++) lines.push(`${testId(i)},After ${i},fr`);
  writeFileSync(file, `${lines.join('\n')}\n`);
});
afterEach(() => emulator.close());

/** Spawns the built CLI, sends `signal` once `rowsBeforeSignal` PATCHes have reached the emulator. */
function runUntilSignal(
  args: string[],
  signal: NodeJS.Signals,
  rowsBeforeSignal: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, VOREL_API_KEY: emulator.apiKey },
      stdio: 'pipe',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const started = Date.now();
    const poll = setInterval(() => {
      if (emulator.requests.length >= rowsBeforeSignal || Date.now() - started > 20_000) {
        clearInterval(poll);
        child.kill(signal);
      }
    }, 10);
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearInterval(poll);
      resolve({ code, signal: sig, stdout, stderr });
    });
  });
}

const common = (reports: string) => ['--base-url', emulator.baseUrl, '--report-dir', reports, '--rate', '100000', '--concurrency', '4'];

function patchesPerId(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of emulator.requests) if (r.method === 'PATCH') counts.set(r.path, (counts.get(r.path) ?? 0) + 1);
  return counts;
}

function expectStateEqualsCsv(): void {
  for (let i = 1; i <= ROWS; i++) expect(emulator.get(testId(i))).toMatchObject({ customer_name: `After ${i}`, customer_language: 'fr' });
}

const resultRows = readResults;

describe('interrupt and resume', () => {
  it('on SIGINT finishes requests in flight, writes reports, prints the resume command and exits 130; the resume completes the file', async () => {
    const first = path.join(work, 'first');
    const interrupted = await runUntilSignal(['import', file, ...common(first)], 'SIGINT', 30);
    expect(interrupted.code).toBe(130);
    const runDir = onlyRunDir(first);
    const summary = JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
    expect(summary.stopped.reason).toBe('interrupted');
    expect(summary.totals.not_attempted).toBeGreaterThan(0);
    expect(summary.totals.updated + summary.totals.not_attempted).toBe(ROWS);
    expect(interrupted.stdout).toContain(`--resume ${runDir}`);
    expect(resultRows(runDir)).toHaveLength(ROWS);

    const second = path.join(work, 'second');
    const resumed = await cli(['import', file, '--resume', runDir, '--report-dir', second, '--rate', '100000'], {
      env: { VOREL_API_KEY: emulator.apiKey },
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    const resumedDir = onlyRunDir(second);
    const final = JSON.parse(readFileSync(path.join(resumedDir, 'summary.json'), 'utf8'));
    expect(final.resumed_from).toBe(summary.run_id);
    expect(final.carried_over).toBe(summary.totals.updated);
    expect(final.totals.updated).toBe(ROWS);
    expect(resultRows(resumedDir).map((r) => Number(r.line))).toEqual(Array.from({ length: ROWS }, (_, i) => i + 2));
    // A graceful stop lets every started request finish, so nothing is sent twice.
    expect([...patchesPerId().values()].every((n) => n === 1)).toBe(true);
    expectStateEqualsCsv();
  });

  it('after SIGKILL loses no row: the resume sends only what never settled (at most the rows in flight twice)', async () => {
    const first = path.join(work, 'first');
    const killed = await runUntilSignal(['import', file, ...common(first)], 'SIGKILL', 40);
    expect(killed.signal).toBe('SIGKILL');
    const runDir = onlyRunDir(first);
    // Simulate a torn last write as well.
    appendFileSync(path.join(runDir, 'journal.ndjson'), '{"type":"row","line":9');
    const second = path.join(work, 'second');
    const resumed = await cli(['import', file, '--resume', runDir, '--report-dir', second, '--rate', '100000'], {
      env: { VOREL_API_KEY: emulator.apiKey },
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/skipped 1 unreadable journal line/);
    const twice = [...patchesPerId().values()].filter((n) => n > 1).length;
    expect(twice).toBeLessThanOrEqual(4);
    expect([...patchesPerId().values()].every((n) => n <= 2)).toBe(true);
    expect(patchesPerId().size).toBe(ROWS);
    const final = JSON.parse(readFileSync(path.join(onlyRunDir(second), 'summary.json'), 'utf8'));
    expect(final.totals.updated).toBe(ROWS);
    expectStateEqualsCsv();
  });

  it('resuming a resume killed part-way never re-sends a row the first run updated, and reports every row', async () => {
    // Run A: the first rows fail on the server (sent again later), then it is interrupted.
    const failing = Array.from({ length: 12 }, (_, i) => testId(i + 1));
    emulator.setFaults({ failingIds: failing });
    const first = path.join(work, 'first');
    const a = await runUntilSignal(['import', file, ...common(first), '--retries', '0', '--max-errors', '0'], 'SIGINT', 60);
    expect(a.code, a.stderr).toBe(130);
    const runA = onlyRunDir(first);
    const updatedByA = resultRows(runA)
      .filter((r) => r.outcome === 'updated')
      .map((r) => r.id);
    expect(updatedByA.length).toBeGreaterThan(20);
    // Run B resumes A, one request at a time, and is killed while it re-sends A's failed rows:
    // it has not yet walked as far as the rows A updated.
    emulator.setFaults({ failingIds: [], latencyMs: 100 });
    const second = path.join(work, 'second');
    const b = await runUntilSignal(
      ['import', file, '--resume', runA, '--base-url', emulator.baseUrl, '--report-dir', second, '--rate', '100000', '--concurrency', '1'],
      'SIGKILL',
      emulator.requests.length + 4,
    );
    expect(b.signal).toBe('SIGKILL');
    const runB = onlyRunDir(second);
    // Its reports, from its journal: what a run stopped there would have written, A's updates carried over.
    const reportB = await cli(['report', runB]);
    expect(reportB.code, reportB.stderr).toBe(130);
    const rowsB = resultRows(runB);
    expect(rowsB).toHaveLength(ROWS);
    const outcomeB = new Map(rowsB.map((r) => [r.id, r.outcome]));
    for (const id of updatedByA) expect(outcomeB.get(id)).toBe('updated');

    emulator.setFaults({ latencyMs: 0 });
    const sentBefore = emulator.requests.length;
    const third = path.join(work, 'third');
    const c = await cli(['import', file, '--resume', runB, '--report-dir', third, '--rate', '100000'], {
      env: { VOREL_API_KEY: emulator.apiKey },
    });
    expect(c.code, c.stderr).toBe(0);
    const sentByC = new Set(emulator.requests.slice(sentBefore).map((q) => q.path));
    for (const id of updatedByA) expect(sentByC.has(`/api/v1/conversations/${id}`), id).toBe(false);
    const runC = onlyRunDir(third);
    const final = JSON.parse(readFileSync(path.join(runC, 'summary.json'), 'utf8'));
    expect(final.totals.updated).toBe(ROWS);
    expect(final.carried_over).toBeGreaterThanOrEqual(updatedByA.length);
    expect(resultRows(runC).map((r) => Number(r.line))).toEqual(Array.from({ length: ROWS }, (_, i) => i + 2));
    expectStateEqualsCsv();
  });

  it('refuses to resume a run a later run already resumed, naming that run, before any request', async () => {
    const first = path.join(work, 'first');
    const interrupted = await runUntilSignal(['import', file, ...common(first)], 'SIGINT', 30);
    expect(interrupted.code).toBe(130);
    const runDir = onlyRunDir(first);
    const reportsOf = (dir: string): Map<string, string> =>
      new Map(
        readdirSync(dir)
          .filter((name) => name !== 'journal.ndjson')
          .map((name) => [name, readFileSync(path.join(dir, name), 'utf8')]),
      );
    const before = reportsOf(runDir);
    const env = { VOREL_API_KEY: emulator.apiKey };
    const second = path.join(work, 'second');
    const resumed = await cli(['import', file, '--resume', runDir, '--report-dir', second, '--rate', '100000'], { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    const resumedDir = onlyRunDir(second);

    const sent = emulator.requests.length;
    const again = await cli(['import', file, '--resume', runDir, '--report-dir', path.join(work, 'third'), '--rate', '100000'], { env });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${runDir} was already resumed by`);
    expect(again.stderr).toContain(path.basename(resumedDir));
    expect(again.stderr).toMatch(/to go on, resume /);
    const library = await importCsv({ file, resume: runDir, apiKey: emulator.apiKey, reportDir: path.join(work, 'fourth') }).catch(
      (e: unknown) => e,
    );
    expect(library).toMatchObject({ code: 'already_resumed', exitCode: 2 });
    expect(emulator.requests).toHaveLength(sent);
    expect([...patchesPerId().values()].every((n) => n === 1)).toBe(true);

    // The mark in its journal leaves the original run's reports as they were.
    const report = await cli(['report', runDir]);
    expect(report.code, report.stderr).toBe(130);
    expect(reportsOf(runDir)).toEqual(before);
  });

  it('resumes a run again when the folder of the run that resumed it is gone', async () => {
    const first = path.join(work, 'first');
    await runUntilSignal(['import', file, ...common(first)], 'SIGINT', 30);
    const runDir = onlyRunDir(first);
    const env = { VOREL_API_KEY: emulator.apiKey };
    const second = path.join(work, 'second');
    const resumed = await cli(['import', file, '--resume', runDir, '--report-dir', second, '--rate', '100000'], { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    rmSync(onlyRunDir(second), { recursive: true });
    const again = await cli(['import', file, '--resume', runDir, '--report-dir', path.join(work, 'third'), '--rate', '100000'], { env });
    expect(again.code, again.stderr).toBe(0);
  });

  it('refuses to resume with a modified file or a conflicting option, before any request', async () => {
    const first = path.join(work, 'first');
    await runUntilSignal(['import', file, ...common(first)], 'SIGINT', 10);
    const runDir = onlyRunDir(first);
    emulator.resetStats();
    const changed = path.join(work, 'changed.csv');
    writeFileSync(changed, readFileSync(file, 'utf8').replace('After 7,', 'After seven,'));
    const env = { VOREL_API_KEY: emulator.apiKey };
    const a = await cli(['import', changed, '--resume', runDir, '--report-dir', path.join(work, 'x')], { env });
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/SHA-256 differs/);
    const b = await cli(['import', file, '--resume', runDir, '--empty', 'keep', '--report-dir', path.join(work, 'y')], { env });
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--empty/);
    const c = await cli(['import', file, '--resume', path.join(work, 'nowhere'), '--report-dir', path.join(work, 'z')], { env });
    expect(c.code).toBe(2);
    expect(emulator.requests).toHaveLength(0);
  });

  it('does not re-send a failed row that a later row with the same id updated', async () => {
    const dupFile = path.join(work, 'dup.csv');
    const content = `id,customer_name\n${testId(1)},Old\n${testId(2)},Two\n${testId(1)},New\n`;
    writeFileSync(dupFile, content);
    // A journal as an interrupted run leaves it: line 2 failed, line 4 (same id) updated and superseding it, line 3 never settled.
    const runDir = path.join(work, 'old-run');
    mkdirSync(runDir);
    const sha256 = createHash('sha256').update(content).digest('hex');
    const journal = [
      {
        type: 'run',
        version: 1,
        run_id: 'old-run',
        mode: 'import',
        input: { path: dupFile, sha256, encoding: 'utf-8', delimiter: ',' },
        options: { empty: 'null', map: [], match_by: 'id', base_url: emulator.baseUrl },
      },
      {
        type: 'row',
        line: 2,
        end_line: 2,
        id: testId(1),
        outcome: { kind: 'failed', code: 'server_error', message: '500', httpStatus: 500, attempts: 6 },
        patch: { customer_name: 'Old' },
        before: null,
      },
      {
        type: 'row',
        line: 4,
        end_line: 4,
        id: testId(1),
        outcome: { kind: 'updated', httpStatus: 200, attempts: 1 },
        patch: { customer_name: 'New' },
        before: null,
        // The run journals which earlier lines of its id a row superseded.
        supersedes: [2],
      },
    ];
    writeFileSync(path.join(runDir, 'journal.ndjson'), `${journal.map((j) => JSON.stringify(j)).join('\n')}\n`);
    const second = path.join(work, 'second');
    const r = await cli(['import', dupFile, '--resume', runDir, '--report-dir', second, '--rate', '100000'], {
      env: { VOREL_API_KEY: emulator.apiKey },
    });
    expect(r.code, r.stderr).toBe(1);
    expect(emulator.requests.map((q) => q.path)).toEqual([`/api/v1/conversations/${testId(2)}`]);
    const rows = resultRows(onlyRunDir(second));
    expect(rows.map((x) => [x.line, x.outcome, x.error_code])).toEqual([
      ['2', 'failed', 'superseded'],
      ['3', 'updated', ''],
      ['4', 'updated', ''],
    ]);
    expect(readFileSync(path.join(onlyRunDir(second), 'failed.csv'), 'utf8')).toBe('id,customer_name\n');
  });

  it('keeps the journaled before-values of a row whose PATCH landed just before a crash (only-changed)', async () => {
    const csv = `id,customer_name,customer_language\n${testId(1)},Written,fr\n${testId(2)},Also,fr\n`;
    const csvPath = path.join(work, 'oc.csv');
    writeFileSync(csvPath, csv);
    // The crashed run journaled line 2's before-values, sent its PATCH (it landed), and died before settling it.
    emulator.insert([{ ...emulator.get(testId(1))!, customer_name: 'Written', customer_language: 'fr' }]);
    const runDir = path.join(work, 'crashed');
    mkdirSync(runDir);
    const sha256 = createHash('sha256').update(csv).digest('hex');
    writeFileSync(
      path.join(runDir, 'journal.ndjson'),
      `${[
        {
          type: 'run',
          version: 1,
          run_id: 'crashed',
          mode: 'only-changed',
          input: { path: csvPath, sha256, encoding: 'utf-8', delimiter: ',' },
          options: { empty: 'null', map: [], match_by: 'id', base_url: emulator.baseUrl },
        },
        { type: 'before', line: 2, id: testId(1), before: { customer_name: 'Before 1', customer_language: 'en' } },
      ]
        .map((j) => JSON.stringify(j))
        .join('\n')}\n`,
    );
    const second = path.join(work, 'second');
    const r = await cli(['import', csvPath, '--resume', runDir, '--report-dir', second, '--rate', '100000'], {
      env: { VOREL_API_KEY: emulator.apiKey },
    });
    expect(r.code, r.stderr).toBe(0);
    const resumedDir = onlyRunDir(second);
    expect(resultRows(resumedDir).map((x) => x.outcome)).toEqual(['updated', 'updated']);
    expect(readFileSync(path.join(resumedDir, 'rollback.csv'), 'utf8')).toBe(
      `id,customer_name,customer_language\r\n${testId(1)},Before 1,en\r\n${testId(2)},Before 2,en\r\n`,
    );
    // Line 2 was not sent again: its values already matched.
    expect(emulator.requests.filter((q) => q.method === 'PATCH').map((q) => q.path)).toEqual([`/api/v1/conversations/${testId(2)}`]);
  });
});
