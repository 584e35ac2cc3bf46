import { once } from 'node:events';
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { RowResult } from '../types.js';
import { FILE_MODE } from './files.js';

/**
 * Settled rows in input order, one JSON line each, on disk rather than in memory: the reports are
 * built from it in one streaming pass at the end, when superseded rows are known.
 */
export class RowSpool {
  private readonly stream;
  /** The stream's first error (a full disk, a folder gone): thrown by the next call instead of ending the process. */
  private error: Error | null = null;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: 'wx', mode: FILE_MODE });
    this.stream.on('error', (error) => {
      this.error ??= error;
    });
  }

  async write(row: RowResult): Promise<void> {
    if (this.error !== null) throw this.error;
    if (!this.stream.write(`${JSON.stringify(row)}\n`)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    if (this.error !== null) throw this.error;
    if (this.stream.closed) return;
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(resolve);
    });
  }

  async *rows(): AsyncGenerator<RowResult> {
    const lines = createInterface({ input: createReadStream(this.path), crlfDelay: Infinity });
    for await (const line of lines) if (line !== '') yield JSON.parse(line) as RowResult;
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }
}
