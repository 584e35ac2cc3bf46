import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeConversation } from '../src/emulator/index.js';
import { EXPORT_COLUMNS } from '../src/export/options.js';
import { headerLine, rowLine } from '../src/export/write.js';
import { cleanCell } from '../src/values.js';
import type { Delimiter } from '../src/types.js';

const ID = '9974d75b-3338-44fe-a179-0134676b1b69';
const parseCsv = (text: string, delimiter: Delimiter): string[][] => parse(text, { delimiter, record_delimiter: '\r\n' }) as string[][];

describe('export lines', () => {
  it('writes the contract columns, CRLF, nulls as empty cells', () => {
    const c = makeConversation({
      id: ID,
      customer_name: null,
      customer_language: null,
      channel: 'webform',
      customer_identifier: 'a@example.com',
    });
    expect(headerLine(',')).toBe(`${EXPORT_COLUMNS.join(',')}\r\n`);
    expect(rowLine(c, ',')).toBe(`${ID},webform,a@example.com,active,,,${c.created_at}\r\n`);
  });

  it('quotes cells holding the delimiter, quotes or line breaks (RFC 4180)', () => {
    const c = makeConversation({ id: ID, customer_name: 'Semi;colon "x"', customer_language: 'en' });
    expect(rowLine(c, ';')).toContain(';"Semi;colon ""x""";en;');
    expect(rowLine(makeConversation({ id: ID, customer_name: 'Tab\tInside' }), '\t')).toContain('\t"Tab\tInside"\t');
    expect(rowLine(makeConversation({ id: ID, customer_name: 'a,b' }), ';')).toContain(';a,b;');
  });

  it("guards formula-like cells with a leading ' (names and +phone identifiers)", () => {
    const c = makeConversation({ id: ID, customer_name: '=HYPERLINK("http://x","y")', customer_identifier: '+14155550100' });
    const cells = parseCsv(rowLine(c, ','), ',')[0]!;
    expect(cells[2]).toBe("'+14155550100");
    expect(cells[4]).toBe(`'=HYPERLINK("http://x","y")`);
  });

  it('round-trips any API name through export, a CSV parser and the import cell cleaning', () => {
    const tricky = fc.string({ unit: fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', '"', ',', ';', "'", 'a', ' ', 'é', '😀', 'ع') });
    const name = fc
      .oneof(tricky, fc.string({ unit: 'grapheme', minLength: 1 }))
      // The API keeps names trimmed and non-empty; `'` + a formula character is the documented edge.
      .filter((s) => s !== '' && s === s.trim() && !/^'[=+\-@\t\r]/.test(s));
    fc.assert(
      fc.property(name, fc.constantFrom<Delimiter>(',', ';', '\t'), (customerName, delimiter) => {
        const line = rowLine(makeConversation({ id: ID, customer_name: customerName }), delimiter);
        const [cells] = parseCsv(headerLine(delimiter) + line, delimiter).slice(1);
        expect(cells).toHaveLength(EXPORT_COLUMNS.length);
        expect(cleanCell(cells![4]!)).toBe(customerName);
      }),
      { numRuns: 500 },
    );
  });

  it("loses the ' of a name that itself starts with ' and a formula character (documented edge)", () => {
    const line = rowLine(makeConversation({ id: ID, customer_name: "'=x" }), ',');
    expect(cleanCell(parseCsv(line, ',')[0]![4]!)).toBe('=x');
  });
});
