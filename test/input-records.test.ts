import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { scratchDir } from './helpers/scratch.js';
import { describe, expect, it } from 'vitest';
import { RecordFramer } from '../src/input/framer.js';
import { readRecordBatches, type ReadRecordsOptions } from '../src/input/records.js';
import { readRecords } from './helpers/records.js';
import { openInput, type OpenInputOptions } from '../src/input/source.js';
import type { Delimiter, InputEncoding, SourceRecord } from '../src/types.js';

const REAL_EXPORTS = join(import.meta.dirname, '../fixtures/real-exports');
const CORPUS = join(import.meta.dirname, '../fixtures/corpus');
const { tmpFile } = scratchDir('vorel-records-');

async function collect(
  content: string | Buffer,
  open: Partial<OpenInputOptions> = {},
  read: ReadRecordsOptions = {},
): Promise<SourceRecord[]> {
  const source = await openInput({ path: tmpFile(content), ...open });
  const out: SourceRecord[] = [];
  for await (const batch of readRecordBatches(source, read)) out.push(...batch);
  return out;
}

/** `[line, endLine, cells | code]` for compact assertions. */
const brief = (records: SourceRecord[]) =>
  records.map((r) => (r.kind === 'record' ? [r.line, r.endLine, r.cells] : [r.line, r.endLine, r.code]));

const nullIfEmpty = (s: string | undefined): string | null => (s === undefined || s.trim() === '' ? null : s.trim());

describe('real LibreOffice exports', () => {
  const expected = JSON.parse(readFileSync(join(REAL_EXPORTS, 'expected.json'), 'utf8')) as Record<
    string,
    { options: string[]; rows: { line: number; id: string; customer_name: string | null; customer_language: string | null }[] }
  >;
  const cases: [string, InputEncoding | undefined, InputEncoding, Delimiter][] = [
    ['libreoffice-utf8-comma.csv', undefined, 'utf-8', ','],
    ['libreoffice-utf16-tab.csv', undefined, 'utf-16le', '\t'],
    ['libreoffice-cp1252-semicolon.csv', 'windows-1252', 'windows-1252', ';'],
  ];
  for (const [file, forced, encoding, delimiter] of cases) {
    it(`reads every row of ${file} at its line with its values (${encoding}, ${JSON.stringify(delimiter)})`, async () => {
      const source = await openInput({ path: join(REAL_EXPORTS, file), encoding: forced });
      expect(source.encoding).toBe(encoding);
      expect(source.delimiter).toBe(delimiter);
      const records: SourceRecord[] = [];
      for await (const r of readRecords(source)) records.push(r);
      const [header, ...rows] = records;
      expect(header).toMatchObject({ kind: 'record', line: 1, cells: ['Conversation ID', 'Customer Name', 'Language'] });
      const got = rows.map((r) => {
        if (r.kind !== 'record') throw new Error(`broken record at line ${r.line}`);
        expect(r.badEncoding).toBe(false);
        return { line: r.line, id: r.cells[0], customer_name: nullIfEmpty(r.cells[1]), customer_language: nullIfEmpty(r.cells[2]) };
      });
      expect(got).toEqual(expected[file]?.rows);
    });
  }

  it('decodes Windows-1252 bytes 0x80–0x9F as € ’ “ Œ œ, not as control characters', async () => {
    const bytes = Buffer.concat([Buffer.from('name\n'), Buffer.from([0x80, 0x92, 0x93, 0x8c, 0x9c, 0x0a])]);
    const records = await collect(bytes, { encoding: 'windows-1252' });
    expect(records[1]).toMatchObject({ cells: ['€’“Œœ'], badEncoding: false });
  });
});

