import { open } from 'node:fs/promises';
import type { SourceRecord } from '../types.js';
import { createDecoder } from './decode.js';
import { RecordFramer } from './framer.js';
import type { InputSource } from './source.js';

export interface ReadRecordsOptions {
  /** A field longer than this (UTF-16 code units) makes its record `field_too_large`. Default 65536. */
  maxFieldChars?: number;
  /** Called with the cumulative bytes read (BOM included), for progress. */
  onBytes?: (bytesRead: number) => void;
  /** Bytes decoded and framed at a time; default 16 KiB. A slow consumer takes less at a time (read.ts). */
  frameBytes?: number;
  /** @internal Bytes per read (default 64 KiB): tests cut multi-byte characters and CRLF across reads. */
  readBytes?: number;
}

export const DEFAULT_MAX_FIELD_CHARS = 65_536;
/** A whole record may hold this many field limits' worth of text; beyond it, it is `field_too_large` too. */
const RECORD_LIMIT_FACTOR = 16;
/** One read(2) of the file: few reads, into the same two buffers all along (no buffer per read). */
const READ_BYTES = 64 * 1024;
/** Decoded and framed this much at a time: a batch's records (and the text their cells are slices of) die young, before V8 would promote them. */
const FRAME_BYTES = 16 * 1024;

/**
 * Yields the records of the input, header first, with their physical line spans, one array per
 * chunk read: a consumer of millions of rows loops over arrays instead of paying an async step per
 * record. An async generator pulls one file chunk at a time, so a slow consumer holds the reading
 * back: at most one chunk's records (plus the read ahead) are in memory.
 */
export async function* readRecordBatches(source: InputSource, opts: ReadRecordsOptions = {}): AsyncGenerator<SourceRecord[]> {
  if (source.workbook !== null) {
    // Loaded on use: a CSV run never loads yauzl or saxes.
    const { readWorkbookBatches } = await import('./workbook.js');
    yield* readWorkbookBatches(source, source.workbook, opts.onBytes);
    return;
  }
  const maxFieldChars = opts.maxFieldChars ?? DEFAULT_MAX_FIELD_CHARS;
  const framer = new RecordFramer({
    delimiter: source.delimiter,
    maxFieldChars,
    maxRecordChars: maxFieldChars * RECORD_LIMIT_FACTOR,
  });
  // Excel's `sep=` first line (openInput took the delimiter from it) is not the header.
  let skipSepLine = source.sepLine;
  const framed = (records: SourceRecord[]): SourceRecord[] => {
    if (skipSepLine && records.length > 0) {
      records.shift();
      skipSepLine = false;
    }
    return records;
  };
  const decoder = createDecoder(source.encoding);
  const size = opts.readBytes ?? READ_BYTES;
  const frameBytes = Math.min(size, opts.frameBytes ?? FRAME_BYTES);
  const file = await open(source.path, 'r');
  // Two buffers: the next read fills one while the records of the other are framed and consumed.
  let filling = Buffer.allocUnsafe(size);
  let spare = Buffer.allocUnsafe(size);
  // Start after the BOM: the decoders never see it, so it cannot leak into the first header name.
  let position = source.bom.length;
  let reading: Promise<{ bytesRead: number }> | null = file.read(filling, 0, size, position);
  try {
    for (;;) {
      const { bytesRead }: { bytesRead: number } = await reading;
      reading = null;
      if (bytesRead === 0) break;
      const bytes = filling;
      filling = spare;
      spare = bytes;
      reading = file.read(filling, 0, size, position + bytesRead);
      // The decoder copies what it keeps: the buffer can take the read after next.
      for (let from = 0; from < bytesRead; from += frameBytes) {
        const to = Math.min(from + frameBytes, bytesRead);
        position += to - from;
        opts.onBytes?.(position);
        yield framed(framer.push(decoder.write(bytes.subarray(from, to))));
      }
    }
  } finally {
    // A consumer that stops early: the read ahead ends before the file closes.
    await reading?.catch(() => undefined);
    await file.close();
  }
  yield framed([...framer.push(decoder.end()), ...framer.end()]);
}
