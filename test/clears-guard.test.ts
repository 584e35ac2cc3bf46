/** The clears guard (`--max-clears`, `--allow-clears`): the rule, and end to end against the emulator in every mode. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { makeConversation, type Emulator } from '../src/emulator/index.js';
import { parseMaxClears } from '../src/import/first-pass/clears-guard.js';
import { decideClears, exceedsLimit } from '../src/import/gate/gate.js';
import { cli, onlyRunDir, readResults, readRun, tempDir } from './helpers/cli.js';
import { emulatorWith, testId } from './helpers/emulator.js';

describe('the rule', () => {
  it('reads a count or a percentage, and refuses anything else', () => {
    expect(parseMaxClears('10%')).toEqual({ kind: 'percent', percent: 10 });
    expect(parseMaxClears('2.5%')).toEqual({ kind: 'percent', percent: 2.5 });
    expect(parseMaxClears('0')).toEqual({ kind: 'rows', rows: 0 });
    expect(parseMaxClears('250')).toEqual({ kind: 'rows', rows: 250 });
    for (const bad of ['', 'ten', '-1', '101%', '1.5', '%', '10%%']) expect(() => parseMaxClears(bad), bad).toThrow(/--max-clears/);
  });

  it('trips just over the limit, not at it or just under: as a count and as a percentage', () => {
    const count = { kind: 'rows', rows: 3 } as const;
    expect([2, 3, 4].map((n) => exceedsLimit(count, n, 1000))).toEqual([false, false, true]);
    const percent = { kind: 'percent', percent: 10 } as const;
    expect([2, 3, 4].map((n) => exceedsLimit(percent, n, 30))).toEqual([false, false, true]);
    // 10% of 25 rows is 2.5: 2 pass, 3 trip; no rounding lets a third through.
    expect([2, 3].map((n) => exceedsLimit(percent, n, 25))).toEqual([false, true]);
  });

  it('a percentage trips exactly when the clears exceed that share of the rows', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 5000 }),
        (percent, rows, clears) => {
          expect(exceedsLimit({ kind: 'percent', percent }, clears, rows)).toBe(clears > Math.floor((percent * rows) / 100));
        },
      ),
    );
  });

  it('--allow-clears lifts the guard but still says which fields are over the limit', () => {
    const count = { clears: { customer_name: 5, customer_language: 1 }, firstLines: { customer_name: [2], customer_language: [3] } };
    const limit = { kind: 'percent', percent: 10 } as const;
    expect(decideClears(count, 20, limit, false)).toEqual({ limit: '10%', allowed: false, tripped: true, over_limit: ['customer_name'] });
    expect(decideClears(count, 20, limit, true)).toEqual({ limit: '10%', allowed: true, tripped: false, over_limit: ['customer_name'] });
  });
});

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const ROWS = 20;

/** ROWS rows renaming testId(1..ROWS); the first `cleared` of them have an empty name. */
function fileClearing(dir: string, cleared: number): string {
  const lines = ['id,customer_name,customer_language'];
  for (let i = 1; i <= ROWS; i++) lines.push(`${testId(i)},${i <= cleared ? '' : `Before ${i}`},en`);
  const file = path.join(dir, `clears-${cleared}.csv`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function workspace(em: Emulator) {
  const work = tempDir();
  let runs = 0;
  return {
    work,
    async run(file: string, ...args: string[]) {
      const reports = path.join(work, `reports-${++runs}`);
      const r = await cli(['import', file, '--base-url', em.baseUrl, '--report-dir', reports, '--rate', '100000', ...args], {
        env: { VOREL_API_KEY: em.apiKey },
      });
      return { ...r, runDir: existsSync(reports) ? onlyRunDir(reports) : '' };
    },
  };
}

const patches = (em: Emulator): number => em.requests.filter((q) => q.method === 'PATCH').length;

describe('the guard against the emulator', () => {
  it.each([
    ['10%', 2, 3],
    ['3', 3, 4],
  ])('--max-clears %s: %i clears go through, %i are refused with exit 2 and nothing sent', async (limit, passes, trips) => {
    emulator = await emulatorWith(ROWS);
    const ws = workspace(emulator);
    for (const cleared of [passes - 1, passes]) {
      const ok = await ws.run(fileClearing(ws.work, cleared), '--max-clears', limit);
      expect(ok.code, ok.stderr).toBe(0);
      expect(readRun(ok.runDir).summary.clears_guard).toEqual({ limit, allowed: false, tripped: false, over_limit: [] });
    }
    const sent = patches(emulator);
    expect(sent).toBe(2 * ROWS);

    const refused = await ws.run(fileClearing(ws.work, trips), '--max-clears', limit);
    expect(refused.code).toBe(2);
    expect(patches(emulator)).toBe(sent);
    expect(refused.stderr).toContain(`customer_name: ${trips} of ${ROWS} rows (${(trips / ROWS) * 100}%) would clear it, lines 2, 3, 4`);
    expect(refused.stderr).toMatch(/--allow-clears/);
    expect(refused.stderr).toMatch(/--empty keep/);
    expect(refused.stderr).toMatch(/--only-changed/);
    // The reports of a refused run are written: every row not attempted, nothing to retry or resume.
    const { summary } = readRun(refused.runDir);
    expect(summary.exit_code).toBe(2);
    expect(summary.clears).toEqual({ customer_name: trips, customer_language: 0 });
    expect(summary.clears_guard).toEqual({ limit, allowed: false, tripped: true, over_limit: ['customer_name'] });
    expect(summary.stopped.reason).toBe('clears_guard');
    expect(summary.totals).toMatchObject({ not_attempted: ROWS, updated: 0 });
    expect(summary.retry_command).toBeNull();
    expect(summary.resume_command).toBeNull();
    expect(new Set(readResults(refused.runDir).map((r) => r.error_code))).toEqual(new Set(['clears_guard']));
  });

  it('a dry run applies the same check: exit 2, reports written, no request', async () => {
    emulator = await emulatorWith(ROWS);
    const ws = workspace(emulator);
    const r = await ws.run(fileClearing(ws.work, 5), '--dry-run');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/a real run would send nothing/);
    const { summary } = readRun(r.runDir);
    expect(summary.totals).toMatchObject({ valid: ROWS });
    expect(summary.clears_guard).toMatchObject({ tripped: true, over_limit: ['customer_name'] });
    expect(emulator.requests).toHaveLength(0);
    expect((await ws.run(fileClearing(ws.work, 2), '--dry-run')).code).toBe(0);
  });

  it('--allow-clears sends the clears and records them; --empty keep leaves the fields untouched', async () => {
    emulator = await emulatorWith(ROWS);
    const ws = workspace(emulator);
    const file = fileClearing(ws.work, 5);
    const kept = await ws.run(file, '--empty', 'keep');
    expect(kept.code, kept.stderr).toBe(0);
    expect(emulator.get(testId(1))?.customer_name).toBe('Before 1');
    expect(readRun(kept.runDir).summary.clears).toEqual({ customer_name: 0, customer_language: 0 });

    const allowed = await ws.run(file, '--allow-clears');
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toMatch(/5 of 20 rows \(25%\) clear customer_name \(--allow-clears\)/);
    expect(emulator.get(testId(1))?.customer_name).toBeNull();
    const { summary } = readRun(allowed.runDir);
    expect(summary.clears).toEqual({ customer_name: 5, customer_language: 0 });
    expect(summary.clears_guard).toEqual({ limit: '10%', allowed: true, tripped: false, over_limit: ['customer_name'] });
    expect(readFileSync(path.join(allowed.runDir, 'report.html'), 'utf8')).toMatch(
      /Clears: customer_name 5, customer_language 0; above --max-clears 10%, allowed by --allow-clears/,
    );
  });

  it('the retry command repeats --allow-clears and --max-clears', async () => {
    emulator = await emulatorWith(ROWS - 1);
    const ws = workspace(emulator);
    const r = await ws.run(fileClearing(ws.work, 5), '--allow-clears', '--max-clears', '4');
    expect(r.code).toBe(1); // testId(20) is unknown
    expect(readRun(r.runDir).summary.retry_command).toMatch(/ --allow-clears --max-clears 4( |$)/);
  });

  describe.each(['get', 'list'])('--plan and --only-changed (--read %s) count only fields that are not already empty', (read) => {
    it('never trips where the fields are already empty', async () => {
      emulator = await emulatorWith(ROWS);
      for (let i = 1; i <= 5; i++) emulator.insert([makeConversation({ id: testId(i), customer_name: null, customer_language: 'en' })]);
      const ws = workspace(emulator);
      const file = fileClearing(ws.work, 5);
      const plan = await ws.run(file, '--plan', '--read', read);
      expect(plan.code, plan.stderr).toBe(0);
      expect(readRun(plan.runDir).summary.clears).toEqual({ customer_name: 0, customer_language: 0 });
      const changed = await ws.run(file, '--only-changed', '--read', read);
      expect(changed.code, changed.stderr).toBe(0);
      expect(readRun(changed.runDir).summary.clears_guard).toMatchObject({ tripped: false });
      expect(patches(emulator)).toBe(0);
    });

    it('trips where they are not, after reading and before any PATCH', async () => {
      emulator = await emulatorWith(ROWS);
      const ws = workspace(emulator);
      const file = fileClearing(ws.work, 5);
      const plan = await ws.run(file, '--plan', '--read', read);
      expect(plan.code).toBe(2);
      expect(plan.stderr).toMatch(/customer_name: 5 of 20 rows \(25%\) would clear it where it is not already empty/);
      // A plan still reports what would change.
      expect(readFileSync(path.join(plan.runDir, 'plan.csv'), 'utf8').split('\r\n')).toHaveLength(1 + 5 + 1);
      expect(readRun(plan.runDir).summary.clears_guard).toMatchObject({ tripped: true });

      emulator.resetStats();
      const changed = await ws.run(file, '--only-changed', '--read', read);
      expect(changed.code).toBe(2);
      expect(changed.stderr).toMatch(/the clears guard refused the run/);
      expect(emulator.requests.length).toBeGreaterThan(0); // it read
      expect(patches(emulator)).toBe(0);
      expect(emulator.get(testId(1))?.customer_name).toBe('Before 1');
      // Each row was read once: the reads made for the count are the rows' own.
      if (read === 'get') expect(emulator.requests.filter((q) => q.method === 'GET')).toHaveLength(5);
    });
  });

  it('a resume keeps the decision of the run it resumes, and a refused run cannot be resumed', async () => {
    emulator = await emulatorWith(120, { faults: { latencyMs: 20 } });
    const ws = workspace(emulator);
    const lines = ['id,customer_name,customer_language'];
    for (let i = 1; i <= 120; i++) lines.push(`${testId(i)},${i % 3 === 0 ? '' : `After ${i}`},fr`);
    const file = path.join(ws.work, 'big.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);

    const controller = new AbortController();
    const poll = setInterval(() => {
      if (patches(emulator!) >= 20) controller.abort();
    }, 5);
    const first = path.join(ws.work, 'first');
    const env = { VOREL_API_KEY: emulator.apiKey };
    const common = ['--base-url', emulator.baseUrl, '--rate', '100000', '--concurrency', '2'];
    const interrupted = await cli(['import', file, ...common, '--report-dir', first, '--allow-clears'], { env, signal: controller.signal });
    clearInterval(poll);
    expect(interrupted.code).toBe(130);
    const runDir = onlyRunDir(first);
    const journal = readFileSync(path.join(runDir, 'journal.ndjson'), 'utf8');
    expect(journal).toMatch(/"type":"clears_guard","limit":"10%","allowed":true,"tripped":false/);

    // Without --allow-clears: the decision comes from the journal, and the clears are sent.
    const resumed = await cli(['import', file, '--resume', runDir, ...common, '--report-dir', path.join(ws.work, 'second')], { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readRun(onlyRunDir(path.join(ws.work, 'second'))).summary.clears_guard).toMatchObject({ allowed: true, tripped: false });
    expect(emulator.get(testId(120))?.customer_name).toBeNull();

    const refused = await cli(['import', file, ...common, '--report-dir', path.join(ws.work, 'refused')], { env });
    expect(refused.code).toBe(2);
    const again = await cli(
      ['import', file, '--resume', onlyRunDir(path.join(ws.work, 'refused')), ...common, '--report-dir', path.join(ws.work, 'x')],
      { env },
    );
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/the clears guard refused that run and it sent nothing/);
  });
});
