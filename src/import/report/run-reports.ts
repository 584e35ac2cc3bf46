/**
 * A run's reports from its input and its journal alone: the run writes them this way at its end,
 * and `vorel-sync report` (`reportRun`) again, after the run or in place of the end a killed run
 * never reached. Rows the journal never settled are `not_attempted`.
 */
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { type InputSource, openInput } from '../../input/source.js';
import { type Logger, SILENT_LOGGER } from '../../log.js';
import { tempPathFor, writeFileAtomic } from '../../report/files.js';
import { renderHtmlReport } from '../../report/html.js';
import { PlanReport, RollbackReport, type RowReport } from '../../report/read-reports.js';
import { RowReports } from '../../report/row-reports.js';
import { RunFolderWrites, RunFolderWriteError, writingTo } from '../../report/run-folder-writes.js';
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
import { writeFailedRows } from './failed-rows.js';
import { buildSummary, type RowTally } from './summary.js';

export interface ReportRunOptions {
  /** `<report-dir>/<run-id>`. */
  runDir: string;
  logger?: Logger;
}

/** `vorel-sync report <run-folder>`: resolves with summary.json's content. */
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
  return writeRunReports({ journal, source, writes: new RunFolderWrites(() => undefined), log });
}

/** results.csv and the rows' part of the other reports, with what the rows add up to. */
interface Rows {
  reports: RowReports;
  headerSpan: LineSpan;
  tally: RowTally;
  /** Feeds `reports` from the journal, before results.csv is committed. */
  feed?: () => Promise<void>;
  /** plan.csv, rollback.csv, by mode. */
  extraReports?: readonly RowReport[];
}

export interface RunReportsInput {
  journal: RunJournal;
  source: InputSource;
  writes: RunFolderWrites;
  log: Logger;
  /** The run itself, at its end: what it knows beyond its journal; a dry run has fed its rows already. */
  live?: {
    facts: () => RunFacts;
    inputUnchanged: () => boolean;
    journaledRows: number;
    fed?: Rows;
  };
}

/**
 * results.csv, failed.csv, report.html, summary.json (plan.csv, rollback.csv by mode). When the run
 * folder cannot take them (a full disk, the folder gone), summary.json alone if that fits, said on
 * stderr if not; the summary is returned either way. Never throws a write error.
 */
export async function writeRunReports(input: RunReportsInput): Promise<RunSummary> {
  const { journal, source, writes, live } = input;
  const rows = live?.fed ?? (await rowsFromJournal(journal, source));
  const summaryFor = (failedRows: number): RunSummary =>
    buildSummary(journal.run, { ...journal.facts, ...live?.facts() }, rows.tally, failedRows, journal.endedAt);
  if (!writes.isBroken(rows.reports.path)) {
    try {
      return await finaliseReports(input, rows, summaryFor);
    } catch (error) {
      writes.fail(journal.runDir, error);
    }
  }
  // Its space may be what summary.json needs (results.csv is only a temp file yet).
  await rows.reports.discard().catch(() => undefined);
  // Built after the write error was recorded, so it says exit 3 and why.
  const summary: RunSummary = { ...summaryFor(0), reports: 'not_written' };
  const reason = writes.fault?.message ?? 'a write in the run folder failed';
  let summaryNote: string;
  try {
    await writeSummaryFile(journal.runDir, summary);
    summaryNote = 'only summary.json was written';
  } catch (error) {
    if (!(error instanceof RunFolderWriteError)) throw error;
    summaryNote = `summary.json could not be written either (${error.message})`;
  }
  const next =
    summary.resume_command === null
      ? ''
      : `; once the folder can be written again (or from a copy elsewhere), run: ${summary.resume_command}`;
  const settled = live?.journaledRows ?? rows.tally.rows - rows.tally.totals.not_attempted;
  input.log.error(
    `the reports (results.csv, failed.csv, report.html) could not be written (${reason}); ${summaryNote}. ` +
      `The journal holds ${settled} settled rows${next}`,
  );
  return summary;
}

/** The input's rows, each with what the journal says of it. */
async function rowsFromJournal(journal: RunJournal, source: InputSource): Promise<Rows> {
  const { run, runDir } = journal;
  const stream = await openRowStream(source, {
    empty: run.options.empty,
    matchBy: run.options.match_by,
    map: new Map(run.options.map.map(parseMapArg)),
  });
  const extraReports = modeReports(journal);
  const reports = new RowReports(runDir, extraReports);
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
          reports.add(result, supersededBy);
        }
      }
    } finally {
      await cursor?.close();
    }
  };
  return { reports, headerSpan: stream.headerSpan, tally, feed, extraReports };
}

/** A write that fails throws a RunFolderWriteError naming the report, and leaves no temp file. */
async function finaliseReports(input: RunReportsInput, rows: Rows, summaryFor: (failedRows: number) => RunSummary): Promise<RunSummary> {
  const { runDir } = input.journal;
  const { reports, extraReports = [] } = rows;
  const failedPath = path.join(runDir, 'failed.csv');
  const failedTmp = tempPathFor(failedPath);
  try {
    await writingTo(reports.path, async () => {
      await rows.feed?.();
      await reports.commit();
    });
    const { failedSpans, problemRows, problemCodes } = reports;
    // Rows are copied by line number: from a file saved again since, they would be other rows.
    const unchanged = input.live?.inputUnchanged ?? (() => true);
    let failedRows = 0;
    if (unchanged()) {
      await writingTo(failedPath, () => writeFailedRows(input.source, rows.headerSpan, failedSpans, failedTmp, 0o600));
      if (unchanged()) {
        await writingTo(failedPath, () => rename(failedTmp, failedPath));
        failedRows = failedSpans.length;
      } else await rm(failedTmp, { force: true });
    }
    // No failed.csv (the input changed), no retry command: its rows would be copied from the wrong file.
    const summary: RunSummary = { ...summaryFor(failedRows), problems: reports.problemSummary() };
    await writingTo(runDir, async () => {
      for (const report of extraReports) await report.finish(summary);
    });
    const htmlPath = path.join(runDir, 'report.html');
    const html = renderHtmlReport({
      summary,
      timeline: input.journal.timeline,
      bucketSeconds: TIMELINE_BUCKET_SECONDS,
      problemRows,
      problemRowsTotal: failedSpans.length,
      problemCodes,
    });
    await writingTo(htmlPath, () => writeFileAtomic(htmlPath, html));
    await writeSummaryFile(runDir, summary);
    return summary;
  } catch (error) {
    await reports.discard().catch(() => undefined);
    await rm(failedTmp, { force: true }).catch(() => undefined);
    throw error;
  }
}

function writeSummaryFile(runDir: string, summary: RunSummary): Promise<void> {
  const summaryPath = path.join(runDir, 'summary.json');
  return writingTo(summaryPath, () => writeFileAtomic(summaryPath, `${JSON.stringify(summary, null, 2)}\n`));
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

/** The run ended before this row settled. */
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
