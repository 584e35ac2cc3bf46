/**
 * Issue 7 through a real import (not a dry run): rows the client must refuse are refused alone,
 * with one hint, the rows around them are sent, and the report lands where it should.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../src/emulator/index.js';
import { createRunDir, newRunId } from '../src/report/files.js';
import { cli, onlyRunDir, readResults, tempDir, writeCsv } from './helpers/cli.js';
import { emulatorWith, testId } from './helpers/emulator.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await emulatorWith(20);
});
afterAll(async () => {
  await emulator.close();
});

function importFile(file: string, reports: string, ...args: string[]) {
  return cli(['import', file, '--base-url', emulator.baseUrl, '--report-dir', reports, ...args], {
    env: { VOREL_API_KEY: emulator.apiKey },
  });
}

const outcomes = (runDir: string) => readResults(runDir).map((x) => [x.line, x.outcome, x.error_code]);

/** Imports `content` from a fresh folder; returns the CLI run and its run folder. */
async function importContent(name: string, content: string | Buffer) {
  const work = tempDir();
  const reports = path.join(work, 'reports');
  const r = await importFile(writeCsv(work, name, content), reports);
  return { r, runDir: onlyRunDir(reports) };
}

describe('rows the client refuses', () => {
  it('makes invalid UTF-8 and NUL rows bad_encoding, hints --encoding windows-1252 once, and sends the rest', async () => {
    const { r, runDir } = await importContent(
      'cp1252.csv',
      Buffer.concat([
        Buffer.from(`id,customer_name\n${testId(1)},Fine\n${testId(2)},Fran`),
        Buffer.from([0xe7]), // ç in windows-1252: not UTF-8
        Buffer.from(`ois\n${testId(3)},Ren`),
        Buffer.from([0xe9]),
        Buffer.from(`e\n${testId(4)},Nul\u0000Byte\n${testId(5)},Also fine\n`),
      ]),
    );
    expect(r.code).toBe(1);
    expect(outcomes(runDir)).toEqual([
      ['2', 'updated', ''],
      ['3', 'invalid', 'bad_encoding'],
      ['4', 'invalid', 'bad_encoding'],
      ['5', 'invalid', 'bad_encoding'],
      ['6', 'updated', ''],
    ]);
    const hints = r.stderr.split('\n').filter((l) => l.includes('--encoding windows-1252'));
    expect(hints).toHaveLength(1);
    expect(hints[0]).toMatch(/^warning: line 3 /);
    expect(emulator.requests.filter((q) => q.method === 'PATCH').map((q) => q.path.split('/').pop())).toEqual(
      expect.arrayContaining([testId(1), testId(5)]),
    );
    for (const n of [2, 3, 4]) expect(emulator.get(testId(n))?.customer_name).toBe(`Before ${n}`);
    // failed.csv keeps the original bytes, so the file can be re-read with the right encoding.
    const failed = readFileSync(path.join(runDir, 'failed.csv'));
    expect(failed.includes(Buffer.from([0x46, 0x72, 0x61, 0x6e, 0xe7, 0x6f, 0x69, 0x73]))).toBe(true);
    expect(failed.includes(Buffer.from('Nul\u0000Byte'))).toBe(true);
  });

  it('makes a field over 64 KiB invalid (field_too_large) and sends the rows before and after it', async () => {
    const huge = `"${'x'.repeat(40_000)},\r\n""${'y'.repeat(40_000)}"`; // one quoted cell of 80 KiB over two lines
    const { r, runDir } = await importContent(
      'big.csv',
      `id,customer_name,customer_language\r\n${testId(6)},Before big,fr\r\n${testId(7)},${huge},de\r\n${testId(8)},After big,it\r\n`,
    );
    expect(r.code).toBe(1);
    expect(outcomes(runDir)).toEqual([
      ['2', 'updated', ''],
      ['3', 'invalid', 'field_too_large'],
      ['5', 'updated', ''],
    ]);
    expect(emulator.get(testId(8))).toMatchObject({ customer_name: 'After big', customer_language: 'it' });
    expect(emulator.get(testId(7))?.customer_name).toBe('Before 7');
    expect(readFileSync(path.join(runDir, 'failed.csv'), 'utf8')).toBe(`id,customer_name,customer_language\r\n${testId(7)},${huge},de\r\n`);
  });
});

describe('the report folder', () => {
  it('works under a --report-dir with spaces and non-ASCII characters', async () => {
    const work = tempDir();
    const reports = path.join(work, 'Rapports été 2026', 'données ✓');
    const file = writeCsv(work, 'ok.csv', `id,name\n${testId(9)},Spaces\n`);
    const r = await importFile(file, reports);
    expect(r.code, r.stderr).toBe(0);
    const runDir = onlyRunDir(reports);
    expect(path.dirname(runDir)).toBe(reports);
    expect(statSync(runDir).mode & 0o777).toBe(0o700);
    expect(readdirSync(runDir).sort()).toEqual(['failed.csv', 'journal.ndjson', 'report.html', 'results.csv', 'summary.json']);
    expect(r.stdout).toContain(runDir);
  });

  it('refuses a --report-dir that is a file (or under one) with exit 2 and a message, not a stack trace', async () => {
    const work = tempDir();
    const file = writeCsv(work, 'ok.csv', `id,name\n${testId(10)},X\n`);
    const notADir = writeCsv(work, 'not-a-dir', '');
    for (const reports of [notADir, path.join(notADir, 'sub')]) {
      const r = await importFile(file, reports);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`cannot use the report dir ${reports}: it is not a directory`);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
    expect(emulator.requests.some((q) => q.path.endsWith(testId(10)))).toBe(false);
  });

  it('names run folders from the clock and random hex only: nothing from input can escape the report dir', () => {
    for (const at of [new Date(0), new Date('2026-11-25T13:40:05.999Z'), new Date('9999-12-31T23:59:59Z')]) {
      const id = newRunId(at);
      expect(id).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ-[0-9a-f]{4}$/);
      expect(path.basename(id)).toBe(id);
    }
  });

  it('never reuses a run folder, even for many runs in the same second', () => {
    const reports = tempDir();
    const now = new Date('2026-11-25T13:40:05Z');
    // 400 ids from 65,536 suffixes: collisions are all but certain, and each one is retried.
    const dirs = Array.from({ length: 400 }, () => createRunDir(reports, now).dir);
    expect(new Set(dirs).size).toBe(400);
    expect(readdirSync(reports)).toHaveLength(400);
    expect(dirs.every((d) => path.dirname(d) === reports)).toBe(true);
  });
});
