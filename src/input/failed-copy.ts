import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { LineSpan } from '../types.js';
import { encodeAscii } from './decode.js';
import type { InputSource } from './source.js';

/**
 * Writes failed.csv: the input's BOM, its header record's bytes, then each span's bytes (whole
 * physical lines, with their line endings; the last one gets `source.lineEnding` if it had none).
 * Spans come in increasing line order. Byte-exact copy from `source.path`; works for UTF-8,
 * UTF-16LE/BE (line breaks are 2-byte code units there) and single-byte encodings.
 * Returns the number of spans written.
 */
export function copyRecordSpans(
  source: InputSource,
  header: LineSpan,
  spans: AsyncIterable<LineSpan> | Iterable<LineSpan>,
  outPath: string,
  opts: { mode?: number } = {},
): Promise<number> {
  return copyRecordSpansInChunks(source, header, spans, outPath, opts, undefined);
}

/**
 * @internal `copyRecordSpans` with a chosen read size (tests split CRLF and UTF-16 units across chunks).
 *
 * One pass over the file at the byte level, constant memory: line breaks are found as code units
 * (LF, CR, CRLF — the same rule the framer counts lines by), and the bytes of selected lines are
 * copied as they stream past. In UTF-8 and single-byte encodings the bytes 0x0A/0x0D never occur
 * inside another character, so scanning bytes is exact.
 */
export async function copyRecordSpansInChunks(
  source: InputSource,
  header: LineSpan,
  spans: AsyncIterable<LineSpan> | Iterable<LineSpan>,
  outPath: string,
  opts: { mode?: number },
  highWaterMark: number | undefined,
): Promise<number> {
  const mode = opts.mode ?? 0o600;
  const next = spanCursor(spans, header);
  const unit = source.encoding === 'utf-16le' || source.encoding === 'utf-16be' ? 2 : 1;
  // Offset of the low-order byte of a UTF-16 code unit (where 0x0A/0x0D sit) within the unit.
  const low = source.encoding === 'utf-16be' ? 1 : 0;
  const isUnit = (buf: Buffer, at: number, byte: number): boolean => buf[at + low] === byte && (unit === 1 || buf[at + 1 - low] === 0);

  const out = await open(outPath, 'w', mode);
  try {
    await out.chmod(mode); // `open` applies the mode only when it creates the file
    // writeFile, unlike write, goes on after a short write (a disk filling up) until all is written or it fails.
    await out.writeFile(source.bom);

    // The header comes first in the same cursor; `written` counts only the spans after it.
    let current: LineSpan | undefined = header;
    let written = 0;
    let line = 1;
    let selected = header.line === 1;
    let lineHasBytes = false; // bytes of the current line seen (to know if the file ends mid-line)
    let pendingCR = false;
    let carry = Buffer.alloc(0); // an odd byte of a UTF-16 unit split across chunks

    /** Moves to the line after a break; pulls the next span (awaiting only then) once the current one is behind. */
    const newLine = async (): Promise<void> => {
      line++;
      lineHasBytes = false;
      while (current !== undefined && line > current.endLine) current = await next();
      if (current !== undefined && line === current.line && current !== header) written++;
      selected = current !== undefined && line >= current.line;
    };
    const stream = createReadStream(source.path, { start: source.bom.length, ...(highWaterMark === undefined ? {} : { highWaterMark }) });
    for await (const chunk of stream) {
      const buf: Buffer = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
      const usable = buf.length - (buf.length % unit);
      carry = Buffer.from(buf.subarray(usable));
      const pieces: Buffer[] = [];
      let from = 0; // start of the selected bytes not yet queued
      for (let at = 0; at < usable; at += unit) {
        if (pendingCR) {
          pendingCR = false;
          if (isUnit(buf, at, 0x0a)) {
            // CRLF: the LF ends the same line as the CR.
            if (selected) pieces.push(buf.subarray(from, at + unit));
            await newLine();
            from = at + unit;
            continue;
          }
          // A lone CR ended the line just before this unit.
          if (selected) pieces.push(buf.subarray(from, at));
          await newLine();
          from = at;
        }
        if (current === undefined) break;
        lineHasBytes = true;
        if (isUnit(buf, at, 0x0d)) {
          pendingCR = true;
        } else if (isUnit(buf, at, 0x0a)) {
          if (selected) pieces.push(buf.subarray(from, at + unit));
          await newLine();
          from = at + unit;
        }
      }
      if (selected && from < usable) pieces.push(buf.subarray(from, usable));
      if (pieces.length > 0) await out.writeFile(Buffer.concat(pieces));
      // Nothing left to copy: stop reading (the rest of a large file is not needed).
      if (current === undefined) break;
    }
    if (carry.length > 0 && selected) await out.writeFile(carry);
    // The file ended inside a selected line without a break: give it the file's line ending.
    if (selected && !pendingCR && (lineHasBytes || carry.length > 0)) await out.writeFile(encodeAscii(source.lineEnding, source.encoding));
    return written;
  } finally {
    await out.close();
  }
}

/** Pulls spans one at a time from a sync or async iterable, checking they come in line order. */
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
