/**
 * A run's reports from its input and its journal alone: the run writes them this way at its end,
 * and `vorel-sync report` (`reportRun`) writes them again the same way, after the run or in place
 * of the end a killed run never reached. Rows the journal never settled are `not_attempted`.
 */
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { type InputSource, openInput } from '../../input/source.js';
import { type Logger, SILENT_LOGGER } from '../../log.js';
import { PlanReport, RollbackReport, type RowReport } from '../../report/read-reports.js';
import { RowReports } from '../../report/row-reports.js';
import { RunFolderWrites } from '../../report/run-folder-writes.js';
import type { RunSummary } from '../../report/summary.js';
import { type LineSpan, OUTCOME_KINDS, type OutcomeKind, type RowResult } from '../../types.js';
import type { CheckedRow } from '../read/check.js';
import { parseMapArg } from '../read/header.js';
import type { RunFacts } from '../journal/journal-records.js';
import { readsFirst } from '../modes/modes.js';
import { openRowStream, STDIN_COPY } from '../read/read.js';
import { TIMELINE_BUCKET_SECONDS } from '../send/requests.js';
import { JournalCursor, journaledResult, type RunJournal, readRunJournal } from '../journal/run-journal.js';
import { clientResult, toResult } from '../send/schedule.js';
import { buildSummary, type RowTally } from './summary.js';
import { writeReports } from './reports.js';

/** `reportRun`'s options. */
export interface ReportRunOptions {
  /** The run folder (`<report-dir>/<run-id>`). */
  runDir: string;
  logger?: Logger;
}

/** `vorel-sync report <run-folder>`: the folder's reports written again; resolves with summary.json's content. */
export async function reportRun(options: ReportRunOptions): Promise<RunSummary> {
  const log = options.logger ?? SILENT_LOGGER;
  const journal = await readRunJournal(options.runDir, 'report');
  const { run } = journal;
  const source = await openInput({
    // A run that read stdin kept its bytes in its folder.
    path: run.input.path === '-' ? path.join(options.runDir, STDIN_COPY) : (run.input.absolute_path ?? run.input.path),
    // A workbook has neither: its journal's are those of its failed.csv.
    ...(run.input.sheet === undefined ? { encoding: run.input.encoding, delimiter: run.input.delimiter } : { sheet: run.input.sheet }),
  });
  if (source.sha256 !== run.input.sha256) {
    throw new UsageError(
      `report ${options.runDir}: ${source.displayPath} is not the file that run read (its SHA-256 differs): the reports would name other rows`,
      'input_changed',
    );
  }
  const writes = new RunFolderWrites(() => undefined);
  return writeRunReports({ journal, source, writes, log });
}

export interface RunReportsInput {
  journal: RunJournal;
  source: InputSource;
  writes: RunFolderWrites;
  log: Logger;
  /**
   * The run itself, at its end: what it knows beyond its journal (a write error while writing
   * these); a dry run, which journals no rows, has fed its rows already.
   */
  live?: {
    facts: () => RunFacts;
    inputUnchanged: () => boolean;
    journaledRows: number;
    fed?: { reports: RowReports; headerSpan: LineSpan; tally: RowTally };
  };
}

/** results.csv, failed.csv, report.html, summary.json (plan.csv, rollback.csv by mode) from the journal and the input. */
export async function writeRunReports(input: RunReportsInput): Promise<RunSummary> {
  const { journal, source, live } = input;
  const fed = live?.fed;
  if (fed !== undefined) return write(input, { rows: fed.reports, extraReports: [], headerSpan: fed.headerSpan, tally: fed.tally });
  const { run, runDir } = journal;
  const stream = await openRowStream(source, {
    empty: run.options.empty,
    matchBy: run.options.match_by,
    map: new Map(run.options.map.map(parseMapArg)),
  });
  const extraReports = modeReports(journal);
  const rows = new RowReports(runDir, extraReports);
  const tally: RowTally = { rows: 0, totals: zeroTotals(), superseded: 0, carriedOver: 0, attempts: 0 };
  const feed = async (): Promise<void> => {
    const cursor = run.mode === 'dry-run' ? null : new JournalCursor(journal);
    try {
      for await (const batch of stream.batches) {
        for (const row of batch) {
          const journaled = (await cursor?.take(row.line))?.row;
          if (journaled?.carried === true) tally.carriedOver++;
          else if (journaled !== undefined && 'attempts' in journaled.outcome)
            tally.attempts = (tally.attempts ?? 0) + journaled.outcome.attempts;
          const result = cursor === null ? dryRunResult(row) : journaled === undefined ? unsettled(row) : journaledResult(journaled);
          const supersededBy = journal.superseded.get(row.line);
          tally.rows++;
          tally.totals[result.outcome.kind]++;
          if (supersededBy !== undefined) tally.superseded++;
          rows.add(result, supersededBy);
        }
      }
    } finally {
      await cursor?.close();
    }
  };
  return write(input, { rows, feed, extraReports, headerSpan: stream.headerSpan, tally });
}

interface Rows {
  rows: RowReports;
  feed?: () => Promise<void>;
  extraReports: RowReport[];
  headerSpan: LineSpan;
  tally: RowTally;
}

function write(input: RunReportsInput, rows: Rows): Promise<RunSummary> {
  const { journal, live } = input;
  const { tally } = rows;
  return writeReports({
    runDir: journal.runDir,
    source: input.source,
    ...rows,
    summaryFor: (failedRows) => buildSummary(journal.run, { ...journal.facts, ...live?.facts() }, tally, failedRows, journal.endedAt),
    timeline: journal.timeline,
    bucketSeconds: TIMELINE_BUCKET_SECONDS,
    inputUnchanged: live?.inputUnchanged ?? (() => true),
    writes: input.writes,
    journaledRows: live?.journaledRows ?? tally.rows - tally.totals.not_attempted,
    log: input.log,
  });
}

/** plan.csv with a plan; rollback.csv where values were read before writing. */
function modeReports({ run, facts, runDir }: RunJournal): RowReport[] {
  if (run.mode === 'dry-run' || !readsFirst({ mode: run.mode, matchBy: run.options.match_by })) return [];
  if (run.mode === 'plan') return [new PlanReport(path.join(runDir, 'plan.csv'))];
  // Every id is remembered: the first write to an id is the one whose before-values undo the run.
  return [new RollbackReport(path.join(runDir, 'rollback.csv'), () => true, facts.commands?.undo ?? '')];
}

/** A dry run journals no rows: each is what its checks say. */
function dryRunResult(row: CheckedRow): RowResult {
  return clientResult(row) ?? toResult(row, { kind: 'valid' });
}

/** A row the journal never settled: the run ended before it did. */
function unsettled(row: CheckedRow): RowResult {
  return toResult(row, {
    kind: 'not_attempted',
    code: 'interrupted',
    message: 'not sent: the run ended before this row settled',
    attempts: 0,
  });
}

function zeroTotals(): Record<OutcomeKind, number> {
  return Object.fromEntries(OUTCOME_KINDS.map((kind) => [kind, 0])) as Record<OutcomeKind, number>;
}
