import { statSync } from 'node:fs';
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
