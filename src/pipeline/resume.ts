import { existsSync } from 'node:fs';
import { JournalIndex, type LineLookup } from '../import/journal-index.js';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { ImportOptions, MatchBy, EmptyCells, RunMode } from '../options.js';
import { parseMapArg } from './header.js';
import type { Delimiter, InputEncoding, RowResult, WritableValues } from '../types.js';

/** The journal's first record: what the run sent and from what. */
export interface JournalRun {
  type: 'run';
  version: 1;
  run_id: string;
  mode: RunMode;
  input: { path: string; sha256: string; encoding: InputEncoding; delimiter: Delimiter };
  options: { empty: EmptyCells; map: string[]; match_by: MatchBy; base_url: string };
}

/** What a resumed run takes from the interrupted one. */
export interface ResumeState {
  runDir: string;
  run: JournalRun;
  /** Rows not to send again, by line: their outcome is carried over as it is. */
  carried: LineLookup<RowResult>;
  /** Before-values journaled ahead of a PATCH whose row never settled (it may have been applied). */
  befores: LineLookup<WritableValues>;
  /** Unreadable lines skipped (a torn last write). */
  skippedLines: number;
  /** Releases the journal, which the lookups read from. */
  close(): void;
}

/** The options of the interrupted run that a resume must reuse; which ones the user typed. */
export interface ExplicitOptions {
  empty: boolean;
  map: boolean;
  matchBy: boolean;
  encoding: boolean;
  delimiter: boolean;
  baseUrl: boolean;
  mode: boolean;
}

/** Reads a journal, tolerating a torn last line (a crash mid-write). */
export async function readJournal(runDir: string): Promise<ResumeState> {
  const file = path.join(runDir, 'journal.ndjson');
  if (!existsSync(file)) {
    throw new UsageError(
      `--resume ${runDir}: no journal.ndjson there: is it a run folder? (a dry run keeps no journal: it has nothing to resume)`,
      'bad_resume',
    );
  }
  let run: JournalRun | undefined;
  const { index, skippedLines } = await JournalIndex.read(file, (record) => {
    if (record.type === 'run' && run === undefined) run = record as unknown as JournalRun;
  });
  const found = run as JournalRun | undefined;
  if (found === undefined || found.version !== 1) {
    index.close();
    throw new UsageError(`--resume ${runDir}: the journal has no readable run header`, 'bad_resume');
  }
  if (found.mode === 'plan' || found.mode === 'dry-run') {
    index.close();
    throw new UsageError(`--resume ${runDir}: that run was a ${found.mode}, which sends nothing; run it again instead`, 'bad_resume');
  }
  return { runDir, run: found, carried: index.carried, befores: index.befores, skippedLines, close: () => index.close() };
}

/**
 * Options that change what is sent come from the journal; one typed on the command line that
 * differs is a usage error (contract: `--resume`).
 */
export function resumeOptions(opts: ImportOptions, explicit: ExplicitOptions, state: ResumeState): ImportOptions {
  const { run } = state;
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
    encoding: run.input.encoding,
    delimiter: run.input.delimiter,
    baseUrl: run.options.base_url,
  };
}
