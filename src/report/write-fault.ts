import { VorelSyncError } from '../errors.js';

/** What an errno of a failed write in the run folder means, for the one message the user gets. */
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

/** A write in the run folder (journal, report, temp file) or to an export's output failed: the run stops, exit 3. */
export class RunFolderWriteError extends VorelSyncError {
  constructor(
    readonly path: string,
    readonly errno: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot write ${path}: ${errno} (${MEANINGS[errno] ?? 'write failed'})`, 'write_failed', 3, options);
  }
}

/** The write error behind `error`, attributed to `path`; anything but a file-system error (a bug) is rethrown. */
export function writeFault(path: string, error: unknown): RunFolderWriteError {
  if (error instanceof RunFolderWriteError) return error;
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof errno !== 'string' || !/^E[A-Z]+$/.test(errno)) throw error;
  return new RunFolderWriteError(path, errno, { cause: error });
}

/** Runs `write`, turning a failure of the file system into a {@link RunFolderWriteError} for `path`. */
export async function writingTo<T>(path: string, write: () => Promise<T> | T): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw writeFault(path, error);
  }
}

/** How to get past a write error, by its errno: the summary adds the --resume command. */
function wayOn(errno: string): string {
  if (errno === 'ENOSPC' || errno === 'EDQUOT' || errno === 'EFBIG')
    return 'Free some space, or move the run folder to a disk with room, then resume it (from its new place, if moved)';
  if (errno === 'ENOENT' || errno === 'ENOTDIR')
    return 'If the run folder was moved, resume it from its new place; if it was deleted, its journal is gone: start again with --only-changed';
  if (errno === 'EROFS' || errno === 'EACCES' || errno === 'EPERM')
    return 'Make the folder writable again, or copy the run folder to a writable disk, then resume it (from its new place, if copied)';
  return 'Check the disk, or copy the run folder to another disk, then resume it (from its new place, if copied)';
}

/** What the user is told when the run stopped on a write error: what failed, what is safe, how to go on. */
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
