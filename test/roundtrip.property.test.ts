/**
 * Property (issue 7): any table of valid rows, serialised as CSV in any of the ways spreadsheets
 * and exports do it, imported against the emulator, leaves exactly the values of the table on the
 * server, row by row, with each row reported on the line where its record starts.
 */
import fc from 'fast-check';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../src/emulator/index.js';
import { cli, onlyRunDir, readResults, tempDir, writeCsv } from './helpers/cli.js';
import { emulatorWith, testId } from './helpers/emulator.js';

const RUNS = 25;
const MAX_ROWS = 8;

let emulator: Emulator;
beforeAll(async () => {
  emulator = await emulatorWith(MAX_ROWS);
});
afterAll(async () => {
  await emulator.close();
});

/** Pieces of names: delimiters, quotes, line breaks, emoji, RTL text, formula starters, spaces. */
const FRAGMENT = fc.constantFrom(
  'a',
  'Zoë',
  'ß',
  'José',
  ' ',
  '  ',
  '"',
  '""',
  ',',
  ';',
  '\t',
  '\n',
  '\r\n',
  '\r',
  "'",
  '=',
  '+',
  '-',
  '@',
  '👋',
  '🇫🇷',
  '👩‍👩‍👧',
  'مريم',
  'שלום',
  '日本',
  'Ω',
  '\u00a0',
  'x=1',
  "'=SUM(A1)",
  "'-5",
  "'@x",
);
const LANGUAGE = fc.constantFrom('', 'en', 'fr', 'pt-BR', 'en-US', 'de-CH', 'zh');

/** The contract's cell rule, restated here as the oracle: trim; `'` before a formula character goes. */
function sent(raw: string): string | null {
  const v = raw.trim();
  const unguarded = /^'[=+\-@\t\r]/.test(v) ? v.slice(1) : v;
  return unguarded === '' ? null : unguarded;
}

interface Row {
  upperId: boolean;
  name: string;
  language: string;
}

const row: fc.Arbitrary<Row> = fc
  .record({ upperId: fc.boolean(), name: fc.array(FRAGMENT, { maxLength: 12 }).map((parts) => parts.join('')), language: LANGUAGE })
  // Valid rows only: what is sent must be a name the API takes (no leading/trailing whitespace
  // left once a `'` guard is dropped).
  .filter((r) => {
    const name = sent(r.name);
    return name === null || name === name.trim();
  });

const COLUMNS = {
  id: ['id', 'conversation_id', 'Conversation ID', 'uuid'],
  name: ['customer_name', 'name', 'Name'],
  language: ['customer_language', 'language', 'lang'],
} as const;

const layout = fc.record({
  rows: fc.array(row, { minLength: 1, maxLength: MAX_ROWS }),
  order: fc.shuffledSubarray(['id', 'name', 'language'] as const, { minLength: 3, maxLength: 3 }),
  headerNames: fc.record({
    id: fc.constantFrom(...COLUMNS.id),
    name: fc.constantFrom(...COLUMNS.name),
    language: fc.constantFrom(...COLUMNS.language),
  }),
  delimiter: fc.constantFrom(',', ';', '\t'),
  eol: fc.constantFrom('\n', '\r\n'),
  bom: fc.boolean(),
  quoteAll: fc.boolean(),
  finalEol: fc.boolean(),
  empty: fc.constantFrom('null', 'keep'),
});

function cell(value: string, delimiter: string, quoteAll: boolean): string {
  const needs = value.includes(delimiter) || /["\r\n]/.test(value);
  return quoteAll || needs ? `"${value.replaceAll('"', '""')}"` : value;
}

const lineBreaks = (s: string): number => (s.match(/\r\n|\r|\n/g) ?? []).length;

describe('round trip: CSV table → PATCHes → server state', () => {
  it('leaves exactly the table on the server, whatever the serialisation', async () => {
    await fc.assert(
      fc.asyncProperty(layout, async (t) => {
        // The same ids every run (and while shrinking): what a cell leaves untouched is whatever
        // the previous run left there.
        const ids = t.rows.map((_, i) => testId(i + 1));
        const before = ids.map((id) => emulator.get(id)!);
        const records = [t.order.map((c) => cell(t.headerNames[c], t.delimiter, t.quoteAll))];
        for (const [i, r] of t.rows.entries()) {
          const values = { id: r.upperId ? ids[i]!.toUpperCase() : ids[i]!, name: r.name, language: r.language };
          records.push(t.order.map((c) => cell(values[c], t.delimiter, t.quoteAll)));
        }
        const lines = records.map((cells) => cells.join(t.delimiter));
        const text = (t.bom ? '\ufeff' : '') + lines.join(t.eol) + (t.finalEol ? t.eol : '');

        const work = tempDir();
        const reports = path.join(work, 'reports');
        const r = await cli(
          [
            'import',
            writeCsv(work, 'table.csv', text),
            '--base-url',
            emulator.baseUrl,
            '--report-dir',
            reports,
            '--rate',
            '1000000',
            '--empty',
            t.empty,
            // The table is the truth: its empty cells clear on purpose, in any number.
            '--allow-clears',
            '--quiet',
          ],
          { env: { VOREL_API_KEY: emulator.apiKey } },
        );
        const results = readResults(onlyRunDir(reports));
        expect(results).toHaveLength(t.rows.length);

        let line = 2;
        for (const [i, tr] of t.rows.entries()) {
          const id = ids[i]!;
          const { customer_name: nameBefore, customer_language: languageBefore } = before[i]!;
          const name = sent(tr.name);
          const language = tr.language === '' ? null : tr.language;
          const keep = t.empty === 'keep';
          const result = results[i]!;
          expect(result.line, `row ${i}`).toBe(String(line));
          line += 1 + lineBreaks(lines[i + 1]!);
          if (keep && name === null && language === null) {
            expect(result).toMatchObject({ outcome: 'invalid', error_code: 'no_fields' });
            expect(emulator.get(id)).toMatchObject({ customer_name: nameBefore, customer_language: languageBefore });
            continue;
          }
          expect(result, `row ${i}: ${JSON.stringify(tr)}`).toMatchObject({ id, outcome: 'updated', attempts: '1' });
          expect(emulator.get(id), `row ${i}: ${JSON.stringify(tr)}`).toMatchObject({
            customer_name: keep && name === null ? nameBefore : name,
            customer_language: keep && language === null ? languageBefore : language,
          });
        }
        expect(r.code).toBe(results.every((x) => x.outcome === 'updated') ? 0 : 1);
      }),
      { numRuns: RUNS },
    );
  });
});