describe('line numbers', () => {
  it('counts CRLF as one line break, also inside a quoted cell', async () => {
    const records = await collect('id,name\r\n1,"two\r\nlines"\r\n2,x\r\n');
    expect(brief(records)).toEqual([
      [1, 1, ['id', 'name']],
      [2, 3, ['1', 'two\r\nlines']],
      [4, 4, ['2', 'x']],
    ]);
  });

  it('reads multi-line quoted cells with LF and reports start and end lines', async () => {
    const records = await collect('a,b\n"x\n\ny",1\n2,3\n');
    expect(brief(records)).toEqual([
      [1, 1, ['a', 'b']],
      [2, 4, ['x\n\ny', '1']],
      [5, 5, ['2', '3']],
    ]);
  });

  it('treats a lone CR as a line break (classic Mac files)', async () => {
    const records = await collect('a,b\r1,2\r"x\ry",3\r');
    expect(brief(records)).toEqual([
      [1, 1, ['a', 'b']],
      [2, 2, ['1', '2']],
      [3, 4, ['x\ry', '3']],
    ]);
  });

  it('reads the last record when the file has no trailing newline', async () => {
    expect(brief(await collect('a,b\n1,2\n3,4'))).toEqual([
      [1, 1, ['a', 'b']],
      [2, 2, ['1', '2']],
      [3, 3, ['3', '4']],
    ]);
  });

  it('strips a UTF-8 BOM and counts CRLF lines after it', async () => {
    const records = await collect(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id,name\r\n1,a\r\n\r\n2,b\r\n')]));
    expect(brief(records)).toEqual([
      [1, 1, ['id', 'name']],
      [2, 2, ['1', 'a']],
      [4, 4, ['2', 'b']],
    ]);
  });

  it('skips blank lines, all-empty and whitespace-only records but keeps counting their lines', async () => {
    const records = await collect('\n\nid,name\n,\n  , \t\n""," "\n1,a\n');
    expect(brief(records)).toEqual([
      [3, 3, ['id', 'name']],
      [7, 7, ['1', 'a']],
    ]);
  });

  it('keeps a CRLF split across 1-byte chunks as one line break', async () => {
    const records = await collect('a,b\r\n"x\r\ny",1\r\n2,3', {}, { frameBytes: 1 });
    expect(brief(records)).toEqual([
      [1, 1, ['a', 'b']],
      [2, 3, ['x\r\ny', '1']],
      [4, 4, ['2', '3']],
    ]);
  });
});

describe('quotes', () => {
  it('keeps a quote inside an unquoted field literally (ab"c)', async () => {
    expect(brief(await collect('a,b\nab"c,d\n'))[1]).toEqual([2, 2, ['ab"c', 'd']]);
  });

  it('appends text after a closing quote literally ("ab"c → abc)', async () => {
    expect(brief(await collect('a,b\n"ab"c,d\n"x"" y" z,e\n')).slice(1)).toEqual([
      [2, 2, ['abc', 'd']],
      [3, 3, ['x" y z', 'e']],
    ]);
  });

  it('reads doubled quotes, delimiters and line breaks inside quotes', async () => {
    expect(brief(await collect('a;b\n"x;""y""\n";z\n', { delimiter: ';' }))[1]).toEqual([2, 3, ['x;"y"\n', 'z']]);
  });

  it('yields ragged rows as they are (the validator judges cell counts)', async () => {
    expect(brief(await collect('a,b\n1\n1,2,3\n')).slice(1)).toEqual([
      [2, 2, ['1']],
      [3, 3, ['1', '2', '3']],
    ]);
  });
});

describe('unclosed quote', () => {
  it('yields the rows before it, then the rest of the file as one broken span from the opening line', async () => {
    const records = await collect('id,name\n1,a\n2,"b\n3,c\n4,d\n');
    expect(brief(records)).toEqual([
      [1, 1, ['id', 'name']],
      [2, 2, ['1', 'a']],
      [3, 5, 'unclosed_quote'],
    ]);
    expect(records[2]).toMatchObject({ message: expect.stringContaining('line 3') });
  });

  it('ends the broken span at the last line when the file has no trailing newline', async () => {
    expect(brief(await collect('id\n"x\ny')).at(-1)).toEqual([2, 3, 'unclosed_quote']);
  });

  it('stays one span (not field_too_large) when the unclosed field runs past the size limit', async () => {
    const records = await collect(`id\n1\n"${'x'.repeat(5000)}\n2\n`, {}, { maxFieldChars: 100 });
    expect(brief(records).slice(1)).toEqual([
      [2, 2, ['1']],
      [3, 4, 'unclosed_quote'],
    ]);
  });
});

describe('field size limit', () => {
  it('reports a 1 MB field as field_too_large without its text, and reads the rows after it', async () => {
    const big = 'x'.repeat(1024 * 1024);
    const records = await collect(`id,name\n1,a\n2,${big}\n3,c\n`);
    expect(brief(records)).toEqual([
      [1, 1, ['id', 'name']],
      [2, 2, ['1', 'a']],
      [3, 3, 'field_too_large'],
      [4, 4, ['3', 'c']],
    ]);
    expect(JSON.stringify(records[2]).length).toBeLessThan(1000);
  });

  it('tracks quotes inside a huge quoted field to find where its record ends', async () => {
    const big = `"${'y,\n""'.repeat(300_000)}"`; // 1.5 MB with delimiters, breaks and doubled quotes
    const records = await collect(`id,name\n1,${big}\n3,c\n`);
    expect(brief(records).slice(1)).toEqual([
      [2, 300_002, 'field_too_large'],
      [300_003, 300_003, ['3', 'c']],
    ]);
  });

  it('honours maxFieldChars exactly: a field of the limit passes, one more character does not', async () => {
    const records = await collect(`v\n${'a'.repeat(10)}\n${'b'.repeat(11)}\n`, {}, { maxFieldChars: 10 });
    expect(brief(records).slice(1)).toEqual([
      [2, 2, ['a'.repeat(10)]],
      [3, 3, 'field_too_large'],
    ]);
  });

  it('treats one huge record of small cells as field_too_large too (memory stays bounded)', async () => {
    const records = await collect(`v\n${'a,'.repeat(2000)}\nb\n`, {}, { maxFieldChars: 10 });
    expect(brief(records).slice(1)).toEqual([
      [2, 2, 'field_too_large'],
      [3, 3, ['b']],
    ]);
  });
});

describe('encoding', () => {
  it('flags invalid UTF-8 bytes and NUL as badEncoding on that record only', async () => {
    const bytes = Buffer.concat([
      Buffer.from('id,name\n1,ok\n2,'),
      Buffer.from([0xc3, 0x28]), // invalid continuation byte
      Buffer.from('\n3,a\u0000b\n4,fine\n'),
    ]);
    const records = await collect(bytes);
    expect(records.map((r) => (r.kind === 'record' ? r.badEncoding : r.code))).toEqual([false, false, true, true, false]);
  });

  it('decodes multi-byte UTF-8 characters split across 1-byte chunks', async () => {
    const records = await collect('name\nZoë 👋 日本 €\n', {}, { frameBytes: 1 });
    expect(records[1]).toMatchObject({ cells: ['Zoë 👋 日本 €'], badEncoding: false });
  });

  it('decodes UTF-16LE and UTF-16BE with BOM across 1-byte chunks', async () => {
    const text = 'a\tb\r\nZoë 👋\t"x\r\ny"\r\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
    for (const bytes of [le, be]) {
      expect(brief(await collect(bytes, {}, { frameBytes: 1 }))).toEqual([
        [1, 1, ['a', 'b']],
        [2, 3, ['Zoë 👋', 'x\r\ny']],
      ]);
    }
  });

  it('flags a dangling odd byte at the end of a UTF-16 file as badEncoding', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a\nb', 'utf16le'), Buffer.from([0x41])]);
    expect((await collect(bytes)).at(-1)).toMatchObject({ badEncoding: true });
  });
});

