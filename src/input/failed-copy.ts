import { open } from 'node:fs/promises';
import type { LineSpan } from '../types.js';
import { encodeAscii } from './decode.js';
import { readFileChunks } from './records.js';
import type { InputSource } from './source.js';

/**
 * failed.csv: the BOM, the header's bytes, then each span's whole lines (spans in line order; a
 * last line without a break gets `source.lineEnding`). Returns the spans written. One pass, lines
 * counted as the framer counts them; 0x0A/0x0D never occur inside a UTF-8 or single-byte character.
 */
export async function copyRecordSpans(
  source: InputSource,
  header: LineSpan,
  spans: AsyncIterable<LineSpan> | Iterable<LineSpan>,
  outPath: string,
  opts: { mode?: number; readBytes?: number } = {},
): Promise<number> {
  const mode = opts.mode ?? 0o600;
  const utf16 = source.encoding === 'utf-16le' || source.encoding === 'utf-16be';
  const unit = utf16 ? 2 : 1;
  // 0x0A/0x0D sit in a UTF-16 unit's low-order byte.
  const low = source.encoding === 'utf-16be' ? 1 : 0;
  const isUnit = (buf: Buffer, at: number, byte: number): boolean => buf[at + low] === byte && (unit === 1 || buf[at + 1 - low] === 0);
  const next = spanCursor(spans, header);
  let line = 1;
  let span: LineSpan | undefined = header;
  let selected = header.line === 1;
  let written = 0;
  let lineHasBytes = false;
  let pendingCR = false;
  const newLine = async (): Promise<void> => {
    line++;
    lineHasBytes = false;
    while (span !== undefined && line > span.endLine) span = await next();
    if (span !== undefined && line === span.line && span !== header) written++;
    selected = span !== undefined && line >= span.line;
  };

  const out = await open(outPath, 'w', mode);
  try {
    await out.chmod(mode); // `open` applies the mode only when it creates the file
    // writeFile, unlike write, goes on after a short write (a disk filling up).
    await out.writeFile(source.bom);

    let carry = Buffer.alloc(0); // an odd byte of a UTF-16 unit split across chunks
    for await (const chunk of readFileChunks(source.path, source.bom.length, opts.readBytes)) {
      const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const usable = buf.length - (buf.length % unit);
      carry = Buffer.from(buf.subarray(usable));
      const pieces: Buffer[] = [];
      let from = 0; // the selected bytes not yet queued
      const endLine = async (end: number): Promise<void> => {
        if (selected) pieces.push(buf.subarray(from, end));
        from = end;
        await newLine();
      };
      for (let at = 0; at < usable && span !== undefined; at += unit) {
        if (pendingCR) {
          pendingCR = false;
          if (isUnit(buf, at, 0x0a)) {
            await endLine(at + unit);
            continue;
          }
          await endLine(at); // a lone CR ended the line just before this unit
        }
        lineHasBytes = true;
        if (isUnit(buf, at, 0x0d)) pendingCR = true;
        else if (isUnit(buf, at, 0x0a)) await endLine(at + unit);
      }
      if (selected && from < usable) pieces.push(buf.subarray(from, usable));
      if (pieces.length > 0) await out.writeFile(Buffer.concat(pieces));
      if (span === undefined) break;
    }
    if (carry.length > 0 && selected) await out.writeFile(carry);
    if (selected && !pendingCR && (lineHasBytes || carry.length > 0)) {
      await out.writeFile(encodeAscii(source.lineEnding, source.encoding));
    }
    return written;
  } finally {
    await out.close();
  }
}

function spanCursor(spans: AsyncIterable<LineSpan> | Iterable<LineSpan>, header: LineSpan): () => Promise<LineSpan | undefined> {
  const iterator = Symbol.asyncIterator in spans ? spans[Symbol.asyncIterator]() : spans[Symbol.iterator]();
  let lastEnd = header.endLine;
  return async () => {
    const result = await iterator.next();
    if (result.done === true) return undefined;
    const span = result.value;
    if (span.line <= lastEnd || span.endLine < span.line) {
      throw new Error(
        `failed.csv spans must come in increasing line order after the header: got ${span.line}–${span.endLine} after line ${lastEnd}`,
      );
    }
    lastEnd = span.endLine;
    return span;
  };
}
