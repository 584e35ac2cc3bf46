/** The first pass: the whole file read once, before any request, for what must be known up front. */
import type { InputSource } from '../../input/source.js';
import path from 'node:path';
import type { Logger } from '../../log.js';
import { estimateRunBytes, freeBytesAt, lowSpaceWarning } from './disk-space.js';
import { WRITABLE_FIELDS } from '../../types.js';
import { type CheckedRow, targetKey } from '../read/check.js';
import { bloomBitsForInput, DuplicateFinder } from './duplicates.js';
import { addClear, type ClearsCount, emptyClearsCount } from './clears-guard.js';
import { openRowStream, type RowStreamOptions, warnUnknownColumns } from '../read/read.js';

export interface FileScan extends ClearsCount {
  rows: number;
  validRows: number;
  duplicateIds: Set<string>;
  /** Normalised customer identifiers on more than one row. */
  duplicateKeys: Set<string>;
}

/** The first pass's counts, row by row (a dry run's only pass too); the key logs go in `dir`. */
export class FileScanner {
  private readonly counts: Omit<FileScan, 'duplicateIds' | 'duplicateKeys'> = {
    rows: 0,
    validRows: 0,
    ...emptyClearsCount(),
  };
  private readonly ids: DuplicateFinder;
  private keys: DuplicateFinder | null = null;

  constructor(private readonly storage: { dir: string; inputBytes: number }) {
    this.ids = this.finder('.ids');
  }

  add(row: CheckedRow): void {
    this.counts.rows++;
    if (row.kind === 'valid') {
      this.counts.validRows++;
      for (const field of WRITABLE_FIELDS) if (row.patch[field] === null) addClear(this.counts, field, row.line);
      if (row.target.by === 'customer_identifier') {
        this.keys ??= this.finder('.keys');
        this.keys.add(targetKey(row.target));
      }
    }
    const id = rowId(row);
    if (id !== null) this.ids.add(id);
  }

  async finish(): Promise<FileScan> {
    try {
      const duplicateIds = await this.ids.finish();
      const duplicateKeys = this.keys === null ? new Set<string>() : await this.keys.finish();
      return { ...this.counts, duplicateIds, duplicateKeys };
    } finally {
      this.discard();
    }
  }

  discard(): void {
    this.ids.discard();
    this.keys?.discard();
  }

  private finder(name: string): DuplicateFinder {
    const { dir, inputBytes } = this.storage;
    return new DuplicateFinder({ logPath: path.join(dir, name), bloomBits: bloomBitsForInput(inputBytes) });
  }
}

/** Invalid rows too: a later row may supersede them. */
export function rowId(row: CheckedRow): string | null {
  if (row.kind === 'invalid') return row.id;
  return row.target.by === 'id' ? row.target.id : null;
}

/** `readsBefore`: the mode journals before-values too (the disk estimate). */
export async function firstPass(
  source: InputSource,
  opts: RowStreamOptions,
  runDir: string,
  log: Logger,
  readsBefore: boolean,
): Promise<FileScan> {
  const { header, batches } = await openRowStream(source, opts);
  warnUnknownColumns(header.unknown, log);
  const scanner = new FileScanner({ dir: runDir, inputBytes: source.size });
  try {
    for await (const batch of batches) for (const row of batch) scanner.add(row);
  } catch (error) {
    scanner.discard();
    throw error;
  }
  const scan = await scanner.finish();
  warnAboutScan(scan, log);
  const need = estimateRunBytes(scan.rows, source.size, readsBefore);
  const warning = lowSpaceWarning(scan.rows, need, freeBytesAt(runDir));
  if (warning !== null) log.warn(warning);
  return scan;
}

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
