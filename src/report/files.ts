import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';

/** Run files hold customer names: owner-only. */
export const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** Temp + fsync + rename: a crash never leaves a half report that looks complete. */
export function writeFileAtomic(target: string, content: string): void {
  const tmp = tempPathFor(target);
  try {
    writeFileSync(tmp, content, { flag: 'wx', mode: FILE_MODE, flush: true });
    renameSync(tmp, target);
  } catch (error) {
    // A full disk must not leave hidden temp files behind (they hold customer names).
    rmSync(tmp, { force: true });
    throw error;
  }
}

/** write(2) may write only part when the disk fills up: the rest is written, or the error thrown. */
export function writeWhole(fd: number, content: string | Uint8Array): void {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  for (let at = 0; at < bytes.length; ) {
    const written = writeSync(fd, bytes, at);
    if (written === 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    at += written;
  }
}

export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(4).toString('hex')}.tmp`);
}

/** A temp file that becomes `target` on `commit()`; synchronous writes of 64 KiB+ cost less than a promise each. */
export class AtomicFileWriter {
  readonly tempPath: string;
  private fd: number | null = null;
  private buffered: string[] = [];
  private bufferedLength = 0;
  /** A second Ctrl-C must not leave the temp file behind. */
  private readonly removeOnExit = (): void => rmSync(this.tempPath, { force: true });

  constructor(readonly target: string) {
    this.tempPath = tempPathFor(target);
  }

  write(text: string): void {
    this.buffered.push(text);
    this.bufferedLength += text.length;
    if (this.bufferedLength >= 64 * 1024) this.flush();
  }

  /** The caller may reuse `bytes` at once. */
  writeBytes(bytes: Uint8Array): void {
    this.flush();
    writeWhole(this.open(), bytes);
  }

  async commit(): Promise<void> {
    this.flush();
    const fd = this.open();
    this.fd = null;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    await rename(this.tempPath, this.target);
    process.off('exit', this.removeOnExit);
  }

  async discard(): Promise<void> {
    this.buffered = [];
    this.bufferedLength = 0;
    const fd = this.fd;
    this.fd = null;
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        // Closing a file we are about to remove: nothing to keep.
      }
    }
    await rm(this.tempPath, { force: true });
    process.off('exit', this.removeOnExit);
  }

  /** Also to find an unwritable folder before any other work. */
  open(): number {
    if (this.fd === null) {
      this.fd = openSync(this.tempPath, 'wx', FILE_MODE);
      process.once('exit', this.removeOnExit);
    }
    return this.fd;
  }

  private flush(): void {
    const fd = this.open();
    if (this.buffered.length === 0) return;
    const chunk = this.buffered.join('');
    this.buffered = [];
    this.bufferedLength = 0;
    writeWhole(fd, chunk);
  }
}

/** `2026-11-25T13-40-05Z-3f9a`: sortable by time. */
export function newRunId(now: Date, suffix = randomBytes(2).toString('hex')): string {
  return `${now.toISOString().slice(0, 19).replaceAll(':', '-')}Z-${suffix}`;
}

function reportDirError(reportDir: string, error: unknown): UsageError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  const why =
    code === 'EEXIST' || code === 'ENOTDIR' ? 'it is not a directory' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code;
  return new UsageError(`cannot use the report dir ${reportDir}: ${why} (choose another with --report-dir)`, 'report_dir', {
    cause: error,
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but is someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One run at a time per report dir; a lock left by a dead process is taken over. */
export function lockReportDir(reportDir: string): { release(): void } {
  try {
    mkdirSync(reportDir, { recursive: true, mode: DIR_MODE });
  } catch (error) {
    throw reportDirError(reportDir, error);
  }
  const lockPath = path.join(reportDir, '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx', mode: FILE_MODE });
      return {
        release: () => {
          try {
            if (readFileSync(lockPath, 'utf8').trim() === String(process.pid)) unlinkSync(lockPath);
          } catch {}
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw reportDirError(reportDir, error);
      const pid = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
        throw new UsageError(
          `another vorel-sync run (pid ${pid}) is using the report dir ${reportDir}; wait for it to finish, or use another --report-dir`,
          'lock_held',
        );
      }
      unlinkSync(lockPath);
    }
  }
  throw new UsageError(`cannot take the lock in ${reportDir}`, 'lock_held');
}

/** Never reuses an existing folder. */
export function createRunDir(reportDir: string, now: Date): { runId: string; dir: string } {
  for (let attempt = 0; attempt < 20; attempt++) {
    const runId = newRunId(now);
    const dir = path.join(reportDir, runId);
    try {
      mkdirSync(dir, { mode: DIR_MODE });
      return { runId, dir };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw reportDirError(reportDir, error);
    }
  }
  throw new Error(`cannot create a run folder in ${reportDir}`);
}
