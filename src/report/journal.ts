import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { FILE_MODE } from './files.js';

/** Rows settled since the last fsync, at most; a kill -9 can lose only those and the in-flight ones. */
const SYNC_EVERY_RECORDS = 64;
const SYNC_EVERY_MS = 250;

/**
 * Append-only NDJSON log that `--resume` reads. Each line is written whole with one write(2);
 * fsync runs in small batches so journaling costs little but a crash loses almost nothing.
 */
export class Journal {
  private readonly fd: number;
  private unsynced = 0;
  private lastSync = Date.now();
  private closed = false;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a', FILE_MODE);
  }

  append(record: object): void {
    if (this.closed) return;
    writeSync(this.fd, JSON.stringify(record) + '\n');
    this.unsynced++;
    if (this.unsynced >= SYNC_EVERY_RECORDS || Date.now() - this.lastSync >= SYNC_EVERY_MS) this.sync();
  }

  /** Forces what was appended to disk now (before a write whose before-values it holds, at exit). */
  sync(): void {
    if (this.closed || this.unsynced === 0) return;
    fsyncSync(this.fd);
    this.unsynced = 0;
    this.lastSync = Date.now();
  }

  close(): void {
    if (this.closed) return;
    this.unsynced = Math.max(this.unsynced, 1);
    this.sync();
    closeSync(this.fd);
    this.closed = true;
  }
}
