/** Importing an .xlsx workbook end to end, in every mode, against the emulator. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../src/emulator/index.js';
import { cli, onlyRunDir, readResults, readRun, tempDir, writeCsv } from './helpers/cli.js';
import { emulatorWith, testId } from './helpers/emulator.js';
import { writeStreamedWorkbook, writeWorkbook } from './helpers/workbooks.js';

let emulator: Emulator;
let work: string;
let reports: string;

beforeEach(async () => {
  emulator = await emulatorWith(30, { faults: { latencyMs: 0 } });
  work = tempDir('vorel-xlsx-');
  reports = path.join(work, 'reports');
});
afterEach(async () => {
  await emulator.close();
});

const env = () => ({ VOREL_API_KEY: emulator.apiKey });
const run = (file: string, ...args: string[]) =>
  cli(['import', file, '--base-url', emulator.baseUrl, '--report-dir', reports, ...args], { env: env() });
const lastRun = (): string => {
  const dir = onlyRunDir(reports);
  return dir;
};

/** A contacts sheet with one row of each kind of trouble, and a second sheet. */
async function contacts(): Promise<string> {
  return writeWorkbook(path.join(work, 'contacts.xlsx'), {
    Contacts: [
      ['Conversation ID', 'Name', 'Language', 'Notes'],
      [testId(1), 'Ana Ωμέγα', 'pt-BR', 12],
      [testId(2), 4477009, 'en', 'a number in the name'],
      [],
      [testId(3), 'Bea', { error: '#N/A' }, ''],
      [testId(4), { formula: '"Cé"&"sar"', result: 'César' }, 'fr', { formula: '1/0', result: { error: '#DIV/0!' } }],
      [testId(5), 'Dee', { formula: 'C2' }, ''],
      [testId(6), 'two\nlines', new Date(Date.UTC(2024, 1, 3)), ''],
    ],
    Archive: [
      ['id', 'name'],
      [testId(7), 'Old'],
    ],
  });
}

