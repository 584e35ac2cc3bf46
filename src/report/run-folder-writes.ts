import { statSync } from 'node:fs';
import { VorelSyncError } from '../errors.js';

const MEANINGS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error: the disk or the network file system failed',
  EROFS: 'the file system is read-only',
  ENOENT: 'removed or moved while in use',
  ENOTDIR: 'a folder on its path was replaced by a file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EFBIG: 'file too large for the file system',
  ESTALE: 'stale file handle (the network file system lost the folder)',
  EPIPE: 'the reader of the pipe went away',
};

/** A write in the run folder or to an export's output failed: exit 3. */
export class RunFolderWriteError extends VorelSyncError {
  constructor(
    readonly path: string,
    readonly errno: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot write ${path}: ${errno} (${MEANINGS[errno] ?? 'write failed'})`, 'write_failed', 3, options);
  }
}

/** Anything but a file-system error (a bug) is rethrown. */
export function writeFault(path: string, error: unknown): RunFolderWriteError {
  if (error instanceof RunFolderWriteError) return error;
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof errno !== 'string' || !/^E[A-Z]+$/.test(errno)) throw error;
  return new RunFolderWriteError(path, errno, { cause: error });
}

export async function writingTo<T>(path: string, write: () => Promise<T> | T): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw writeFault(path, error);
  }
}

function wayOn(errno: string): string {
  if (errno === 'ENOSPC' || errno === 'EDQUOT' || errno === 'EFBIG')
    return 'Free some space, or move the run folder to a disk with room, then resume it (from its new place, if moved)';
  if (errno === 'ENOENT' || errno === 'ENOTDIR')
    return 'If the run folder was moved, resume it from its new place; if it was deleted, its journal is gone: start again with --only-changed';
  if (errno === 'EROFS' || errno === 'EACCES' || errno === 'EPERM')
    return 'Make the folder writable again, or copy the run folder to a writable disk, then resume it (from its new place, if copied)';
  return 'Check the disk, or copy the run folder to another disk, then resume it (from its new place, if copied)';
}

/** What failed, what is safe, how to go on. */
export function writeFaultMessage(
  fault: RunFolderWriteError,
  rows: { settled: number; journaled: number },
  whileSending: boolean,
  resumable = true,
): string {
  const when = whileSending ? 'The run stopped sending at once' : 'It happened after the last request';
  // A plan sent no update and cannot be resumed: the way on is the same plan again.
  if (!resumable) return `${fault.message}. ${when}. A plan is not resumed: run it again once the report dir can be written`;
  const lost = rows.settled - rows.journaled;
  const journal =
    lost > 0
      ? `${rows.settled} rows were settled, ${rows.journaled} of them in the journal; the other ${lost} are sent again on resume (sending a row twice is harmless: it writes the same values)`
      : `${rows.settled} rows were settled, all of them in the journal`;
  return `${fault.message}. ${when}: ${journal}. ${wayOn(fault.errno)}`;
}

const FOLDER_CHECK_MS = 1000;

/**
 * Every write in the run folder: the first failure stops the run (`onFault`, once); a file that
 * failed is never written again, so a journal line cut short stays its last line.
 */
export class RunFolderWrites {
  private first: RunFolderWriteError | null = null;
  private readonly broken = new Map<string, RunFolderWriteError>();

  constructor(private readonly onFault: (fault: RunFolderWriteError) => void) {}

  get fault(): RunFolderWriteError | null {
    return this.first;
  }

  isBroken(path: string): boolean {
    return this.broken.has(path);
  }

  /** False when it failed, now or before. */
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

  /** Checks every second that `path` is the file opened: writes into a removed folder succeed and go nowhere. */
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
      this.tell(writeFault(path, Object.assign(new Error('the run folder is gone'), { code: 'ENOENT' })));
    };
    const timer = setInterval(check, FOLDER_CHECK_MS);
    timer.unref();
    return { check, stop: () => clearInterval(timer) };
  }
}
