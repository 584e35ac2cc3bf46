/** The confirmation: when it is asked, what the preview holds, the library's `confirm`, no answer is a no. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';
import { ask, terminalConfirm } from '../src/cli/prompt.js';
import { keyFingerprint } from '../src/credentials.js';
import type { Emulator } from '../src/emulator/index.js';
import { importCsv } from '../src/index.js';
import type { ConfirmPreview, ImportCsvOptions } from '../src/options.js';
import { Collect, cli, onlyRunDir, readRun, tempDir } from './helpers/cli.js';
import { emulatorWith, testId } from './helpers/emulator.js';

const terminal = (): Collect => new Collect(true);

/** A keyboard: a TTY stdin whose lines are typed ahead. */
function keyboard(typed: string): PassThrough & { isTTY: boolean } {
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  stdin.end(typed);
  return stdin;
}

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** 20 rows; the first `differing` of them rename, the rest hold the emulator's values. */
function csvFile(dir: string, differing: number): string {
  const lines = ['id,customer_name,customer_language'];
  for (let i = 1; i <= 20; i++) lines.push(`${testId(i)},${i <= differing ? `New ${i}` : `Before ${i}`},en`);
  const file = path.join(dir, 'contacts.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const patches = (em: Emulator): number => em.requests.filter((q) => q.method === 'PATCH').length;
const gets = (em: Emulator): number => em.requests.filter((q) => q.method === 'GET').length;

describe('when it asks', () => {
  const tty = { stdin: { isTTY: true }, stderr: { isTTY: true }, signal: new AbortController().signal } as Parameters<
    typeof terminalConfirm
  >[0];

  it('only with stdin and stderr both terminals, without --yes, and never for import -', () => {
    expect(terminalConfirm(tty, { yes: false, file: 'a.csv' })).toBeTypeOf('function');
    expect(terminalConfirm(tty, { yes: true, file: 'a.csv' })).toBeUndefined();
    expect(terminalConfirm(tty, { yes: false, file: '-' })).toBeUndefined();
    expect(terminalConfirm({ ...tty, stdin: {} } as typeof tty, { yes: false, file: 'a.csv' })).toBeUndefined();
    expect(terminalConfirm({ ...tty, stderr: {} } as typeof tty, { yes: false, file: 'a.csv' })).toBeUndefined();
  });

  it('takes y and yes (any case) as yes, anything else and the end of input as no', async () => {
    const answer = (typed: string) =>
      ask({ stdin: keyboard(typed), stderr: terminal(), signal: new AbortController().signal }, 'Proceed? ', 5_000);
    expect(await Promise.all(['y\n', 'YES\n', ' yes \n'].map(answer))).toEqual([true, true, true]);
    expect(await Promise.all(['n\n', '\n', 'yep\n', 'no\n', ''].map(answer))).toEqual([false, false, false, false, false]);
  });

  it('takes no answer in time as no, and the signal (Ctrl-C) as no', async () => {
    const stderr = terminal();
    const silent = Object.assign(new PassThrough(), { isTTY: true });
    expect(await ask({ stdin: silent, stderr, signal: new AbortController().signal }, 'Proceed? ', 30)).toBe(false);
    expect(stderr.text).toMatch(/no answer in \d+ minutes: taken as no/);
    const controller = new AbortController();
    const pending = ask(
      { stdin: Object.assign(new PassThrough(), { isTTY: true }), stderr, signal: controller.signal },
      'Proceed? ',
      60_000,
    );
    controller.abort();
    expect(await pending).toBe(false);
  });
});

describe('the CLI on a terminal (in-process)', () => {
  async function run(em: Emulator, file: string, typed: string, ...args: string[]) {
    const stdout = terminal();
    const stderr = terminal();
    const reports = path.join(path.dirname(file), `reports-${Math.random().toString(36).slice(2)}`);
    const code = await runCli(['import', file, '--base-url', em.baseUrl, '--report-dir', reports, '--rate', '100000', ...args], {
      stdin: keyboard(typed),
      stdout,
      stderr,
      env: { VOREL_API_KEY: em.apiKey, NO_COLOR: '1' },
      signal: new AbortController().signal,
    });
    return { code, stderr: stderr.text, runDir: onlyRunDir(reports) };
  }

  it('--only-changed asks after reading, says how many rows differ, and reads each row once', async () => {
    emulator = await emulatorWith(20);
    const file = csvFile(tempDir(), 5);
    const no = await run(emulator, file, 'n\n', '--only-changed');
    expect(no.code).toBe(2);
    expect(no.stderr).toMatch(/5 rows differ and will be updated \(15 already match\)/);
    expect(gets(emulator)).toBe(20);
    expect(patches(emulator)).toBe(0);

    emulator.resetStats();
    const yes = await run(emulator, file, 'y\n', '--only-changed');
    expect(yes.code, yes.stderr).toBe(0);
    expect(patches(emulator)).toBe(5);
    expect(gets(emulator)).toBe(20);
    expect(readRun(yes.runDir).summary).toMatchObject({ confirmed: 'prompt', totals: { updated: 5, unchanged: 15 } });
  });

  it('reads ahead of the question as the run would: up to --concurrency at once, each row once, duplicates in file order', async () => {
    emulator = await emulatorWith(20, { faults: { latencyMs: 30 } });
    const dir = tempDir();
    const lines = ['id,customer_name,customer_language'];
    for (let i = 1; i <= 20; i++) lines.push(`${testId(i)},Before ${i},en`);
    // testId(3) is renamed by one row, then put back by the next: the second compares against the first.
    lines.push(`${testId(3)},Renamed,en`, `${testId(3)},Before 3,en`);
    const file = path.join(dir, 'dup.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const no = await run(emulator, file, 'n\n', '--only-changed', '--concurrency', '4');
    expect(no.code).toBe(2);
    expect(no.stderr).toMatch(/2 rows differ and will be updated \(20 already match\)/);
    expect(gets(emulator)).toBe(20);
    expect(emulator.peakInFlight).toBeGreaterThan(1);
    expect(emulator.peakInFlight).toBeLessThanOrEqual(4);
  });

  it('does not ask when nothing would be sent (a plan, or nothing differs)', async () => {
    emulator = await emulatorWith(20);
    const file = csvFile(tempDir(), 0);
    const plan = await run(emulator, file, '', '--plan');
    expect(plan.code).toBe(0);
    expect(plan.stderr).not.toMatch(/Proceed\?/);
    const same = await run(emulator, file, '', '--only-changed');
    expect(same.code).toBe(0);
    expect(same.stderr).not.toMatch(/Proceed\?/);
  });

  it('does not ask for import -: its stdin is the data', async () => {
    emulator = await emulatorWith(20);
    const dir = tempDir();
    const lines = ['id,customer_name', `${testId(1)},From stdin`];
    const stdout = terminal();
    const stderr = terminal();
    const code = await runCli(['import', '-', '--base-url', emulator.baseUrl, '--report-dir', path.join(dir, 'r'), '--rate', '100000'], {
      stdin: keyboard(`${lines.join('\n')}\n`),
      stdout,
      stderr,
      env: { VOREL_API_KEY: emulator.apiKey },
      signal: new AbortController().signal,
    });
    expect(code, stderr.text).toBe(0);
    expect(stderr.text).not.toMatch(/Proceed\?/);
    expect(emulator.get(testId(1))?.customer_name).toBe('From stdin');
  });
});

describe('the library: confirm(preview)', () => {
  const options = (file: string, reportDir: string, em: Emulator, confirm: ImportCsvOptions['confirm']): ImportCsvOptions => ({
    file,
    apiKey: em.apiKey,
    baseUrl: em.baseUrl,
    rate: 100000,
    reportDir,
    confirm,
  });

  it('is called once before the first PATCH with the preview; false sends nothing and resolves with exit code 2', async () => {
    emulator = await emulatorWith(20);
    const dir = tempDir();
    const file = csvFile(dir, 20);
    const seen: ConfirmPreview[] = [];
    const declined = await importCsv(
      options(file, path.join(dir, 'a'), emulator, (p) => {
        seen.push(p);
        expect(patches(emulator!)).toBe(0);
        return false;
      }),
    );
    expect(declined.exit_code).toBe(2);
    expect(declined.confirmed).toBe('prompt');
    expect(patches(emulator)).toBe(0);
    expect(seen).toEqual([
      {
        mode: 'import',
        input: file,
        rows: 20,
        rowsToUpdate: 20,
        unchanged: null,
        clears: { customer_name: 0, customer_language: 0 },
        duplicateIds: 0,
        baseUrl: emulator.baseUrl,
        keyFingerprint: keyFingerprint(emulator.apiKey),
        resumedFrom: null,
        carriedOver: 0,
      },
    ]);

    const accepted = await importCsv(options(file, path.join(dir, 'b'), emulator, async () => true));
    expect(accepted.exit_code).toBe(0);
    expect(patches(emulator)).toBe(20);
  });

  it('holds the report-dir lock while it waits for the answer', async () => {
    emulator = await emulatorWith(20);
    const dir = tempDir();
    const file = csvFile(dir, 20);
    const reports = path.join(dir, 'r');
    let second: { code: number; stderr: string } | undefined;
    const summary = await importCsv(
      options(file, reports, emulator, async () => {
        second = await cli(['import', file, '--base-url', emulator!.baseUrl, '--report-dir', reports], {
          env: { VOREL_API_KEY: emulator!.apiKey },
        });
        return false;
      }),
    );
    expect(summary.exit_code).toBe(2);
    expect(second?.code).toBe(2);
    expect(second?.stderr).toMatch(/another vorel-sync run \(pid \d+\) is using the report dir/);
    expect(patches(emulator)).toBe(0);
  });

  it('is not called with yes (summary: flag); maxClears takes a number of rows, and a bad one rejects before any request', async () => {
    emulator = await emulatorWith(20);
    const dir = tempDir();
    const file = csvFile(dir, 20);
    let asked = 0;
    const summary = await importCsv({
      ...options(file, path.join(dir, 'a'), emulator, () => {
        asked++;
        return false;
      }),
      yes: true,
    });
    expect(summary).toMatchObject({ exit_code: 0, confirmed: 'flag' });
    expect(asked).toBe(0);
    expect(patches(emulator)).toBe(20);

    emulator.resetStats();
    const wiped = path.join(dir, 'wiped.csv');
    writeFileSync(
      wiped,
      ['id,customer_name', ...Array.from({ length: 20 }, (_, i) => `${testId(i + 1)},${i < 3 ? '' : 'Kept'}`)].join('\n'),
    );
    const three = await importCsv({ ...options(wiped, path.join(dir, 'b'), emulator, undefined), maxClears: 3 });
    expect(three.clears_guard).toEqual({ limit: '3', allowed: false, tripped: false, over_limit: [] });
    const two = await importCsv({ ...options(wiped, path.join(dir, 'c'), emulator, undefined), maxClears: 2 });
    expect(two).toMatchObject({ exit_code: 2, stopped: { reason: 'clears_guard' }, clears_guard: { limit: '2', tripped: true } });
    expect(patches(emulator)).toBe(20);
    await expect(importCsv({ ...options(wiped, path.join(dir, 'd'), emulator, undefined), maxClears: 'ten' })).rejects.toMatchObject({
      code: 'bad_number',
      exitCode: 2,
    });
    expect(patches(emulator)).toBe(20);
  });

  it('is not called when the clears guard refuses the run', async () => {
    emulator = await emulatorWith(20);
    const dir = tempDir();
    writeFileSync(
      path.join(dir, 'wiped.csv'),
      ['id,customer_name', ...Array.from({ length: 20 }, (_, i) => `${testId(i + 1)},`)].join('\n'),
    );
    let asked = 0;
    const summary = await importCsv(
      options(path.join(dir, 'wiped.csv'), path.join(dir, 'r'), emulator, () => {
        asked++;
        return true;
      }),
    );
    expect(summary.exit_code).toBe(2);
    expect(summary.clears_guard.tripped).toBe(true);
    expect(asked).toBe(0);
    expect(patches(emulator)).toBe(0);
  });
});
