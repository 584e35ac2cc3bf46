import { UsageError } from '../../errors.js';
import { withDelimiterHint } from '../../input/delimiter.js';
import { type ReadRecordsOptions, readRecordBatches } from '../../input/records.js';
import type { InputSource } from '../../input/source.js';
import type { Logger } from '../../log.js';
import type { MappableField } from '../../options.js';
import type { LineSpan, SourceRecord } from '../../types.js';
import { type CheckedRow, checkRecords, type ValidateOptions } from './check.js';
import { type HeaderMap, mapHeader } from './header.js';

export interface RowStreamOptions extends ValidateOptions {
  map: ReadonlyMap<string, MappableField>;
}

/** Small while sending: a larger chunk lives long enough for V8 to promote it (CONTRIBUTING.md, "Memory"). */
export const SENDING_FRAME_BYTES = 4 * 1024;

/** A run that reads stdin keeps its bytes there (mode 0600) for its report and resume. */
export const STDIN_COPY = 'stdin.csv';

export interface RowStream {
  header: HeaderMap;
  headerSpan: LineSpan;
  /** One array per chunk read: an async step per chunk, not per row. */
  batches: AsyncGenerator<readonly CheckedRow[]>;
}

export async function openRowStream(source: InputSource, opts: RowStreamOptions, reading: ReadRecordsOptions = {}): Promise<RowStream> {
  const batches = readRecordBatches(source, reading);
  let batch: SourceRecord[] = [];
  while (batch.length === 0) {
    const next = await batches.next();
    if (next.done === true) break;
    batch = next.value;
  }
  const headerRecord = batch.shift();
  if (headerRecord === undefined) {
    await batches.return(undefined);
    throw new UsageError(`${source.displayPath} has no header row: expected e.g. id,customer_name,customer_language`, 'no_header');
  }
  if (headerRecord.kind === 'broken') {
    await batches.return(undefined);
    throw new UsageError(`the header row of ${source.displayPath} cannot be read: ${headerRecord.message}`, 'bad_header');
  }
  if (headerRecord.badEncoding) {
    await batches.return(undefined);
    // NULs between the letters of a header: UTF-16 saved without a byte-order mark.
    const hint = headerRecord.cells.join('').includes('\u0000')
      ? 'it looks like UTF-16 without a byte-order mark: try --encoding utf-16le (or utf-16be)'
      : 'if the file comes from Excel on Windows, try --encoding windows-1252';
    throw new UsageError(`the header row of ${source.displayPath} is not valid ${source.encoding}; ${hint}`, 'bad_encoding');
  }
  let header: HeaderMap;
  try {
    header = mapHeader(headerRecord.cells, opts);
  } catch (error) {
    await batches.return(undefined);
    throw withDelimiterHint(error, headerRecord.cells, source.delimiter);
  }
  const firstRecords = batch;
  async function* checked(): AsyncGenerator<readonly CheckedRow[]> {
    if (firstRecords.length > 0) yield checkRecords(firstRecords, header, opts);
    for await (const records of batches) if (records.length > 0) yield checkRecords(records, header, opts);
  }
  return { header, headerSpan: { line: headerRecord.line, endLine: headerRecord.endLine }, batches: checked() };
}

/** For a consumer that awaits each row anyway. */
export async function* eachRow(batches: AsyncIterable<readonly CheckedRow[]>): AsyncGenerator<CheckedRow> {
  for await (const batch of batches) yield* batch;
}

/** A wide export would otherwise fill the screen. */
const UNKNOWN_COLUMNS_SHOWN = 10;

export function warnUnknownColumns(unknown: readonly string[], log: Logger): void {
  if (unknown.length === 0) return;
  const more = unknown.length - UNKNOWN_COLUMNS_SHOWN;
  const names = unknown.slice(0, UNKNOWN_COLUMNS_SHOWN).join(', ') + (more > 0 ? ` and ${more} more` : '');
  log.warn(`ignoring unknown columns: ${names} (map one with --map "<column>=<field>")`);
}
