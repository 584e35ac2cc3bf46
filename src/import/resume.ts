import { UsageError } from '../errors.js';
import type { ImportOptions } from '../options.js';
import type { ClearsGuardSummary } from '../report/summary.js';
import type { RowResult, WritableValues } from '../types.js';
import { parseMapArg } from './header.js';
import { type JournalRow, type JournalRun, readJournalFile } from './journal-records.js';

/** What a resumed run takes from the interrupted one. */
export interface ResumeState {
  runDir: string;
  run: JournalRun;
  /** Rows not to send again, by line: their outcome is carried over as it is. */
  carried: Map<number, RowResult>;
  /** Before-values journaled ahead of a PATCH whose row never settled (it may have been applied). */
  befores: Map<number, WritableValues>;
  /** The journal's last line was cut off (a crash mid-write) and skipped. */
  tornLastLine: boolean;
  /** The clears guard's decision, journaled before the first PATCH; null when the run stopped before deciding (nothing was sent). */
  clearsGuard: ClearsGuardSummary | null;
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

/** Reads a run's journal (a torn last line is skipped: `tornLastLine`). */
export async function readJournal(runDir: string): Promise<ResumeState> {
  const { records, tornLastLine } = await readJournalFile(runDir);
  let run: JournalRun | undefined;
  const rows = new Map<number, JournalRow>();
  const befores = new Map<number, WritableValues>();
  let clearsGuard: ClearsGuardSummary | null = null;
  for (const record of records) {
    if (record.type === 'run') run ??= record;
    else if (record.type === 'row') rows.set(record.line, record);
    else if (record.type === 'before') befores.set(record.line, record.before);
    else {
      const { type: _, ...decision } = record;
      clearsGuard = decision;
    }
  }
  if (run === undefined) {
    throw new UsageError(`--resume ${runDir}: the journal has no readable run header`, 'bad_resume');
  }
  if (run.mode === 'plan' || run.mode === 'dry-run') {
    throw new UsageError(`--resume ${runDir}: that run was a ${run.mode}, which sends nothing; run it again instead`, 'bad_resume');
  }
  if (clearsGuard?.tripped === true) {
    throw new UsageError(
      `--resume ${runDir}: the clears guard refused that run and it sent nothing; run the import again (with --allow-clears if the clears are intended)`,
      'bad_resume',
    );
  }
  const carried = carriedRows(rows);
  for (const line of rows.keys()) befores.delete(line);
  return { runDir, run, carried, befores, tornLastLine, clearsGuard };
}

/**
 * Rows settled `updated`, `unchanged` or `invalid` are not sent again, nor is a failed row whose id a
 * later row updated: re-sending it would bring back older data (contract: superseded).
 */
function carriedRows(rows: ReadonlyMap<number, JournalRow>): Map<number, RowResult> {
  const lastUpdatedLine = new Map<string, number>();
  for (const row of rows.values()) {
    if (row.outcome.kind === 'updated' && row.id !== null && row.line > (lastUpdatedLine.get(row.id) ?? 0))
      lastUpdatedLine.set(row.id, row.line);
  }
  const carried = new Map<number, RowResult>();
  for (const row of rows.values()) {
    const kind = row.outcome.kind;
    const superseded = row.id !== null && (lastUpdatedLine.get(row.id) ?? 0) > row.line;
    if (kind === 'updated' || kind === 'unchanged' || kind === 'invalid' || superseded) {
      const copyFrom = row.copy_from === undefined ? {} : { copyFrom: row.copy_from };
      carried.set(row.line, {
        line: row.line,
        endLine: row.end_line,
        ...copyFrom,
        id: row.id,
        outcome: row.outcome,
        patch: row.patch,
        before: row.before,
      });
    }
  }
  return carried;
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
