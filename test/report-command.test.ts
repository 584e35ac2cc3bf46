import { spawn, spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../src/emulator/index.js';
import { importCsv, reportRun } from '../src/index.js';
import { BIN, cli, onlyRunDir, readResults, ROOT, tempDir } from './helpers/cli.js';
import { emulatorWith, testId } from './helpers/emulator.js';

const ROWS = 120;
let emulator: Emulator;
let work: string;
let file: string;

beforeEach(async () => {
  emulator = await emulatorWith(ROWS);
  work = tempDir();
  file = path.join(work, 'in.csv');
  const lines = ['id,customer_name,customer_language'];
  for (let i = 1; i <= ROWS; i++) lines.push(`${testId(i)},After ${i},fr`);
  // A repeated id (the later row supersedes a failed earlier one), an invalid row, a clear.
  lines.push(`${testId(1)},Again,de`, 'not-an-id,X,en', `${testId(2)},,fr`);
  writeFileSync(file, `${lines.join('\n')}\n`);
});
afterEach(() => emulator.close());

const REPORTS = ['results.csv', 'failed.csv', 'summary.json', 'report.html', 'plan.csv', 'rollback.csv'];

function reportsOf(runDir: string): Record<string, string> {
  const present = readdirSync(runDir).filter((n) => REPORTS.includes(n));
  return Object.fromEntries(present.map((n) => [n, readFileSync(path.join(runDir, n), 'utf8')]));
}

const common = () => ({ file, apiKey: emulator.apiKey, baseUrl: emulator.baseUrl, rate: 100_000, allowClears: true });

describe('vorel-sync report', () => {
  it.each([
    ['import', {}],
    ['dry run', { dryRun: true }],
    ['plan', { plan: true }],
    ['only-changed', { onlyChanged: true }],
  ])('rewrites a finished %s run’s own reports byte for byte', async (_, mode) => {
    const summary = await importCsv({ ...common(), ...mode, reportDir: path.join(work, 'r') });
    const before = reportsOf(summary.report_dir);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['results.csv', 'failed.csv', 'summary.json', 'report.html']));
    const again = await reportRun({ runDir: summary.report_dir });
    expect(again).toEqual(summary);
    expect(reportsOf(summary.report_dir)).toEqual(before);
  });

  it('finds the input when run from another folder than the import, whose path was relative', async () => {
    const run = spawnSync(process.execPath, [BIN, 'import', 'in.csv', '--dry-run', '--allow-clears', '--report-dir', 'r'], {
      cwd: work,
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(1);
    const runDir = onlyRunDir(path.join(work, 'r'));
    const before = reportsOf(runDir);
    const again = await cli(['report', runDir]);
    expect(again.code, again.stderr).toBe(1);
    expect(reportsOf(runDir)).toEqual(before);
  });

  it('prints the run’s summary and exits with its exit code; --json prints summary.json', async () => {
    const summary = await importCsv({ ...common(), reportDir: path.join(work, 'r') });
    const human = await cli(['report', summary.report_dir]);
    expect(human.code, human.stderr).toBe(summary.exit_code);
    expect(human.stdout).toContain(`vorel-sync import: ${ROWS + 3} rows from ${file}`);
    const json = await cli(['report', summary.report_dir, '--json']);
    expect(JSON.parse(json.stdout)).toEqual(summary);
  });

  it('refuses a folder that is not a run folder, and an input changed since the run (exit 2)', async () => {
    const notRun = await cli(['report', work]);
    expect(notRun.code).toBe(2);
    expect(notRun.stderr).toMatch(/no journal\.ndjson there: is it a run folder\?/);
    const summary = await importCsv({ ...common(), reportDir: path.join(work, 'r') });
    writeFileSync(file, readFileSync(file, 'utf8').replace('After 7,', 'After seven,'));
    const changed = await cli(['report', summary.report_dir]);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/is not the file that run read \(its SHA-256 differs\)/);
    await expect(reportRun({ runDir: summary.report_dir })).rejects.toMatchObject({ code: 'input_changed', exitCode: 2 });
  });

  it('after kill -9 mid-import writes complete reports true to the server; --resume then finishes the run', async () => {
    emulator.setFaults({ latencyMs: 40 });
    const first = path.join(work, 'first');
    const killed = await runUntilKilled(
      ['import', file, '--base-url', emulator.baseUrl, '--report-dir', first, '--rate', '100000', '--concurrency', '4', '--allow-clears'],
      40,
    );
    expect(killed).toBe('SIGKILL');
    const runDir = onlyRunDir(first);
    const report = await cli(['report', runDir, '--json']);
    expect(report.code, report.stderr).toBe(130);
    const summary = JSON.parse(report.stdout);
    expect(summary.stopped.reason).toBe('unfinished');
    expect(summary.exit_code).toBe(130);
    expect(summary.resume_command).toContain(`--resume ${runDir}`);
    const rows = readResults(runDir);
    expect(rows.map((r) => Number(r.line))).toEqual(Array.from({ length: ROWS + 3 }, (_, i) => i + 2));
    const updated = new Set(rows.filter((r) => r.outcome === 'updated').map((r) => Number(r.line)));
    const patched = new Set(emulator.requests.filter((r) => r.method === 'PATCH').map((r) => r.path));
    for (const line of updated) {
      expect(patched.has(`/api/v1/conversations/${idOfLine(line)}`)).toBe(true);
      // Lines 2..ROWS+1 hold ids 1..ROWS; the repeated ids come last, long after the kill.
      expect(emulator.get(testId(line - 1))).toMatchObject({ customer_name: `After ${line - 1}`, customer_language: 'fr' });
    }
    // Applied on the server, not reported updated: at most the rows in flight at the kill.
    const unreported = [...patched].filter((p) => !rows.some((r) => r.outcome === 'updated' && p.endsWith(r.id as string)));
    expect(unreported.length).toBeLessThanOrEqual(4);
    expect(rows.filter((r) => r.outcome === 'not_attempted').length).toBe(summary.totals.not_attempted);

    const resumed = await cli(['import', file, '--resume', runDir, '--report-dir', path.join(work, 'second'), '--rate', '100000'], {
      env: { VOREL_API_KEY: emulator.apiKey },
    });
    expect(resumed.code, resumed.stderr).toBe(1); // the invalid row
    for (let i = 3; i <= ROWS; i++) expect(emulator.get(testId(i))).toMatchObject({ customer_name: `After ${i}`, customer_language: 'fr' });
    expect(emulator.get(testId(1))).toMatchObject({ customer_name: 'Again', customer_language: 'de' });
  });

  it('a journal cut at any byte still gives one line per row, and resumes', async () => {
    const summary = await importCsv({ ...common(), reportDir: path.join(work, 'r'), concurrency: 2 });
    const journal = path.join(summary.report_dir, 'journal.ndjson');
    const size = readFileSync(journal).length;
    // Cuts past the run record and its first facts: a journal shorter than that is of a run that sent nothing.
    const header = readFileSync(journal, 'utf8').split('\n').slice(0, 2).join('\n').length + 1;
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: header, max: size }), async (cut) => {
        const copy = path.join(work, `cut-${n++}`);
        cpSync(summary.report_dir, copy, { recursive: true });
        truncateSync(path.join(copy, 'journal.ndjson'), cut);
        const again = await reportRun({ runDir: copy });
        expect(readResults(copy)).toHaveLength(ROWS + 3);
        expect(Object.values(again.totals).reduce((a, b) => a + b, 0)).toBe(ROWS + 3);
        // Without its last byte (the newline) the end record is still whole.
        if (cut < size - 1) expect(again.exit_code).toBe(130);
        const resumed = await importCsv({ ...common(), resume: copy, reportDir: path.join(work, `resumed-${n}`) });
        expect(resumed.totals.updated + resumed.totals.invalid).toBe(ROWS + 3);
      }),
      { numRuns: 12, seed: 20261205 },
    );
  });
});

/** The id of a data line of the input (line 2 is the first row). */
function idOfLine(line: number): string {
  const cells = readFileSync(file, 'utf8').split('\n')[line - 1]?.split(',') ?? [];
  return cells[0] ?? '';
}

/** Spawns the built CLI, SIGKILLs it once `patches` PATCHes reached the emulator. */
function runUntilKilled(args: string[], patches: number): Promise<NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, VOREL_API_KEY: emulator.apiKey },
      stdio: 'ignore',
    });
    const started = Date.now();
    const poll = setInterval(() => {
      const sent = emulator.requests.filter((r) => r.method === 'PATCH').length;
      if (sent >= patches || Date.now() - started > 20_000) {
        clearInterval(poll);
        child.kill('SIGKILL');
      }
    }, 10);
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearInterval(poll);
      resolve(signal);
    });
  });
}
