import { createReadStream } from 'node:fs';
import type { SourceRecord } from '../types.js';
import { createDecoder } from './decode.js';
import { RecordFramer } from './framer.js';
import type { InputSource } from './source.js';

export interface ReadRecordsOptions {
  /** A field longer than this (UTF-16 code units) makes its record `field_too_large`. Default 65536. */
  maxFieldChars?: number;
  /** Called with the cumulative bytes read (BOM included), for progress. */
  onBytes?: (bytesRead: number) => void;
  /** Bytes per read; default 16 KiB. A slow consumer reads less at a time (read.ts). */
  readChunkBytes?: number;
}

export const DEFAULT_MAX_FIELD_CHARS = 65_536;
/** A whole record may hold this many field limits' worth of text; beyond it, it is `field_too_large` too. */
const RECORD_LIMIT_FACTOR = 16;
/** Small reads: a chunk's records (and the chunk text their cells are slices of) die young, before V8 would promote them. */
const READ_CHUNK_BYTES = 16 * 1024;

/**
 * Yields the records of the input, header first, with their physical line spans.
 * An async generator pulls one file chunk at a time, so a slow consumer holds the reading back:
 * at most one chunk's records (plus the stream's own read-ahead) are in memory.
 */
export async function* readRecords(source: InputSource, opts: ReadRecordsOptions = {}): AsyncGenerator<SourceRecord> {
  for await (const batch of readRecordBatches(source, opts)) yield* batch;
}

/**
 * The same records, one array per chunk read: a consumer of millions of rows loops over arrays
 * instead of paying an async step per record.
 */
export function readRecordBatches(source: InputSource, opts: ReadRecordsOptions = {}): AsyncGenerator<SourceRecord[]> {
  const batches = readRecordsInChunks(source, opts, undefined);
  return source.sepLine ? withoutFirst(batches) : batches;
}

/** Excel's `sep=` first line (openInput recognised it and took the delimiter from it) is not the header. */
async function* withoutFirst(batches: AsyncGenerator<SourceRecord[]>): AsyncGenerator<SourceRecord[]> {
  let first = true;
  for await (const batch of batches) {
    if (batch.length === 0) continue;
    if (first) batch.shift();
    first = false;
    yield batch;
  }
}

/** @internal `readRecords` with a chosen read size: tests cut multi-byte characters and CRLF across chunks. */
export async function* readRecordsInChunks(
  source: InputSource,
  opts: ReadRecordsOptions,
  highWaterMark: number | undefined,
): AsyncGenerator<SourceRecord[]> {
  const maxFieldChars = opts.maxFieldChars ?? DEFAULT_MAX_FIELD_CHARS;
  const framer = new RecordFramer({
    delimiter: source.delimiter,
    maxFieldChars,
    maxRecordChars: maxFieldChars * RECORD_LIMIT_FACTOR,
  });
  const decoder = createDecoder(source.encoding);
  // Start after the BOM: the decoders never see it, so it cannot leak into the first header name.
  const stream = createReadStream(source.path, {
    start: source.bom.length,
    highWaterMark: highWaterMark ?? opts.readChunkBytes ?? READ_CHUNK_BYTES,
  });
  let bytesRead = source.bom.length;
  for await (const chunk of stream) {
    const bytes = chunk as Buffer;
    bytesRead += bytes.length;
    opts.onBytes?.(bytesRead);
    yield framer.push(decoder.write(bytes));
  }
  yield [...framer.push(decoder.end()), ...framer.end()];
}
