import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import type { ImportOptions } from '../../options.js';
import { parseMapArg } from '../read/header.js';
import { FILE_MODE, writeWhole } from '../../report/files.js';
import type { JournalResumedBy } from './journal-records.js';
import type { RunJournal } from './run-journal.js';

/** Which of the options a resume reuses the user typed. */
export type ExplicitOptions = Record<'empty' | 'map' | 'matchBy' | 'encoding' | 'delimiter' | 'sheet' | 'baseUrl' | 'mode', boolean>;

/** A run whose folder is gone (its resume died before creating it, or it was deleted) does not count. */
function refuseIfResumed(journal: RunJournal): void {
  const later = journal.resumedBy.findLast((mark) => existsSync(path.join(mark.dir, 'journal.ndjson')));
  if (later === undefined) return;
  const relative = path.relative(process.cwd(), later.dir);
  const shown = relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? later.dir : relative;
  throw new UsageError(
    `--resume ${journal.runDir}: ${journal.runDir} was already resumed by ${shown}; to go on, resume ${shown}`,
    'already_resumed',
  );
}

/** Called once the gate let this run send, before its first PATCH; fsync'd. */
export function markResumed(resume: RunJournal, run: { runId: string; dir: string }): void {
  const mark: JournalResumedBy = {
    type: 'resumed_by',
    run_id: run.runId,
    dir: path.resolve(run.dir),
    last_changed_at: resume.endedAt,
  };
  try {
    const fd = openSync(path.join(resume.runDir, 'journal.ndjson'), 'a+', FILE_MODE);
    try {
      cutTornLine(fd);
      writeWhole(fd, `${JSON.stringify(mark)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    // Unmarked, the folder could be resumed twice: nothing is sent.
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UsageError(
      `--resume ${resume.runDir}: cannot mark its journal.ndjson as resumed (${code}); nothing was sent. Make the folder writable and resume again`,
      'bad_resume',
      { cause: error },
    );
  }
}

/** A torn last line is dropped, so the mark starts a line of its own. */
function cutTornLine(fd: number): void {
  const size = fstatSync(fd).size;
  const tail = Buffer.alloc(Math.min(size, 64 * 1024));
  let end = size;
  while (end > 0) {
    const from = Math.max(0, end - tail.length);
    const read = readSync(fd, tail, 0, end - from, from);
    const at = tail.subarray(0, read).lastIndexOf(0x0a);
    if (at !== -1) {
      end = from + at + 1;
      break;
    }
    end = from;
  }
  if (end !== size) ftruncateSync(fd, end);
}

/** The options that change what is sent come from the journal; one typed that differs is a usage error. */
export function resumeOptions(opts: ImportOptions, explicit: ExplicitOptions, state: RunJournal): ImportOptions {
  const { run } = state;
  if (run.mode === 'plan' || run.mode === 'dry-run') {
    throw new UsageError(`--resume ${state.runDir}: that run was a ${run.mode}, which sends nothing; run it again instead`, 'bad_resume');
  }
  if (state.clearsGuard?.tripped === true) {
    throw new UsageError(
      `--resume ${state.runDir}: the clears guard refused that run and it sent nothing; run the import again (with --allow-clears if the clears are intended)`,
      'bad_resume',
    );
  }
  refuseIfResumed(state);
  const conflicts: string[] = [];
  const check = (typed: boolean, name: string, mine: unknown, theirs: unknown): void => {
    if (typed && JSON.stringify(mine) !== JSON.stringify(theirs))
      conflicts.push(`${name} ${JSON.stringify(mine)} (the run used ${JSON.stringify(theirs)})`);
  };
  check(explicit.empty, '--empty', opts.empty, run.options.empty);
  check(explicit.map, '--map', opts.mapArgs, run.options.map);
  check(explicit.matchBy, '--match-by', opts.matchBy, run.options.match_by);
  check(explicit.encoding, '--encoding', opts.encoding, run.input.encoding);
  check(explicit.delimiter, '--delimiter', opts.delimiter, run.input.delimiter);
  check(explicit.sheet, '--sheet', opts.sheet, run.input.sheet);
  check(explicit.baseUrl, '--base-url', opts.baseUrl, run.options.base_url);
  check(explicit.mode, 'mode', opts.mode, run.mode);
  if (opts.mode === 'dry-run' || opts.mode === 'plan') conflicts.push(`--${opts.mode} (a resume continues sending)`);
  if (conflicts.length > 0) {
    throw new UsageError(
      `--resume ${state.runDir}: these options differ from the interrupted run: ${conflicts.join('; ')}. Leave them out to reuse the run's own.`,
      'resume_conflict',
    );
  }
  return {
    ...opts,
    mode: run.mode,
    empty: run.options.empty,
    mapArgs: run.options.map,
    map: new Map(run.options.map.map(parseMapArg)),
    matchBy: run.options.match_by,
    // A workbook has neither: its journal's are those of its failed.csv.
    encoding: run.input.sheet === undefined ? run.input.encoding : undefined,
    delimiter: run.input.sheet === undefined ? run.input.delimiter : undefined,
    sheet: run.input.sheet,
    baseUrl: run.options.base_url,
  };
}
