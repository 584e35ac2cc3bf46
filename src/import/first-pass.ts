/** The first pass: the whole file read once, before any request, for what must be known up front. */
import type { InputSource } from '../input/source.js';
import type { Logger } from '../log.js';
import { WRITABLE_FIELDS } from '../types.js';
import type { CheckedRow } from './check.js';
import { addClear, type ClearsCount, emptyClearsCount } from './clears-guard.js';
import { openRowStream, type RowStreamOptions, warnUnknownColumns } from './read.js';
import { targetKey } from './row-handler.js';

/** What a first pass over the file learns before anything is sent; the clears are the clears guard's file count. */
export interface FileScan extends ClearsCount {
  rows: number;
  validRows: number;
  /** Ids on more than one row. */
  duplicateIds: Set<string>;
  /** Customer identifiers (normalised) on more than one row, with --match-by customer_identifier. */
  duplicateKeys: Set<string>;
}

/** Counts rows, clears and duplicate ids, one row at a time (the first pass, or a dry run's only pass). */
export class FileScanner {
  readonly scan: FileScan = {
    rows: 0,
    validRows: 0,
    ...emptyClearsCount(),
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

function countClears(scan: ClearsCount, row: CheckedRow): void {
  if (row.kind !== 'valid') return;
  for (const field of WRITABLE_FIELDS) if (row.patch[field] === null) addClear(scan, field, row.line);
}

/** The conversation id a row names, when it names one (invalid rows too: a later row may supersede them). */
export function rowId(row: CheckedRow): string | null {
  if (row.kind === 'invalid') return row.id;
  return row.target.by === 'id' ? row.target.id : null;
}

/** Reads the file once: counts, duplicate ids and clears; repeated ids said on stderr before the first request. */
export async function firstPass(source: InputSource, opts: RowStreamOptions, log: Logger): Promise<FileScan> {
  const { header, rows } = await openRowStream(source, opts);
  warnUnknownColumns(header.unknown, log);
  const scan = await scanRows(rows);
  warnAboutScan(scan, log);
  return scan;
}

/** Repeated ids and identifiers (the clears are the clears guard's to judge: gate.ts). */
export function warnAboutScan(scan: FileScan, log: Logger): void {
  if (scan.duplicateIds.size > 0) {
    const shown = [...scan.duplicateIds].slice(0, 10).join(', ');
    const more = scan.duplicateIds.size > 10 ? ` and ${scan.duplicateIds.size - 10} more` : '';
    log.warn(`${scan.duplicateIds.size} ids appear on more than one row (applied in file order, one at a time): ${shown}${more}`);
  }
  if (scan.duplicateKeys.size > 0) {
    log.warn(`${scan.duplicateKeys.size} customer identifiers appear on more than one row (applied in file order, one at a time)`);
  }
}
