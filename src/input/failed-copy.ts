import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { LineSpan } from '../types.js';
import { encodeAscii } from './decode.js';
import type { InputSource } from './source.js';

/**
 * Writes failed.csv: the input's BOM, its header record's bytes, then each span's bytes (whole
 * physical lines, with their line endings; the last one gets `source.lineEnding` if it had none).
 * Spans come in increasing line order. Returns the number of spans written.
 *
 * One pass over the file at the byte level, constant memory: line breaks are found as code units
 * (LF, CR, CRLF: the same rule the framer counts lines by), and the bytes of selected lines are
 * copied as they stream past. In UTF-8 and single-byte encodings the bytes 0x0A/0x0D never occur
 * inside another character, so scanning bytes is exact; in UTF-16 they are 2-byte code units.
 * `highWaterMark` (the read size) is for tests that split CRLF and UTF-16 units across reads.
 */
export async function copyRecordSpans(
  source: InputSource,
  header: LineSpan,
  spans: AsyncIterable<LineSpan> | Iterable<LineSpan>,
  outPath: string,
  opts: { mode?: number; highWaterMark?: number } = {},
): Promise<number> {
  const mode = opts.mode ?? 0o600;
  const scanner = new LineScanner(header, spanCursor(spans, header), source.encoding);
  const out = await open(outPath, 'w', mode);
  try {
    await out.chmod(mode); // `open` applies the mode only when it creates the file
    // writeFile, unlike write, goes on after a short write (a disk filling up) until all is written or it fails.
    await out.writeFile(source.bom);

    let carry = Buffer.alloc(0); // an odd byte of a UTF-16 unit split across chunks
    const stream = createReadStream(source.path, {
      start: source.bom.length,
      ...(opts.highWaterMark === undefined ? {} : { highWaterMark: opts.highWaterMark }),
    });
    for await (const chunk of stream) {
      const buf: Buffer = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
      const usable = buf.length - (buf.length % scanner.unit);
      carry = Buffer.from(buf.subarray(usable));
      const pieces = await scanner.scan(buf, usable);
      if (pieces.length > 0) await out.writeFile(Buffer.concat(pieces));
      // Nothing left to copy: stop reading (the rest of a large file is not needed).
      if (scanner.current === undefined) break;
    }
    if (carry.length > 0 && scanner.selected) await out.writeFile(carry);
    // The file ended inside a selected line without a break: give it the file's line ending.
    if (scanner.selected && !scanner.pendingCR && (scanner.lineHasBytes || carry.length > 0)) {
      await out.writeFile(encodeAscii(source.lineEnding, source.encoding));
    }
    return scanner.written;
  } finally {
    await out.close();
  }
}

/** Where the byte scan stands: the line it is on, the span that line may belong to, and whether it is copied. */
class LineScanner {
  /** Bytes per code unit: 2 in UTF-16, else 1. */
  readonly unit: 1 | 2;
  /** Offset of the low-order byte of a UTF-16 code unit (where 0x0A/0x0D sit) within the unit. */
  private readonly low: 0 | 1;
  /** The header comes first in the same cursor; `written` counts only the spans after it. */
  current: LineSpan | undefined;
  written = 0;
  selected: boolean;
  /** Bytes of the current line seen (to know if the file ends mid-line). */
  lineHasBytes = false;
  pendingCR = false;
  private line = 1;

  constructor(
    private readonly header: LineSpan,
    private readonly next: () => Promise<LineSpan | undefined>,
    encoding: InputSource['encoding'],
  ) {
    this.unit = encoding === 'utf-16le' || encoding === 'utf-16be' ? 2 : 1;
    this.low = encoding === 'utf-16be' ? 1 : 0;
    this.current = header;
    this.selected = header.line === 1;
  }

  /** Scans the first `usable` bytes of buf (whole code units); returns the selected bytes among them. */
  async scan(buf: Buffer, usable: number): Promise<Buffer[]> {
    const { unit } = this;
    const pieces: Buffer[] = [];
    let from = 0; // start of the selected bytes not yet queued
    for (let at = 0; at < usable; at += unit) {
      if (this.pendingCR) {
        this.pendingCR = false;
        if (this.isUnit(buf, at, 0x0a)) {
          // CRLF: the LF ends the same line as the CR.
          if (this.selected) pieces.push(buf.subarray(from, at + unit));
          await this.newLine();
          from = at + unit;
          continue;
        }
        // A lone CR ended the line just before this unit.
        if (this.selected) pieces.push(buf.subarray(from, at));
        await this.newLine();
        from = at;
      }
      if (this.current === undefined) break;
      this.lineHasBytes = true;
      if (this.isUnit(buf, at, 0x0d)) {
        this.pendingCR = true;
      } else if (this.isUnit(buf, at, 0x0a)) {
        if (this.selected) pieces.push(buf.subarray(from, at + unit));
        await this.newLine();
        from = at + unit;
      }
    }
    if (this.selected && from < usable) pieces.push(buf.subarray(from, usable));
    return pieces;
  }

  private isUnit(buf: Buffer, at: number, byte: number): boolean {
    return buf[at + this.low] === byte && (this.unit === 1 || buf[at + 1 - this.low] === 0);
  }

  /** Moves to the line after a break; pulls the next span (awaiting only then) once the current one is behind. */
  private async newLine(): Promise<void> {
    this.line++;
    this.lineHasBytes = false;
    while (this.current !== undefined && this.line > this.current.endLine) this.current = await this.next();
    if (this.current !== undefined && this.line === this.current.line && this.current !== this.header) this.written++;
    this.selected = this.current !== undefined && this.line >= this.current.line;
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