describe('import of a workbook', () => {
  it('updates text rows, refuses non-text and error cells in mapped columns, lines are row numbers', async () => {
    const file = await contacts();
    const r = await run(file);
    expect(r.code, r.stderr).toBe(1);
    const runDir = lastRun();
    expect(readResults(runDir).map((x) => [x.line, x.outcome, x.error_code])).toEqual([
      ['2', 'updated', ''],
      ['3', 'invalid', 'not_text'],
      ['5', 'invalid', 'cell_error'],
      ['6', 'updated', ''],
      ['7', 'invalid', 'cell_error'],
      ['8', 'invalid', 'not_text'],
    ]);
    const messages = readResults(runDir).map((x) => x.message);
    expect(messages[1]).toMatch(
      /cell B3 \(customer_name\) is a number, not text: re-enter .* as text .*Text format alone does not convert/,
    );
    expect(messages[2]).toMatch(/cell C5 \(customer_language\) holds the error #N\/A/);
    expect(messages[4]).toMatch(/formula saved without its result/);
    expect(messages[5]).toMatch(/C8 \(customer_language\) is a date/);
    expect(emulator.get(testId(1))).toMatchObject({ customer_name: 'Ana Ωμέγα', customer_language: 'pt-BR' });
    expect(emulator.get(testId(4))).toMatchObject({ customer_name: 'César', customer_language: 'fr' });
    expect(emulator.get(testId(2))?.customer_name).toBe('Before 2');

    const { summary, failed } = readRun(runDir);
    expect(summary.input).toMatchObject({ path: file, encoding: null, delimiter: null, sheet: 'Contacts', rows: 6 });
    expect(summary.input.sha256).toBe(createHashOf(file));
    expect(r.stdout).toContain('sheet "Contacts"');
    // failed.csv: UTF-8 CSV under the original header, cells as the reader saw them.
    expect(failed.toString('utf8')).toBe(
      'Conversation ID,Name,Language,Notes\r\n' +
        `${testId(2)},4477009,en,a number in the name\r\n` +
        `${testId(3)},Bea,#N/A,\r\n` +
        `${testId(5)},Dee,,\r\n` +
        `${testId(6)},"two\nlines",2024-02-03,\r\n`,
    );
    expect(summary.retry_command).not.toMatch(/--delimiter|--encoding|--sheet/);
    // It imports back as it is: the same rows, now text, each judged on its value.
    const again = await cli([
      'import',
      path.join(runDir, 'failed.csv'),
      '--dry-run',
      '--allow-clears',
      '--report-dir',
      path.join(work, 'again'),
    ]);
    const back = readResults(onlyRunDir(path.join(work, 'again')));
    expect(back.map((x) => [x.id, x.outcome, x.error_code])).toEqual([
      [testId(2), 'valid', ''],
      [testId(3), 'invalid', 'bad_language'],
      [testId(5), 'valid', ''],
      [testId(6), 'invalid', 'bad_language'],
    ]);
    expect(again.code).toBe(1);
  });

  it('reads the sheet --sheet names; an unknown one is exit 2 listing the sheets', async () => {
    const file = await contacts();
    const r = await run(file, '--sheet', 'Archive', '--dry-run');
    expect(r.code, r.stderr).toBe(0);
    expect(readRun(lastRun()).summary.input).toMatchObject({ sheet: 'Archive', rows: 1 });
    const bad = await run(file, '--sheet', 'Nope', '--dry-run');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no sheet "Nope"; its sheets: "Contacts", "Archive"/);
  });

  it('--encoding or --delimiter with a workbook is exit 2, nothing sent', async () => {
    const sent = emulator.requests.length;
    const r = await run(await contacts(), '--delimiter', ';', '--encoding', 'latin1', '--yes');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--encoding and --delimiter apply to a CSV file');
    expect(emulator.requests).toHaveLength(sent);
  });

  it("a dry run's command to check the file again reads the same sheet", async () => {
    const file = await writeWorkbook(path.join(work, 'two.xlsx'), {
      First: [
        ['id', 'name'],
        [testId(1), 'Fine'],
      ],
      'Q4 list': [
        ['id', 'name'],
        [testId(2), 42],
      ],
    });
    const r = await run(file, '--sheet', 'Q4 list', '--dry-run');
    expect(r.code, r.stderr).toBe(1);
    const command = readRun(lastRun()).summary.retry_command;
    expect(command).toContain(`${file} --dry-run --base-url ${emulator.baseUrl} --sheet 'Q4 list'`);
    expect(r.stdout).toContain(command);
  });

  it('plans, then imports only what changed, by customer_identifier too', async () => {
    const rows = [['id', 'name', 'language'], ...[1, 2, 3].map((n) => [testId(n), n === 2 ? 'Changed' : `Before ${n}`, 'en'])];
    const file = await writeStreamedWorkbook(path.join(work, 'plan.xlsx'), rows, { sharedStrings: true });
    const plan = await run(file, '--plan', '--detailed-exitcode');
    expect(plan.code, plan.stderr).toBe(4);
    const planCsv = readFileSync(path.join(lastRun(), 'plan.csv'), 'utf8');
    expect(planCsv).toBe(`line,id,field,before,after\r\n3,${testId(2)},customer_name,Before 2,Changed\r\n`);

    const only = await cli(['import', file, '--only-changed', '--base-url', emulator.baseUrl, '--report-dir', path.join(work, 'only')], {
      env: env(),
    });
    expect(only.code, only.stderr).toBe(0);
    expect(readResults(onlyRunDir(path.join(work, 'only'))).map((x) => x.outcome)).toEqual(['unchanged', 'updated', 'unchanged']);
    expect(emulator.requests.filter((q) => q.method === 'PATCH')).toHaveLength(1);

    const phone = emulator.get(testId(3))?.customer_identifier ?? '';
    const byPhone = await writeWorkbook(path.join(work, 'phones.xlsx'), {
      S: [
        ['customer_identifier', 'name'],
        [phone, 'By phone'],
      ],
    });
    const matched = await cli(
      ['import', byPhone, '--match-by', 'customer_identifier', '--base-url', emulator.baseUrl, '--report-dir', path.join(work, 'm')],
      { env: env() },
    );
    expect(matched.code, matched.stderr).toBe(0);
    expect(emulator.get(testId(3))?.customer_name).toBe('By phone');
  });

  it('applies the clears guard to empty cells', async () => {
    const rows = [['id', 'name'], ...[1, 2, 3].map((n) => [testId(n), n === 1 ? null : `N${n}`])];
    const file = await writeWorkbook(path.join(work, 'clears.xlsx'), { S: rows });
    const r = await run(file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/customer_name/);
    expect(emulator.requests.filter((q) => q.method === 'PATCH')).toHaveLength(0);
    const kept = await cli(['import', file, '--empty', 'keep', '--base-url', emulator.baseUrl, '--report-dir', path.join(work, 'k')], {
      env: env(),
    });
    expect(kept.code, kept.stderr).toBe(1);
    expect(readResults(onlyRunDir(path.join(work, 'k'))).map((x) => x.error_code)).toEqual(['no_fields', '', '']);
  });

  it('resumes an interrupted run from the same workbook, and refuses another file', async () => {
    await emulator.close();
    emulator = await emulatorWith(60, { faults: { latencyMs: 30 } });
    const rows = [['id', 'name', 'language'], ...Array.from({ length: 60 }, (_, i) => [testId(i + 1), `After ${i + 1}`, 'fr'])];
    const file = await writeStreamedWorkbook(path.join(work, 'big.xlsx'), rows, { sharedStrings: true });
    const stop = new AbortController();
    const poll = setInterval(() => {
      if (emulator.requests.length >= 10) stop.abort();
    }, 5);
    const first = await cli(
      ['import', file, '--base-url', emulator.baseUrl, '--report-dir', reports, '--concurrency', '2', '--rate', '100000'],
      {
        env: env(),
        signal: stop.signal,
      },
    );
    clearInterval(poll);
    expect(first.code, first.stderr).toBe(130);
    const runDir = lastRun();
    const other = await writeWorkbook(path.join(work, 'other.xlsx'), { Sheet1: rows.slice(0, 5) });
    const mismatch = await cli(['import', other, '--resume', runDir, '--report-dir', path.join(work, 'x')], { env: env() });
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/SHA-256 differs/);
    const resumed = await cli(['import', file, '--resume', runDir, '--report-dir', path.join(work, 'r'), '--rate', '100000'], {
      env: env(),
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    const final = readRun(onlyRunDir(path.join(work, 'r'))).summary;
    expect(final.totals.updated).toBe(60);
    expect(final.input.sheet).toBe('Sheet1');
    for (let i = 1; i <= 60; i++) expect(emulator.get(testId(i))?.customer_name).toBe(`After ${i}`);
  });

  it('reads a text file named .xlsx as CSV', async () => {
    const file = writeCsv(work, 'named.xlsx', `id,name\n${testId(1)},Text\n`);
    const r = await run(file, '--dry-run');
    expect(r.code, r.stderr).toBe(0);
    expect(readRun(lastRun()).summary.input).toMatchObject({ encoding: 'utf-8', delimiter: ',', sheet: null });
  });

  it('refuses a legacy .xls with exit 2 and nothing sent', async () => {
    const file = writeCsv(
      work,
      'old.xls',
      Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(1024)]),
    );
    const r = await run(file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/save it as \.xlsx without a password/);
    expect(emulator.requests).toHaveLength(0);
  });
});

function createHashOf(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
