import { closeSync, fsync, fsyncSync, openSync } from 'node:fs';
import path from 'node:path';
import type { InputSource } from '../../input/source.js';
import type { ImportOptions } from '../../options.js';
import { FILE_MODE, writeWhole } from '../../report/files.js';
import type { RowResult } from '../../types.js';
// Types only: the schema (and zod) load when a journal is read back, never for a run that only writes one.
import type { JournalRecord, JournalRow, JournalRun } from './journal-records.js';

/** Rows settled since the last fsync, at most, before another starts (a power cut can lose those). */
const SYNC_EVERY_RECORDS = 64;
const SYNC_EVERY_MS = 250;

/**
 * Append-only NDJSON log that `--resume` reads. Each line is written whole with one write(2), so a
 * killed process loses nothing it appended (the kernel has it). fsync, against power cuts, runs in
 * small batches on the thread pool so it never stalls the requests in flight; `sync()` is the
 * blocking one, for before-values that must be on disk before their PATCH is sent.
 */
export class Journal {
  private readonly fd: number;
  private unsynced = 0;
  private lastSync = Date.now();
  private closed = false;
  private syncing: Promise<void> | null = null;
  /** A failed background fsync, thrown by the next call: the disk lost what was appended. */
  private syncError: Error | null = null;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a', FILE_MODE);
  }

  append(record: JournalRecord): void {
    if (this.closed) return;
    this.throwSyncError();
    writeWhole(this.fd, `${JSON.stringify(record)}\n`);
    this.unsynced++;
    if (this.unsynced >= SYNC_EVERY_RECORDS || Date.now() - this.lastSync >= SYNC_EVERY_MS) this.syncInBackground();
  }

  /** Forces what was appended to disk now, blocking (before a write whose before-values it holds). */
  sync(): void {
    if (this.closed) return;
    this.throwSyncError();
    if (this.unsynced === 0) return;
    fsyncSync(this.fd);
    this.unsynced = 0;
    this.lastSync = Date.now();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.syncing;
    try {
      this.throwSyncError();
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
    }
  }

  private throwSyncError(): void {
    if (this.syncError !== null) throw this.syncError;
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

/** A settled row as journaled, with the earlier lines it supersedes, and whether a resume carried it over. */
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

/** The journal's first record, from the checked options and the opened input. */
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
