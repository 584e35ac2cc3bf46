import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvLine } from '../src/report/csv.js';
import { RESULTS_HEADER, resultFields, resultLineBound, writeResultLine } from '../src/report/results.js';
import { FAILED_CODES, INVALID_CODES, NOT_ATTEMPTED_CODES, type RowOutcome, type RowResult } from '../src/types.js';
import { FORMULA_START } from '../src/values.js';

/** results.csv's line as text: the fields, neutralised and quoted by csv.ts. */
const textLine = (row: RowResult, supersededBy: number | undefined): Buffer => {
  const fields = resultFields(row, supersededBy);
  return Buffer.from(
    csvLine(
      RESULTS_HEADER.map((column) => fields[column]),
      { neutralise: true },
    ),
  );
};

/** Cells that reach the quoting and neutralising rules: quotes, commas, line breaks, formula starts, any UTF-16 (lone surrogates too). */
const cell = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', '"', ',', '\r', '\n', '=', '+', '-', '@', '\t', "'", ' ', 'é', '日', '👋') }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.integer({ min: 0xd7f0, max: 0xe010 }).map((c) => String.fromCharCode(c)) }),
);
const count = fc.oneof(fc.nat(), fc.constantFrom(0, 9, 10, 99, 100, 2 ** 32, Number.MAX_SAFE_INTEGER));
const status = fc.option(fc.constantFrom(200, 400, 404, 422, 429, 503), { nil: null });

const outcome: fc.Arbitrary<RowOutcome> = fc.oneof(
  fc.record({ kind: fc.constantFrom('updated', 'unchanged', 'would_update'), httpStatus: status, attempts: count }),
  fc.constant({ kind: 'valid' as const }),
  fc.record({
    kind: fc.constant('invalid' as const),
    code: fc.constantFrom(...INVALID_CODES),
    message: cell,
    httpStatus: status,
    attempts: count,
  }),
  fc.record({
    kind: fc.constant('failed' as const),
    code: fc.constantFrom(...FAILED_CODES),
    message: cell,
    httpStatus: status,
    attempts: count,
  }),
  fc.record({ kind: fc.constant('not_attempted' as const), code: fc.constantFrom(...NOT_ATTEMPTED_CODES), message: cell, attempts: count }),
);
const row: fc.Arbitrary<RowResult> = fc.record({
  line: count,
  endLine: count,
  id: fc.option(cell, { nil: null }),
  patch: fc.record({ customer_name: fc.option(cell), customer_language: fc.option(cell) }, { requiredKeys: [] }),
  before: fc.option(fc.record({ customer_name: fc.option(cell, { nil: null }), customer_language: fc.option(cell, { nil: null }) }), {
    nil: null,
  }),
  outcome,
});

describe('results.csv lines written as bytes', () => {
  it('are the bytes of the text line, for any row, superseded or not', () => {
    fc.assert(
      fc.property(row, fc.option(count, { nil: undefined }), (r, supersededBy) => {
        const out = Buffer.alloc(resultLineBound(r, supersededBy) + 8, 0xff);
        const end = writeResultLine(out, 3, r, supersededBy);
        expect(end).toBeGreaterThan(3);
        expect(out.subarray(3, end).toString('hex')).toBe(textLine(r, supersededBy).toString('hex'));
        expect(out.subarray(end).every((b) => b === 0xff)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('write nothing when the line might not fit', () => {
    const r: RowResult = { line: 12, endLine: 12, id: 'x', patch: { customer_name: 'Zoë' }, before: null, outcome: { kind: 'valid' } };
    const bound = resultLineBound(r, undefined);
    const out = Buffer.alloc(bound + 4, 0xff);
    expect(writeResultLine(out, 5, r, undefined)).toBe(-1);
    expect(out.every((b) => b === 0xff)).toBe(true);
    expect(writeResultLine(out, 4, r, undefined)).toBe(4 + textLine(r, undefined).length);
  });

  it('neutralise exactly the characters FORMULA_START names', () => {
    const r = (name: string): RowResult => ({
      line: 2,
      endLine: 2,
      id: null,
      patch: { customer_name: name },
      before: null,
      outcome: { kind: 'valid' },
    });
    for (let c = 0; c < 0x800; c++) {
      const name = `${String.fromCharCode(c)}x`;
      const out = Buffer.alloc(resultLineBound(r(name), undefined));
      const line = out.subarray(0, writeResultLine(out, 0, r(name), undefined)).toString();
      expect(line.includes(`'${name}`)).toBe(FORMULA_START.test(name));
    }
  });
});

describe('csvLine', () => {
  it('quotes, neutralises and encodes as the plain string rules and Buffer.from do', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(cell, { nil: null }), { maxLength: 6 }),
        fc.boolean(),
        fc.constantFrom(',', ';', '\t'),
        (cells, neutralise, delimiter) => {
          const text = (c: string | null): string => {
            if (c === null) return '';
            const v = neutralise && FORMULA_START.test(c) ? `'${c}` : c;
            return /["\r\n]/.test(v) || v.includes(delimiter) ? `"${v.replaceAll('"', '""')}"` : v;
          };
          const want = Buffer.from(`${cells.map(text).join(delimiter)}\r\n`).toString();
          expect(csvLine(cells, { neutralise, delimiter })).toBe(want);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
