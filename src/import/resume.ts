import { UsageError } from '../errors.js';
import type { ImportOptions } from '../options.js';
import type { ClearsGuardSummary } from '../report/summary.js';
import type { WritableValues } from '../types.js';
import { parseMapArg } from './header.js';
import type { CarriedRows, LineLookup } from './journal-index.js';
import type { JournalRun } from './journal-records.js';

/** What a resumed run takes from the interrupted one. */
export interface ResumeState {
  runDir: string;
  run: JournalRun;
  /** Rows not to send again, by line: their outcome is carried over as it is. */
  carried: CarriedRows;
  /** Before-values journaled ahead of a PATCH whose row never settled (it may have been applied). */
  befores: LineLookup<WritableValues>;
  /** The journal's last line was cut off (a crash mid-write) and skipped. */
  tornLastLine: boolean;
  /** The clears guard's decision, journaled before the first PATCH; null when the run stopped before deciding (nothing was sent). */
  clearsGuard: ClearsGuardSummary | null;
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
  sheet: boolean;
  baseUrl: boolean;
  mode: boolean;
}

/** Reads a run's journal (a torn last line is skipped: `tornLastLine`). */
export async function readJournal(runDir: string): Promise<ResumeState> {
  // Loaded on use: the journal's schema (and zod) only for a run that reads a journal back.
  const { JournalIndex } = await import('./journal-index.js');
  const { index, run, clearsGuard: guardRecord, tornLastLine } = await JournalIndex.read(runDir);
  let clearsGuard: ClearsGuardSummary | null = null;
  if (guardRecord !== null) {
    const { type: _, ...decision } = guardRecord;
    clearsGuard = decision;
  }
  if (run === undefined) {
    index.close();
    throw new UsageError(`--resume ${runDir}: the journal has no readable run header`, 'bad_resume');
  }
  if (run.mode === 'plan' || run.mode === 'dry-run') {
    index.close();
    throw new UsageError(`--resume ${runDir}: that run was a ${run.mode}, which sends nothing; run it again instead`, 'bad_resume');
  }
  if (clearsGuard?.tripped === true) {
    index.close();
    throw new UsageError(
      `--resume ${runDir}: the clears guard refused that run and it sent nothing; run the import again (with --allow-clears if the clears are intended)`,
      'bad_resume',
    );
  }
  return {
    runDir,
    run,
    carried: index.carried,
    befores: index.befores,
    tornLastLine,
    clearsGuard,
    close: () => index.close(),
  };
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
    encoding: run.input.encoding,
    delimiter: run.input.delimiter,
    sheet: run.input.sheet,
    baseUrl: run.options.base_url,
  };
}
