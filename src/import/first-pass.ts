/** The first pass: the whole file read once, before any request, for what must be known up front. */
import type { InputSource } from '../input/source.js';
import path from 'node:path';
import type { Logger } from '../log.js';
import type { RunMode } from '../options.js';
import type { WritableField } from '../types.js';
import type { CheckedRow } from './check.js';
import { bloomBitsForInput, DuplicateFinder } from './duplicates.js';
import { openRowStream, type RowStreamOptions, warnUnknownColumns } from './read.js';
import { targetKey } from './row-handler.js';

/** Share of rows clearing a field above which we warn before sending (contract: Input, Safety). */
const CLEAR_WARNING_SHARE = 0.1;

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

/** Reads the file once: counts, duplicate ids and clears, said on stderr before the first request. */
export async function firstPass(
  source: InputSource,
  opts: RowStreamOptions,
  run: { mode: RunMode; dir: string },
  log: Logger,
): Promise<FileScan> {
  const { header, rows } = await openRowStream(source, opts);
  warnUnknownColumns(header.unknown, log);
  const scan = await scanRows(rows, { dir: run.dir, inputBytes: source.size });
  warnAboutScan(scan, run.mode, log);
  return scan;
}

/** Repeated ids and identifiers, and a share of clears over CLEAR_WARNING_SHARE. */
export function warnAboutScan(scan: FileScan, mode: RunMode, log: Logger): void {
  if (scan.duplicateIds.size > 0) {
    const shown = [...scan.duplicateIds].slice(0, 10).join(', ');
    const more = scan.duplicateIds.size > 10 ? ` and ${scan.duplicateIds.size - 10} more` : '';
    log.warn(`${scan.duplicateIds.size} ids appear on more than one row (applied in file order, one at a time): ${shown}${more}`);
  }
  if (scan.duplicateKeys.size > 0) {
    log.warn(`${scan.duplicateKeys.size} customer identifiers appear on more than one row (applied in file order, one at a time)`);
  }
  // Reading modes compare first: a row whose field is already empty sends nothing for it.
  const reads = mode === 'plan' || mode === 'only-changed' ? ', where it is not already empty' : '';
  const { clears, rows } = scan;
  for (const [field, n] of Object.entries(clears)) {
    if (rows > 0 && n / rows > CLEAR_WARNING_SHARE) {
      log.warn(
        `${n} of ${rows} rows (${Math.round((n / rows) * 100)}%) clear ${field}${reads} (empty cells are sent as null; use --empty keep to leave them untouched)`,
      );
    }
  }
}
