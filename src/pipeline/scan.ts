import type { InputSource } from '../input/source.js';
import { readRecords } from '../input/records.js';
import { withDelimiterHint } from '../input/delimiter.js';
import type { SourceRecord, WritableField } from '../types.js';
import { mapHeader, type HeaderMap } from './header.js';
import { UsageError } from '../errors.js';
import { targetKey } from './handler.js';
import { checkRecord, type CheckedRow, type ValidateOptions } from './validate.js';
import type { MappableField } from '../options.js';

/** What a first pass over the file learns before anything is sent. */
export interface FileScan {
  rows: number;
  validRows: number;
  /** Rows that would clear each field (send `null`). */
  clears: Record<WritableField, number>;
  /** Ids on more than one row. */
  duplicateIds: Set<string>;
  /** Customer identifiers (normalised) on more than one row, with --match-by customer_identifier. */
  duplicateKeys: Set<string>;
}

export interface RowStreamOptions extends ValidateOptions {
  map: ReadonlyMap<string, MappableField>;
  onBytes?: (bytesRead: number) => void;
}

/** The header, then each data record checked, in file order. */
export async function openRowStream(
  source: InputSource,
  opts: RowStreamOptions,
): Promise<{ header: HeaderMap; headerSpan: { line: number; endLine: number }; rows: AsyncGenerator<CheckedRow> }> {
  const records = readRecords(source, opts.onBytes ? { onBytes: opts.onBytes } : {});
  const first = await records.next();
  if (first.done === true) {
    await records.return(undefined);
    throw new UsageError(`${source.displayPath} has no header row: expected e.g. id,customer_name,customer_language`, 'no_header');
  }
  const headerRecord: SourceRecord = first.value;
  if (headerRecord.kind === 'broken') {
    await records.return(undefined);
    throw new UsageError(`the header row of ${source.displayPath} cannot be read: ${headerRecord.message}`, 'bad_header');
  }
  if (headerRecord.badEncoding) {
    await records.return(undefined);
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
    throw withDelimiterHint(error, headerRecord.cells, source.delimiter);
  }
  async function* rows(): AsyncGenerator<CheckedRow> {
    for await (const record of records) yield checkRecord(record, header, opts);
  }
  return { header, headerSpan: { line: headerRecord.line, endLine: headerRecord.endLine }, rows: rows() };
}

/** Counts rows, clears and duplicate ids, one row at a time (the first pass, or a dry run's only pass). */
export class FileScanner {
  readonly scan: FileScan = {
    rows: 0,
    validRows: 0,
    clears: { customer_name: 0, customer_language: 0 },
    duplicateIds: new Set(),
    duplicateKeys: new Set(),
  };
  private readonly seen = new Set<string>();
  private readonly seenKeys = new Set<string>();

  add(row: CheckedRow): void {
    this.scan.rows++;
    countClears(this.scan, row);
    if (row.kind === 'valid') {
      this.scan.validRows++;
      if (row.target.by === 'customer_identifier') {
        const key = targetKey(row.target);
        if (this.seenKeys.has(key)) this.scan.duplicateKeys.add(key);
        else this.seenKeys.add(key);
      }
    }
    const id = rowId(row);
    if (id === null) return;
    if (this.seen.has(id)) this.scan.duplicateIds.add(id);
    else this.seen.add(id);
  }
}

/** The safety checks that run before the first request. */
export async function scanRows(rows: AsyncIterable<CheckedRow>): Promise<FileScan> {
  const scanner = new FileScanner();
  for await (const row of rows) scanner.add(row);
  return scanner.scan;
}

function countClears(scan: Pick<FileScan, 'clears'>, row: CheckedRow): void {
  if (row.kind !== 'valid') return;
  if (row.patch.customer_name === null) scan.clears.customer_name++;
  if (row.patch.customer_language === null) scan.clears.customer_language++;
}

/** The conversation id a row names, when it names one (invalid rows too: a later row may supersede them). */
export function rowId(row: CheckedRow): string | null {
  if (row.kind === 'invalid') return row.id;
  return row.target.by === 'id' ? row.target.id : null;
}
