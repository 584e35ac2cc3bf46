import { open } from 'node:fs/promises';
import type { SourceRecord } from '../types.js';
import { createDecoder } from './decode.js';
import { RecordFramer } from './framer.js';
import type { InputSource } from './source.js';

export interface ReadRecordsOptions {
  maxFieldChars?: number;
  /** The bytes read so far, BOM included. */
  onBytes?: (bytesRead: number) => void;
  /** Bytes read and framed at a time; a slow consumer takes less (read.ts). */
  frameBytes?: number;
}

const DEFAULT_MAX_FIELD_CHARS = 65_536;
const RECORD_LIMIT_FACTOR = 16;
/** Small, so a batch's records (and the text their cells are slices of) die young, before V8 would promote them. */
const FRAME_BYTES = 16 * 1024;

/**
 * The records, header first, in arrays: millions of rows pay no async step each. A slow consumer
 * holds the reading back: one chunk's records and the read ahead are in memory.
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
  let skipSepLine = source.sepLine;
  const framed = (records: SourceRecord[]): SourceRecord[] => {
    if (skipSepLine && records.length > 0) {
      records.shift();
      skipSepLine = false;
    }
    return records;
  };
  const decoder = createDecoder(source.encoding);
  // After the BOM: it cannot leak into the first header name.
  let position = source.bom.length;
  for await (const bytes of readFileChunks(source.path, position, opts.frameBytes ?? FRAME_BYTES)) {
    position += bytes.length;
    opts.onBytes?.(position);
    // The decoder copies what it keeps.
    yield framed(framer.push(decoder.write(bytes)));
  }
  yield framed([...framer.push(decoder.end()), ...framer.end()]);
}

/**
 * The file's bytes from `position` on, into the same two buffers all along (a buffer per read is
 * garbage the GC frees late: tens of MB of RSS at 1 GB): the next read fills one while the other is
 * used. A chunk is valid until the next one is pulled.
 */
export async function* readFileChunks(path: string, position: number, size = 64 * 1024): AsyncGenerator<Buffer> {
  const file = await open(path, 'r');
  let filling = Buffer.allocUnsafe(size);
  let spare = Buffer.allocUnsafe(size);
  let reading: Promise<{ bytesRead: number }> | null = file.read(filling, 0, size, position);
  try {
    for (;;) {
      const { bytesRead }: { bytesRead: number } = await reading;
      reading = null;
      if (bytesRead === 0) return;
      const bytes = filling;
      filling = spare;
      spare = bytes;
      position += bytesRead;
      reading = file.read(filling, 0, size, position);
      yield bytes.subarray(0, bytesRead);
    }
  } finally {
    // A consumer that stopped early: the read ahead ends before the file closes.
    await reading?.catch(() => undefined);
    await file.close();
  }
}