describe('streaming', () => {
  it('does not read ahead of a slow consumer (a large file is not buffered)', async () => {
    const source = await openInput({ path: tmpFile(`id,name\n${'00000000-0000-0000-0000-000000000000,name\n'.repeat(200_000)}`) });
    let bytesRead = 0;
    const records = readRecords(source, { onBytes: (n) => (bytesRead = n) });
    await records.next();
    await records.next();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(bytesRead).toBeGreaterThan(0);
    expect(bytesRead).toBeLessThanOrEqual(3 * 64 * 1024);
    await records.return(undefined);
  });

  it('reports cumulative bytes read, reaching the file size', async () => {
    const content = `id\n${'1\n'.repeat(50_000)}`;
    const source = await openInput({ path: tmpFile(content) });
    const seen: number[] = [];
    for await (const _ of readRecords(source, { onBytes: (n) => seen.push(n) })) void _;
    expect(seen.at(-1)).toBe(source.size);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });
});

// ---------------------------------------------------------------------------------------------
// Properties: csv-parse is the oracle for cells; counting line breaks is the oracle for lines.

const cellArb = fc
  .array(
    fc.oneof(
      fc.constantFrom(',', ';', '\t', '"', '""', '\r', '\n', '\r\n', ' ', 'é', '€', '👋', 'שלום', '\u00a0', '日本'),
      fc.string({ unit: 'grapheme', maxLength: 4 }),
    ),
    { maxLength: 5 },
  )
  .map((parts) => parts.join(''));

const tableArb = fc.record({
  rows: fc.array(fc.array(cellArb, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 12 }),
  delimiter: fc.constantFrom<Delimiter>(',', ';', '\t'),
  // One line ending per row; `mixed: false` uses the first for every row (one file, one style).
  eols: fc.array(fc.constantFrom('\n', '\r\n', '\r'), { minLength: 12, maxLength: 12 }),
  mixed: fc.boolean(),
  quoteAll: fc.boolean(),
  trailingEol: fc.boolean(),
  cuts: fc.array(fc.nat(), { maxLength: 6 }),
});

type Table = typeof tableArb extends fc.Arbitrary<infer T> ? T : never;

const eolOf = (t: Table, row: number): string => (t.mixed ? t.eols[row] : t.eols[0])!;

