import type { InputSource } from '../input/source.js';
import { readRecordBatches } from '../input/records.js';
import type { SourceRecord, WritableField } from '../types.js';
import { mapHeader, type HeaderMap } from './header.js';
import { UsageError } from '../errors.js';
import { targetKey } from './handler.js';
import { checkRecord, type CheckedRow, type ValidateOptions } from './validate.js';
import type { MappableField } from '../options.js';
import path from 'node:path';
import { bloomBitsForInput, DuplicateFinder } from '../import/duplicates.js';

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
  const batches = readRecordBatches(source, opts.onBytes ? { onBytes: opts.onBytes } : {});
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
  const header = mapHeader(headerRecord.cells, opts);
  const firstRows = batch;
  async function* rows(): AsyncGenerator<CheckedRow> {
    for (const record of firstRows) yield checkRecord(record, header, opts);
    for await (const records of batches) for (const record of records) yield checkRecord(record, header, opts);
  }
  return { header, headerSpan: { line: headerRecord.line, endLine: headerRecord.endLine }, rows: rows() };
}

/** Where the first pass keeps its key logs (the run folder), and how big an input it reads. */
export interface ScanStorage {
  dir: string;
  inputBytes: number;
  /** Bloom filter bits; default sized from `inputBytes` (tests force collisions with tiny ones). */
  bloomBits?: number;
}

/** Counts rows, clears and duplicate ids, one row at a time (the first pass, or a dry run's only pass). */
export class FileScanner {
  private readonly counts: Omit<FileScan, 'duplicateIds' | 'duplicateKeys'> = {
    rows: 0,
    validRows: 0,
    clears: { customer_name: 0, customer_language: 0 },
  };
  private readonly ids: DuplicateFinder;
  private keys: DuplicateFinder | null = null;

  constructor(private readonly storage: ScanStorage) {
    this.ids = this.finder('.ids');
  }

  add(row: CheckedRow): void {
    this.counts.rows++;
    countClears(this.counts, row);
    if (row.kind === 'valid') {
      this.counts.validRows++;
      if (row.target.by === 'customer_identifier') {
        this.keys ??= this.finder('.keys');
        this.keys.add(targetKey(row.target));
      }
    }
    const id = rowId(row);
    if (id !== null) this.ids.add(id);
  }

  /** The exact duplicates, once every row is in (reads the key logs back, then removes them). */
  async finish(): Promise<FileScan> {
    try {
      const duplicateIds = await this.ids.finish();
      const duplicateKeys = this.keys === null ? new Set<string>() : await this.keys.finish();
      return { ...this.counts, duplicateIds, duplicateKeys };
    } finally {
      this.discard();
    }
  }

  /** Removes the key logs (a scan cut short). */
  discard(): void {
    this.ids.discard();
    this.keys?.discard();
  }

  private finder(name: string): DuplicateFinder {
    const { dir, inputBytes, bloomBits } = this.storage;
    return new DuplicateFinder({ logPath: path.join(dir, name), bloomBits: bloomBits ?? bloomBitsForInput(inputBytes) });
  }
}

/** The safety checks that run before the first request. */
export async function scanRows(rows: AsyncIterable<CheckedRow>, storage: ScanStorage): Promise<FileScan> {
  const scanner = new FileScanner(storage);
  try {
    for await (const row of rows) scanner.add(row);
  } catch (error) {
    scanner.discard();
    throw error;
  }
  return scanner.finish();
}

function countClears(scan: { clears: FileScan['clears'] }, row: CheckedRow): void {
  if (row.kind !== 'valid') return;
  if (row.patch.customer_name === null) scan.clears.customer_name++;
  if (row.patch.customer_language === null) scan.clears.customer_language++;
}

/** The conversation id a row names, when it names one (invalid rows too: a later row may supersede them). */
export function rowId(row: CheckedRow): string | null {
  if (row.kind === 'invalid') return row.id;
  return row.target.by === 'id' ? row.target.id : null;
}
