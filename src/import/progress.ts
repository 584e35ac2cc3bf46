/** The import's side of `onProgress`. */
import { type ImportProgress, type PaceSource, paceOf } from '../progress.js';
import type { OutcomeKind, RowResult } from '../types.js';

export interface ProgressBasis {
  totalBytes: number;
  rowsTotal: number | null;
  client: PaceSource | null;
}

export class ImportTally {
  private bytes = 0;
  private rows = 0;
  private readonly counts: Partial<Record<OutcomeKind, number>> = {};
  private readonly startedAt: number;

  constructor(private readonly now: () => number = Date.now) {
    this.startedAt = now();
  }

  bytesRead(bytes: number): void {
    this.bytes = bytes;
  }

  /** BOM included. */
  get bytesSoFar(): number {
    return this.bytes;
  }

  rowSettled(row: RowResult): void {
    this.rows++;
    this.counts[row.outcome.kind] = (this.counts[row.outcome.kind] ?? 0) + 1;
  }

  state(basis: ProgressBasis, done: boolean): ImportProgress {
    const now = this.now();
    return {
      command: 'import',
      bytes: done ? basis.totalBytes : this.bytes,
      totalBytes: basis.totalBytes,
      rows: this.rows,
      rowsTotal: basis.rowsTotal,
      counts: { ...this.counts },
      ...paceOf(basis.client, now),
      elapsedMs: now - this.startedAt,
      done,
    };
  }
}
