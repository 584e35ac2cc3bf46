import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { scratchDir } from './helpers/scratch.js';
import { describe, expect, it } from 'vitest';
import { copyRecordSpans } from '../src/input/failed-copy.js';
import { readRecords } from './helpers/records.js';
import { openInput, type InputSource } from '../src/input/source.js';
import type { InputEncoding, LineSpan, SourceRecord } from '../src/types.js';

const REAL_EXPORTS = join(import.meta.dirname, '../fixtures/real-exports');
const { dir, tmpFile } = scratchDir('vorel-failed-');

async function recordsOf(source: InputSource): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const r of readRecords(source)) out.push(r);
  return out;
}

/** Copies the records at the given start lines (the header is always copied) and returns the bytes. */
async function copyLines(source: InputSource, lines: number[], readBytes?: number): Promise<{ bytes: Buffer; written: number }> {
  const [header, ...rows] = await recordsOf(source);
  if (header === undefined) throw new Error('no header');
  const spans = rows.filter((r) => lines.includes(r.line)).map((r): LineSpan => ({ line: r.line, endLine: r.endLine }));
  const outPath = `${tmpFile('')}.out`;
  const written = await copyRecordSpans(source, header, spans, outPath, readBytes === undefined ? {} : { readBytes });
  return { bytes: readFileSync(outPath), written };
}

const enc = (text: string, encoding: InputEncoding): Buffer =>
  encoding === 'utf-16le'
    ? Buffer.from(text, 'utf16le')
    : encoding === 'utf-16be'
      ? Buffer.from(text, 'utf16le').swap16()
      : Buffer.from(text, 'latin1');

describe('copyRecordSpans', () => {
  it('copies BOM, header and the chosen CRLF records byte for byte (UTF-8)', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const body = 'id,name\r\n1,Zoë 👋\r\n2,ok\r\n3,"two\r\nlines"\r\n4,ok\r\n';
    const source = await openInput({ path: tmpFile(Buffer.concat([bom, Buffer.from(body)])) });
    const { bytes, written } = await copyLines(source, [2, 4]);
    expect(written).toBe(2);
    expect(bytes).toEqual(Buffer.concat([bom, Buffer.from('id,name\r\n1,Zoë 👋\r\n3,"two\r\nlines"\r\n')]));
  });

  it('copies rows of the real UTF-16LE export exactly, 2-byte line breaks included', async () => {
    const path = join(REAL_EXPORTS, 'libreoffice-utf16-tab.csv');
    const original = readFileSync(path);
    const source = await openInput({ path });
    const { bytes } = await copyLines(source, [9, 14, 22]);
    const lines = original.subarray(2).toString('utf16le').split('\n');
    const expected = [lines[0], lines[8], lines[9], lines[13], lines[21]].map((l) => `${l}\n`).join('');
    expect(bytes).toEqual(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(expected, 'utf16le')]));
  });

  it('copies every row of the real exports back to the identical file', async () => {
    for (const [file, encoding] of [
      ['libreoffice-utf8-comma.csv', undefined],
      ['libreoffice-utf16-tab.csv', undefined],
      ['libreoffice-cp1252-semicolon.csv', 'windows-1252'],
    ] as const) {
      const path = join(REAL_EXPORTS, file);
      const source = await openInput({ path, encoding });
      const records = await recordsOf(source);
      const { bytes } = await copyLines(
        source,
        records.map((r) => r.line),
        7,
      ); // odd chunks split UTF-16 units
      expect(bytes.equals(readFileSync(path)), file).toBe(true);
    }
  });

  it('copies Windows-1252 bytes 0x80–0x9F untouched', async () => {
    const bytes = Buffer.concat([Buffer.from('id;name\n1;'), Buffer.from([0x80, 0x92, 0x93, 0x8c, 0x9c]), Buffer.from('\n2;x\n')]);
    const source = await openInput({ path: tmpFile(bytes), encoding: 'windows-1252' });
    expect((await copyLines(source, [2])).bytes).toEqual(bytes.subarray(0, bytes.length - 4));
  });

  it.each<[string, InputEncoding]>([
    ['utf-8', 'utf-8'],
    ['UTF-16LE', 'utf-16le'],
    ['UTF-16BE', 'utf-16be'],
  ])('gives the last record the file line ending when it had none (%s)', async (_, encoding) => {
    const bom = encoding === 'utf-16le' ? Buffer.from([0xff, 0xfe]) : encoding === 'utf-16be' ? Buffer.from([0xfe, 0xff]) : Buffer.alloc(0);
    const source = await openInput({ path: tmpFile(Buffer.concat([bom, enc('id\r\n1\r\n2', encoding)])) });
    expect(source.lineEnding).toBe('\r\n');
    expect((await copyLines(source, [3])).bytes).toEqual(Buffer.concat([bom, enc('id\r\n2\r\n', encoding)]));
  });

  it('copies lone-CR files and a header that is not on line 1', async () => {
    const source = await openInput({ path: tmpFile('\r\rid\r1\r"a\rb"\r') });
    expect((await copyLines(source, [5], 1)).bytes.toString()).toBe('id\r"a\rb"\r');
  });

  it('accepts an async iterable of spans and stops pulling once they end', async () => {
    const source = await openInput({ path: tmpFile('id\n1\n2\n3\n') });
    async function* spans() {
      yield { line: 3, endLine: 3 };
    }
    const outPath = join(dir, 'async.csv');
    expect(await copyRecordSpans(source, { line: 1, endLine: 1 }, spans(), outPath)).toBe(1);
    expect(readFileSync(outPath, 'utf8')).toBe('id\n2\n');
    expect(statSync(outPath).mode & 0o777).toBe(0o600);
  });

  it('refuses spans out of line order', async () => {
    const source = await openInput({ path: tmpFile('id\n1\n2\n') });
    await expect(
      copyRecordSpans(
        source,
        { line: 1, endLine: 1 },
        [
          { line: 3, endLine: 3 },
          { line: 2, endLine: 2 },
        ],
        join(dir, 'bad.csv'),
      ),
    ).rejects.toThrow(/increasing line order/);
  });

  it('copies exactly the lines of any chosen records, whatever the chunk size (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('1,a', '"x\r\ny",b', '"p\nq\rr",c', '', 'é€,👋'), { minLength: 1, maxLength: 8 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        fc.integer({ min: 1, max: 9 }),
        async (rows, eol, pick, chunk) => {
          const nonBlank = rows.filter((r) => r !== '');
          const text = ['id,name', ...rows].join(eol); // no trailing line break
          const source = await openInput({ path: tmpFile(text) });
          const records = (await recordsOf(source)).slice(1);
          const chosen = records.filter((_, i) => pick[i] === true);
          const { bytes } = await copyLines(
            source,
            chosen.map((r) => r.line),
            chunk,
          );
          const expected = ['id,name', ...nonBlank.filter((_, i) => pick[i] === true)].map((l) => l + eol).join('');
          expect(bytes.toString()).toBe(expected);
        },
      ),
      { numRuns: 100 },
    );
  });
});
