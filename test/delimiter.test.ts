/**
 * `--delimiter` takes any one character (docs/cli.md): parsing the option, Excel's `sep=` line,
 * the hint for a header read as one column, the framer on any delimiter (an emoji's two UTF-16
 * units cut across chunks too), and a pipe-delimited import against the emulator whose retry
 * command repeats the delimiter.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../src/emulator/index.js';
import { UsageError } from '../src/errors.js';
import { delimiterHint, parseDelimiterArg, sepLineDelimiter } from '../src/input/delimiter.js';
import { RecordFramer } from '../src/input/framer.js';
import { readRecords } from './helpers/records.js';
import { openInput } from '../src/input/source.js';
import type { Delimiter } from '../src/types.js';
import { cli, onlyRunDir, readResults, readRun, tempDir, writeCsv } from './helpers/cli.js';
import { emulatorWith, testId } from './helpers/emulator.js';

describe('parseDelimiterArg', () => {
  it.each([
    ['|', '|'],
    ['^', '^'],
    ['~', '~'],
    [';', ';'],
    ['€', '€'],
    ['😀', '😀'],
    ['tab', '\t'],
    ['TAB', '\t'],
    ['\\t', '\t'],
    ['\t', '\t'],
    ['comma', ','],
    ['semicolon', ';'],
  ])('takes %j as %j', (arg, want) => {
    expect(parseDelimiterArg(arg)).toBe(want);
  });

  it.each(['"', '\r', '\n', '', '||', 'ab', 'e\u0301'])('refuses %j (exit 2)', (arg) => {
    expect(() => parseDelimiterArg(arg)).toThrow(UsageError);
  });
});

describe("Excel's sep= line", () => {
  it.each([
    ['sep=;', ';'],
    ['SEP=|', '|'],
    ['sep=\t', '\t'],
    ['sep=^  ', '^'],
    ['sep=😀', '😀'],
  ])('%j names %j', (line, want) => {
    expect(sepLineDelimiter(line)).toBe(want);
  });

  it.each(['sep=', 'sep="', 'sep=;;', 'sep= ', 'id;sep=;', 'sep=;x'])('%j is not one', (line) => {
    expect(sepLineDelimiter(line)).toBeUndefined();
  });

  it('is skipped once, whether it names the delimiter or one was forced', async () => {
    const dir = tempDir();
    for (const [content, forced, want] of [
      ['sep=|\r\nid|name\r\n1|a\r\n', undefined, '|'],
      ['sep=;\nid,name\n1,a\n', ',', ','],
      ['sep=|\nid^name\n1^a\n', '^', '^'],
    ] as const) {
      const source = await openInput({ path: writeCsv(dir, 'sep.csv', content), delimiter: forced as Delimiter | undefined });
      expect(source).toMatchObject({ delimiter: want, sepLine: true });
      const cells = [];
      for await (const r of readRecords(source)) if (r.kind === 'record') cells.push(r.cells);
      expect(cells).toEqual([
        ['id', 'name'],
        ['1', 'a'],
      ]);
    }
  });
});

describe('delimiterHint', () => {
  it('names the likely separator of a header read as one column', () => {
    expect(delimiterHint(['id|customer_name|customer_language'], ',')).toMatch(/--delimiter '\|'$/);
    expect(delimiterHint(['id^name'], ',')).toMatch(/--delimiter '\^'$/);
    expect(delimiterHint(['id\tname'], '|' as Delimiter)).toMatch(/--delimiter tab$/);
  });

  it('says nothing for several columns or a header without a likely separator', () => {
    expect(delimiterHint(['id', 'name|x'], ',')).toBeNull();
    expect(delimiterHint(['Conversation ID'], ',')).toBeNull();
  });
});

describe('the framer on any delimiter', () => {
  const delimiter = fc.constantFrom<Delimiter[]>(...(['|', '^', '~', '€', ' ', '😀', '\u{1F1EB}', 'a'] as Delimiter[]));
  const cell = fc.string({ unit: fc.constantFrom('x', 'é', '"', '\n', '\r\n', ' ', '|', '😀', '\uD83D', ',', 'a'), maxLength: 6 });

  it('gives back the cells written with it, however the text is cut into chunks', () => {
    fc.assert(
      fc.property(
        delimiter,
        fc.array(fc.array(cell, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (d, rows, cuts) => {
          // Every cell quoted (quotes doubled), a row of `k` as its first cell so no record is blank.
          const kept = rows.map((r, i) => [`k${i}`, ...r]);
          const text = kept.map((r) => r.map((c) => `"${c.replaceAll('"', '""')}"`).join(d)).join('\n');
          const framer = new RecordFramer({ delimiter: d, maxFieldChars: 1000, maxRecordChars: 10_000 });
          const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const records = [];
          let from = 0;
          for (const to of [...at, text.length]) {
            records.push(...framer.push(text.slice(from, to)));
            from = to;
          }
          records.push(...framer.end());
          expect(records.map((r) => (r.kind === 'record' ? r.cells : r.code))).toEqual(kept);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('splits unquoted cells on an emoji delimiter cut between its two halves', () => {
    const framer = new RecordFramer({ delimiter: '😀' as Delimiter, maxFieldChars: 100, maxRecordChars: 1000 });
    const text = 'a😀b😀c\n';
    const out = [...framer.push(text.slice(0, 2)), ...framer.push(text.slice(2)), ...framer.end()];
    expect(out).toMatchObject([{ kind: 'record', cells: ['a', 'b', 'c'], badEncoding: false }]);
  });
});

describe('import --delimiter against the emulator', () => {
  let emulator: Emulator | undefined;
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });

  it("imports a pipe-delimited file with --delimiter '|'; the retry command repeats it", async () => {
    emulator = await emulatorWith(3);
    const dir = tempDir();
    const reports = path.join(dir, 'reports');
    const file = writeCsv(
      dir,
      'pipes.csv',
      `id|customer_name|customer_language\r\n${testId(1)}|Doe, Jane|fr\r\n${testId(2)}|"A | B"|de\r\n${testId(3)}|Bad Lang|EN\r\n`,
    );
    const env = { VOREL_API_KEY: emulator.apiKey };
    const r = await cli(
      ['import', file, '--delimiter', '|', '--base-url', emulator.baseUrl, '--report-dir', reports, '--quiet', '--json'],
      { env },
    );
    expect(r.code).toBe(1);
    expect(emulator.get(testId(1))).toMatchObject({ customer_name: 'Doe, Jane', customer_language: 'fr' });
    expect(emulator.get(testId(2))).toMatchObject({ customer_name: 'A | B', customer_language: 'de' });
    const runDir = onlyRunDir(reports);
    const { summary, failed } = readRun(runDir);
    expect(summary.input.delimiter).toBe('|');
    expect(readResults(runDir).map((x) => [x.outcome, x.error_code])).toEqual([
      ['updated', ''],
      ['updated', ''],
      ['invalid', 'bad_language'],
    ]);
    // failed.csv keeps the input's bytes (pipes and all), and the command says how to read them.
    expect(failed.toString()).toBe(`id|customer_name|customer_language\r\n${testId(3)}|Bad Lang|EN\r\n`);
    const retry = summary.retry_command as string;
    expect(retry).toContain(`--delimiter '|'`);

    // Fixed and sent again with the printed command's own words: the third row goes through.
    const failedCsv = path.join(runDir, 'failed.csv');
    writeCsv(runDir, 'failed.csv', readFileSync(failedCsv, 'utf8').replace('|EN', '|en'));
    const words = [...retry.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
    expect(words.slice(0, 2)).toEqual(['vorel-sync', 'import']);
    const again = await cli([...words.slice(1), '--quiet'], { env });
    expect(again.code).toBe(0);
    expect(emulator.get(testId(3))).toMatchObject({ customer_name: 'Bad Lang', customer_language: 'en' });
  });

  it('suggests --delimiter when the header is read as one column holding a pipe', async () => {
    const dir = tempDir();
    const file = writeCsv(dir, 'pipes.csv', `id|customer_name\n${testId(1)}|x\n`);
    const r = await cli(['import', file, '--dry-run', '--report-dir', path.join(dir, 'reports')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`pass --delimiter '|'`);
  });
});