/** Serialises like a spreadsheet would: quotes where needed (or always), doubled quotes. */
function serialise(t: Table): { text: string; spans: { start: number; end: number }[] } {
  const needsQuotes = (c: string) => c.includes(t.delimiter) || /["\r\n]/.test(c);
  let text = '';
  const spans: { start: number; end: number }[] = [];
  t.rows.forEach((row, i) => {
    const start = text.length;
    text += row.map((c) => (t.quoteAll || needsQuotes(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(t.delimiter);
    spans.push({ start, end: text.length });
    if (i < t.rows.length - 1 || t.trailingEol) text += eolOf(t, i);
  });
  return { text, spans };
}

/** Frames the text fed in arbitrary chunks (cut points from the property). */
function frame(text: string, delimiter: Delimiter, cuts: number[]): SourceRecord[] {
  const framer = new RecordFramer({ delimiter, maxFieldChars: 1 << 20, maxRecordChars: 1 << 24 });
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: SourceRecord[] = [];
  let from = 0;
  for (const p of [...points, text.length]) {
    out.push(...framer.push(text.slice(from, p)));
    from = p;
  }
  out.push(...framer.end());
  return out;
}

const notBlank = (cells: string[]) => cells.some((c) => c.trim() !== '');
const linesBefore = (text: string, offset: number) => 1 + (text.slice(0, offset).match(/\r\n|\r|\n/g)?.length ?? 0);

describe('properties', () => {
  it('yields the same cells as csv-parse for any well-formed CSV, line endings mixed within a file too, in any chunking', () => {
    fc.assert(
      fc.property(tableArb, (t) => {
        const { text } = serialise(t);
        const recordDelimiter = t.mixed ? ['\r\n', '\n', '\r'] : eolOf(t, 0);
        const oracle = (
          parse(text, { delimiter: t.delimiter, record_delimiter: recordDelimiter, relax_column_count: true }) as string[][]
        ).filter(notBlank);
        const ours = frame(text, t.delimiter, t.cuts).map((r) => (r.kind === 'record' ? r.cells : r.code));
        expect(ours).toEqual(oracle);
      }),
      { numRuns: 500 },
    );
  });

  it('gives each record the start and end line found by counting line breaks before it', () => {
    fc.assert(
      fc.property(tableArb, (t) => {
        const { text, spans } = serialise(t);
        const expected = spans
          .filter((_, i) => notBlank(t.rows[i] ?? []))
          .map((s) => [linesBefore(text, s.start), linesBefore(text, s.end)]);
        const ours = frame(text, t.delimiter, t.cuts).map((r) => [r.line, r.endLine]);
        expect(ours).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The corpus: reader-level facts behind each file's expected CLI outcome.

interface CorpusExpectation {
  options: string[];
  exit: number;
  rows: { line: number; outcome: 'valid' | 'invalid'; error_code?: string }[];
  usage_error?: string;
}

describe('corpus (reader level)', () => {
  const files = readdirSync(CORPUS).filter((f) => f.endsWith('.csv'));

  it('has at least 25 files, each with an expected outcome', () => {
    expect(files.length).toBeGreaterThanOrEqual(25);
    for (const f of files) expect(readdirSync(CORPUS)).toContain(f.replace(/\.csv$/, '.expected.json'));
  });

  for (const file of files) {
    it(`${file}: one yielded data record per expected row, at its line`, async () => {
      const expected = JSON.parse(readFileSync(join(CORPUS, file.replace(/\.csv$/, '.expected.json')), 'utf8')) as CorpusExpectation;
      const opt = (name: string) => {
        const i = expected.options.indexOf(name);
        return i < 0 ? undefined : expected.options[i + 1];
      };
      const open = openInput({
        path: join(CORPUS, file),
        encoding: opt('--encoding') as InputEncoding | undefined,
        delimiter: (opt('--delimiter') === '\\t' ? '\t' : opt('--delimiter')) as Delimiter | undefined,
      });
      if (expected.usage_error !== undefined && /is empty/.test(expected.usage_error)) {
        await expect(open).rejects.toThrow(expected.usage_error);
        return;
      }
      const records: SourceRecord[] = [];
      for await (const r of readRecords(await open)) records.push(r);
      if (expected.exit === 2) return; // a header-level usage error: the reader itself has nothing to say
      const rows = records.slice(1);
      expect(rows.map((r) => r.line)).toEqual(expected.rows.map((r) => r.line));
      rows.forEach((r, i) => {
        const code = expected.rows[i]?.error_code;
        if (r.kind === 'broken') expect(r.code).toBe(code);
        else expect(r.badEncoding).toBe(code === 'bad_encoding');
      });
    });
  }
});
