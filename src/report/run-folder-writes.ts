import { statfsSync, statSync } from 'node:fs';
import { formatBytes } from './format.js';
import { type RunFolderWriteError, writeFault } from './write-fault.js';

/** How often the run checks that its folder is still there (a removed folder takes writes without an error). */
const FOLDER_CHECK_MS = 1000;

/**
 * Every write a run makes in its folder goes through here. The first failure stops the run (the
 * callback, once); a file that failed is never written again, so a journal line cut short by a
 * full disk stays its last line, which resume reads back without it. Other files are still tried:
 * rows in flight settle into the journal where it still can take them.
 */
export class RunFolderWrites {
  private first: RunFolderWriteError | null = null;
  private readonly broken = new Map<string, RunFolderWriteError>();

  constructor(private readonly onFault: (fault: RunFolderWriteError) => void) {}

  /** The first write error of the run, if any. */
  get fault(): RunFolderWriteError | null {
    return this.first;
  }

  isBroken(path: string): boolean {
    return this.broken.has(path);
  }

  /** Runs a synchronous write to `path`; false when it failed, now or before. */
  write(path: string, write: () => void): boolean {
    if (this.broken.has(path)) return false;
    try {
      write();
      return true;
    } catch (error) {
      this.fail(path, error);
      return false;
    }
  }

  async writeAsync(path: string, write: () => Promise<void>): Promise<boolean> {
    if (this.broken.has(path)) return false;
    try {
      await write();
      return true;
    } catch (error) {
      this.fail(path, error);
      return false;
    }
  }

  /** The write error of `path`, once it had one. */
  faultOf(path: string): RunFolderWriteError | undefined {
    return this.broken.get(path);
  }

  fail(path: string, error: unknown): void {
    const fault = writeFault(path, error);
    if (!this.broken.has(path)) this.broken.set(path, fault);
    this.tell(fault);
  }

  private tell(fault: RunFolderWriteError): void {
    if (this.first !== null) return;
    this.first = fault;
    this.onFault(fault);
  }

  /**
   * Checks now and every second that `path` is still the file the run opened: writes to the open
   * file of a folder that was removed or moved succeed, and would go nowhere. Returns the stopper.
   */
  watch(path: string): { check(): void; stop(): void } {
    const ino = statSync(path).ino;
    let gone = false;
    const check = (): void => {
      if (gone) return;
      let now: number | null;
      try {
        now = statSync(path).ino;
      } catch {
        now = null;
      }
      if (now === ino) return;
      gone = true;
      // The open file still takes writes: a folder that was moved gets the rows in flight too.
      this.tell(writeFault(path, Object.assign(new Error('the run folder is gone'), { code: 'ENOENT' })));
    };
    const timer = setInterval(check, FOLDER_CHECK_MS);
    timer.unref();
    return { check, stop: () => clearInterval(timer) };
  }
}

/**
 * Bytes one row takes in the run folder, rounded up from measured runs (docs/long-runs.md): the
 * journal, the spool of settled rows (removed at the end), results.csv. The values read before
 * each write (--only-changed) add to all three, and rollback.csv.
 */
const BYTES_PER_ROW = { journal: 240, spool: 225, results: 90, beforeValues: 310 } as const;
/** report.html lists at most 2,000 failed rows: its size does not grow with the file. */
const REPORT_HTML_BYTES = 2_000_000;

/** The most a run may take at its peak: everything above, and failed.csv as large as the input (every row failed). */
export function estimateRunBytes(rows: number, inputBytes: number, readsBefore: boolean): number {
  const perRow = BYTES_PER_ROW.journal + BYTES_PER_ROW.spool + BYTES_PER_ROW.results + (readsBefore ? BYTES_PER_ROW.beforeValues : 0);
  return rows * perRow + inputBytes + REPORT_HTML_BYTES;
}

/** Free bytes for an unprivileged writer on the disk of `dir`; null when the system cannot tell. */
export function freeBytesAt(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

/**
 * A warning when the run may not fit, never a refusal: the estimate is a worst case, space may be
 * freed while the run goes on, and a run that does fill the disk stops cleanly and resumes.
 */
export function lowSpaceWarning(rows: number, needBytes: number, freeBytes: number | null): string | null {
  if (freeBytes === null || needBytes <= freeBytes) return null;
  return (
    `the report dir's disk has ${formatBytes(freeBytes)} free; this run of ${rows} rows may need up to ${formatBytes(needBytes)} ` +
    '(journal, results.csv, failed.csv, a temporary spool). Going on: if the disk fills, the run stops sending, exits 3 and can be resumed after freeing space'
  );
}
