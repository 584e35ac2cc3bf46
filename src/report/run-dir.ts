import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { DIR_MODE, FILE_MODE } from './files.js';

/** `2026-11-25T13-40-05Z-3f9a`: sortable by time; the random tail makes same-second runs distinct. */
export function newRunId(now: Date, suffix = randomBytes(2).toString('hex')): string {
  return `${now.toISOString().slice(0, 19).replaceAll(':', '-')}Z-${suffix}`;
}

/** A report dir we cannot use (a file, no permission, read-only disk): a usage error, exit 2. */
function reportDirError(reportDir: string, error: unknown): UsageError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  const why =
    code === 'EEXIST' || code === 'ENOTDIR' ? 'it is not a directory' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code;
  return new UsageError(`cannot use the report dir ${reportDir}: ${why} (choose another with --report-dir)`, 'report_dir', {
    cause: error,
  });
}

export interface ReportDirLock {
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One run at a time per report dir (contract `--report-dir`): two runs racing on one spreadsheet
 * would double-apply. A lock left by a dead process is taken over.
 */
export function lockReportDir(reportDir: string): ReportDirLock {
  try {
    mkdirSync(reportDir, { recursive: true, mode: DIR_MODE });
  } catch (error) {
    throw reportDirError(reportDir, error);
  }
  const lockPath = path.join(reportDir, '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', FILE_MODE);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return {
        release: () => {
          try {
            if (readFileSync(lockPath, 'utf8').trim() === String(process.pid)) unlinkSync(lockPath);
          } catch {
            // Already gone: nothing to release.
          }
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

/** Creates `<reportDir>/<runId>/` (0700), never reusing an existing folder. */
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
