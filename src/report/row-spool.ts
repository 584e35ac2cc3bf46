import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { RowResult } from '../types.js';
import { FILE_MODE } from './files.js';

/** Text gathered before one write(2): a row costs a string append, not a stream write. */
const WRITE_BYTES = 1024 * 1024;
const READ_BYTES = 1024 * 1024;
const LF = 0x0a;

/**
 * Settled rows in input order, one JSON line each, on disk rather than in memory: the reports are
 * built from it in one streaming pass at the end, when superseded rows are known.
 */
export class RowSpool {
  private fd: number | null;
  private pending = '';

  constructor(readonly path: string) {
    this.fd = openSync(path, 'wx', FILE_MODE);
  }

  /** Synchronous: the text is written in large blocks. */
  write(row: RowResult): undefined {
    this.pending += `${JSON.stringify(row)}\n`;
    if (this.pending.length >= WRITE_BYTES) this.flush();
    return undefined;
  }

  async close(): Promise<void> {
    if (this.fd === null) return;
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
      this.fd = null;
    }
  }

  /** The rows in the order written, one array per read of the file. */
  async *batches(): AsyncGenerator<RowResult[]> {
    const file = await open(this.path, 'r');
    try {
      let buffer = Buffer.allocUnsafe(READ_BYTES);
      let filled = 0;
      for (;;) {
        if (filled === buffer.length) buffer = Buffer.concat([buffer, Buffer.allocUnsafe(buffer.length)]);
        const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, null);
        filled += bytesRead;
        // Lines end at a LF byte, which never occurs inside a UTF-8 sequence, nor in JSON text.
        const end = bytesRead === 0 ? filled : buffer.lastIndexOf(LF, filled - 1) + 1;
        if (end > 0) {
          const rows: RowResult[] = [];
          for (const line of buffer.toString('utf8', 0, end).split('\n')) if (line !== '') rows.push(JSON.parse(line) as RowResult);
          buffer.copy(buffer, 0, end, filled);
          filled -= end;
          yield rows;
        }
        if (bytesRead === 0) return;
      }
    } finally {
      await file.close();
    }
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }

  private flush(): void {
    if (this.fd === null || this.pending === '') return;
    const bytes = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    let from = 0;
    while (from < bytes.length) from += writeSync(this.fd, bytes, from, bytes.length - from);
  }
}
