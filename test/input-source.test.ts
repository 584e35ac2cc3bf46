import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { scratchDir } from './helpers/scratch.js';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { HeaderSniffer } from '../src/input/sniff.js';
import { openInput } from '../src/input/source.js';

const REAL_EXPORTS = join(import.meta.dirname, '../fixtures/real-exports');
const { dir, tmpFile } = scratchDir('vorel-source-');

const open = (content: string | Buffer, opts: { encoding?: 'utf-8' | 'utf-16le' | 'windows-1252'; delimiter?: ',' | ';' | '\t' } = {}) =>
  openInput({ path: tmpFile(content), ...opts });

describe('openInput: whole-file errors are usage errors', () => {
  it('rejects a missing file', async () => {
    const err = await openInput({ path: join(dir, 'nope.csv') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(/cannot read .*nope\.csv: no such file/);
    expect((err as UsageError).exitCode).toBe(2);
  });

  it('rejects a directory', async () => {
    const path = join(dir, 'a-dir');
    mkdirSync(path);
    await expect(openInput({ path })).rejects.toThrow(/is a directory/);
  });

  it.skipIf(process.getuid?.() === 0)('rejects an unreadable file', async () => {
    const path = tmpFile('id\n');
    chmodSync(path, 0o000);
    await expect(openInput({ path })).rejects.toThrow(/permission denied/);
  });

  it.each([
    ['an empty file', ''],
    ['a file holding only a BOM', Buffer.from([0xef, 0xbb, 0xbf])],
    ['a file of blank lines', '\n \r\n\t\n'],
  ])('rejects %s as empty, naming the expected header', async (_, content) => {
    await expect(open(content)).rejects.toThrow('is empty: expected a header row such as id,customer_name,customer_language');
  });

  it('rejects a forced encoding that contradicts the BOM', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id\n', 'utf16le')]);
    await expect(open(utf16, { encoding: 'utf-8' })).rejects.toThrow(/UTF-16LE byte order mark, but --encoding utf-8/);
    await expect(open(utf16, { encoding: 'windows-1252' })).rejects.toBeInstanceOf(UsageError);
  });
});

describe('openInput: encoding', () => {
  it('detects UTF-8, UTF-16LE and UTF-16BE by their BOM and keeps the BOM bytes', async () => {
    const bom8 = await open(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id\n')]));
    expect([bom8.encoding, bom8.bom]).toEqual(['utf-8', Buffer.from([0xef, 0xbb, 0xbf])]);
    const le = await open(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id\tname\n', 'utf16le')]));
    expect([le.encoding, le.bom, le.delimiter]).toEqual(['utf-16le', Buffer.from([0xff, 0xfe]), '\t']);
    const be = await open(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('id;name\n', 'utf16le').swap16()]));
    expect([be.encoding, be.bom, be.delimiter]).toEqual(['utf-16be', Buffer.from([0xfe, 0xff]), ';']);
  });

  it('defaults to UTF-8 without a BOM (UTF-16 without a BOM is not detected)', async () => {
    const plain = await open('id,name\n');
    expect([plain.encoding, plain.bom.length]).toEqual(['utf-8', 0]);
  });

  it('accepts a forced encoding that matches the BOM, and a forced one without BOM', async () => {
    const le = await open(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id\n', 'utf16le')]), { encoding: 'utf-16le' });
    expect(le.bom).toEqual(Buffer.from([0xff, 0xfe]));
    const cp = await open(Buffer.from([0x69, 0x64, 0x3b, 0x80, 0x0a]), { encoding: 'windows-1252' });
    expect([cp.encoding, cp.delimiter]).toEqual(['windows-1252', ';']);
  });

  it('auto-detects the real exports: UTF-8 comma, UTF-16LE tab, cp1252 semicolon', async () => {
    const utf8 = await openInput({ path: join(REAL_EXPORTS, 'libreoffice-utf8-comma.csv') });
    expect([utf8.encoding, utf8.delimiter, utf8.lineEnding]).toEqual(['utf-8', ',', '\n']);
    const utf16 = await openInput({ path: join(REAL_EXPORTS, 'libreoffice-utf16-tab.csv') });
    expect([utf16.encoding, utf16.delimiter]).toEqual(['utf-16le', '\t']);
    const cp = await openInput({ path: join(REAL_EXPORTS, 'libreoffice-cp1252-semicolon.csv'), encoding: 'windows-1252' });
    expect([cp.encoding, cp.delimiter]).toEqual(['windows-1252', ';']);
  });
});

describe('openInput: delimiter detection from the header', () => {
  it.each([
    ['ignores delimiters inside quotes', '"a;b",c,d\n1;2;3;4\n', ','],
    ['picks tab', 'id\tname\tlanguage\n', '\t'],
    ['picks semicolon', 'id;name;language\n', ';'],
    ['picks the most frequent', 'id;name,with,commas;x;y\n', ';'],
    ['falls back to comma on a tie', 'id;name\tx\n', ','],
    ['falls back to comma for a single column', 'id\n', ','],
    ['uses the first non-blank record as the header', '\n , \nid;name\n', ';'],
    ['handles a quoted line break in the header', '"id\n;x";name;lang\n', ';'],
    ["takes Excel's sep= line over the header's counts", 'sep=;\r\nid,name\r\n', ';'],
    ['takes a tab from sep=', 'sep=\t\nid;name\n', '\t'],
    ['reads sep= only on the first line', 'id;name\nsep=,\n', ';'],
  ])('%s', async (_, content, expected) => {
    expect((await open(content)).delimiter).toBe(expected);
  });

  it('keeps a forced delimiter', async () => {
    expect((await open('id,name;x\n', { delimiter: ';' })).delimiter).toBe(';');
  });
});

describe('openInput: line ending, hash and size', () => {
  it.each([
    ['id\r\n1\n', '\r\n'],
    ['id\n1\r\n', '\n'],
    ['id\r1\r', '\r'],
    ['id', '\n'],
    ['id\r', '\r'],
  ])('takes the first line break of %j as the line ending', async (content, expected) => {
    expect((await open(content)).lineEnding).toBe(expected);
  });

  it('finds CRLF in UTF-16', async () => {
    const source = await open(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id\r\n1\r\n', 'utf16le')]));
    expect(source.lineEnding).toBe('\r\n');
  });

  it('finds a CRLF and the header end split across text chunks', () => {
    const sniffer = new HeaderSniffer();
    for (const piece of ['"a;', 'b",c', '\r', '\n1;2;3']) sniffer.push(piece);
    sniffer.end();
    expect([sniffer.lineEnding, sniffer.delimiter(), sniffer.headerDone]).toEqual(['\r\n', ',', true]);
  });

  it('hashes and measures the whole input, BOM included', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`id\n${'x\n'.repeat(100_000)}`)]);
    const source = await open(bytes);
    expect(source.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(source.size).toBe(bytes.length);
  });
});

describe('openInput: stdin', () => {
  it('spools stdin to a 0600 file and describes it', async () => {
    const spoolPath = join(dir, 'stdin.spool');
    writeFileSync(spoolPath, 'old content', { mode: 0o644 });
    const source = await openInput({ path: '-', stdin: Readable.from([Buffer.from('id;na'), Buffer.from('me\n1;a\n')]), spoolPath });
    expect(source).toMatchObject({ path: spoolPath, displayPath: '-', delimiter: ';', size: 12 });
    expect(readFileSync(spoolPath, 'utf8')).toBe('id;name\n1;a\n');
    expect(statSync(spoolPath).mode & 0o777).toBe(0o600);
  });

  it('reports empty stdin as empty', async () => {
    await expect(openInput({ path: '-', stdin: Readable.from([]), spoolPath: join(dir, 'empty.spool') })).rejects.toThrow(
      'standard input is empty',
    );
  });

  it('needs a spool path for stdin', async () => {
    await expect(openInput({ path: '-', stdin: Readable.from([]) })).rejects.toBeInstanceOf(UsageError);
  });
});
