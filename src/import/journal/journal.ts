import { closeSync, fsync, fsyncSync, openSync } from 'node:fs';
import path from 'node:path';
import type { InputSource } from '../../input/source.js';
import type { ImportOptions } from '../../options.js';
import { FILE_MODE, writeWhole } from '../../report/files.js';
import type { RunFolderWrites } from '../../report/run-folder-writes.js';
import { RunFolderWriteError, writeFault } from '../../report/run-folder-writes.js';
import type { RowResult } from '../../types.js';
// Types only: the schema (and zod) load when a journal is read back, never for a run that only writes one.
import type { JournalBefore, JournalRecord, JournalRow, JournalRun } from './journal-records.js';

/** Records since the last fsync, at most, before another starts (a power cut can lose those). */
const SYNC_EVERY_RECORDS = 64;
const SYNC_EVERY_MS = 250;

/** Append-only; a write error is told once, never thrown (before-values aside). One write(2) per line; fsync in batches. */
export class Journal {
  /** Rows with a final outcome (not `not_attempted`) that reached the journal. */
  journaledRows = 0;
  private readonly fd: number;
  private unsynced = 0;
  private lastSync = Date.now();
  private closed = false;
  private syncing: Promise<void> | null = null;
  /** Thrown by the next write: the disk lost what was appended. */
  private syncError: Error | null = null;

  constructor(
    readonly path: string,
    private readonly writes: RunFolderWrites,
  ) {
    try {
      this.fd = openSync(path, 'a', FILE_MODE);
    } catch (error) {
      throw writeFault(path, error);
    }
  }

  /** False when it is not in the journal. */
  append(record: JournalRecord): boolean {
    const written = this.whileOpen(() => {
      writeWhole(this.fd, `${JSON.stringify(record)}\n`);
      this.unsynced++;
      if (this.unsynced >= SYNC_EVERY_RECORDS || Date.now() - this.lastSync >= SYNC_EVERY_MS) this.syncInBackground();
    });
    if (written && record.type === 'row' && record.outcome.kind !== 'not_attempted') this.journaledRows++;
    return written;
  }

  /** Throws the fault when it cannot, so the PATCH is not sent. */
  appendDurably(record: JournalBefore): void {
    if (!this.append(record) || !this.sync()) throw this.writes.faultOf(this.path) ?? new RunFolderWriteError(this.path, 'EIO');
  }

  sync(): boolean {
    return this.whileOpen(() => {
      if (this.unsynced === 0) return;
      fsyncSync(this.fd);
      this.unsynced = 0;
      this.lastSync = Date.now();
    });
  }

  async close(): Promise<void> {
    if (this.writes.isBroken(this.path)) await this.closeFile().catch(() => undefined);
    else await this.writes.writeAsync(this.path, () => this.closeFile());
  }

  private async closeFile(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.syncing;
    try {
      if (this.syncError !== null) throw this.syncError;
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
    }
  }

  /** Through the run folder's writes; nothing once closed, and a background fsync's error first. */
  private whileOpen(write: () => void): boolean {
    return this.writes.write(this.path, () => {
      if (this.closed) return;
      if (this.syncError !== null) throw this.syncError;
      write();
    });
  }

  private syncInBackground(): void {
    if (this.syncing !== null) return;
    this.unsynced = 0;
    this.lastSync = Date.now();
    this.syncing = new Promise((resolve) =>
      fsync(this.fd, (error) => {
        if (error !== null) this.syncError ??= error;
        this.syncing = null;
        resolve();
      }),
    );
  }
}

export function rowRecord(row: RowResult, supersedes: readonly number[] = [], carried = false): JournalRow {
  const copyFrom = row.copyFrom === undefined ? {} : { copy_from: row.copyFrom };
  return {
    type: 'row',
    line: row.line,
    end_line: row.endLine,
    ...copyFrom,
    id: row.id,
    outcome: row.outcome,
    patch: row.patch,
    before: row.before,
    ...(supersedes.length === 0 ? {} : { supersedes: [...supersedes] }),
    ...(carried ? { carried: true as const } : {}),
  };
}

export function runRecord(run: { runId: string; startedAt: Date }, opts: ImportOptions, source: InputSource): JournalRun {
  return {
    type: 'run',
    version: 1,
    run_id: run.runId,
    mode: opts.mode,
    started_at: run.startedAt.toISOString(),
    input: {
      path: source.displayPath,
      ...(source.displayPath === '-' ? {} : { absolute_path: path.resolve(source.displayPath) }),
      sha256: source.sha256,
      encoding: source.encoding,
      delimiter: source.delimiter,
      ...(source.workbook === null ? {} : { sheet: source.workbook.sheet }),
    },
    options: { empty: opts.empty, map: [...opts.mapArgs], match_by: opts.matchBy, base_url: opts.baseUrl },
    ...(opts.resume === undefined ? {} : { resumes: path.resolve(opts.resume) }),
  };
}
