import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { InputSource } from '../../input/source.js';
import type { Logger } from '../../log.js';
import type { LineSpan } from '../../types.js';
import { tempPathFor, writeFileAtomic } from '../../report/files.js';
import { renderHtmlReport, type TimelineBucket } from '../../report/html.js';
import type { RowReport } from '../../report/read-reports.js';
import type { RowReports } from '../../report/row-reports.js';
import { type RunFolderWrites, RunFolderWriteError, writingTo } from '../../report/run-folder-writes.js';
import type { RunSummary } from '../../report/summary.js';
import { writeFailedRows } from './failed-rows.js';

export interface ReportsInput {
  runDir: string;
  source: InputSource;
  headerSpan: LineSpan;
  /** results.csv and the rows' part of the other reports: fed already, or by `feed`. */
  rows: RowReports;
  /** Feeds `rows` in input order (from the journal), before results.csv is committed. */
  feed?: () => Promise<void>;
  /** The summary, once the number of rows in failed.csv is known. */
  summaryFor: (failedRows: number) => RunSummary;
  timeline: readonly TimelineBucket[];
  bucketSeconds: number;
  /** More reports built from the same pass (plan.csv, rollback.csv), by mode. */
  extraReports?: readonly RowReport[];
  /** False once the input is no longer the file the run read: failed.csv is then not written. */
  inputUnchanged?: () => boolean;
  /** The run's writes: when one to results.csv (fed as rows settled) failed, the reports cannot be built from it. */
  writes: RunFolderWrites;
  /** Rows in the journal that resume carries over. */
  journaledRows: number;
  log: Logger;
}

/**
 * Writes the run's reports. When the run folder cannot take the reports
 * (the disk is full, the folder is gone), the run still ends with a summary: written as
 * summary.json alone if that fits, said on stderr if not, and returned either way so the CLI
 * prints it. Never throws a write error.
 */
export async function writeReports(input: ReportsInput): Promise<RunSummary> {
  const { writes, log } = input;
  if (!writes.isBroken(input.rows.path)) {
    try {
      return await finaliseReports(input);
    } catch (error) {
      writes.fail(input.runDir, error);
    }
  }
  // Its space may be what summary.json needs (results.csv is only a temp file yet).
  await input.rows.discard().catch(() => undefined);
  // Built after the write error was recorded, so it says exit 3 and why.
  const summary: RunSummary = { ...input.summaryFor(0), reports: 'not_written' };
  const reason = writes.fault?.message ?? 'a write in the run folder failed';
  let summaryNote: string;
  try {
    await writeSummaryFile(input.runDir, summary);
    summaryNote = 'only summary.json was written';
  } catch (error) {
    if (!(error instanceof RunFolderWriteError)) throw error;
    summaryNote = `summary.json could not be written either (${error.message})`;
  }
  const next =
    summary.resume_command === null
      ? ''
      : `; once the folder can be written again (or from a copy elsewhere), run: ${summary.resume_command}`;
  log.error(
    `the reports (results.csv, failed.csv, report.html) could not be written (${reason}); ${summaryNote}. ` +
      `The journal holds ${input.journaledRows} settled rows${next}`,
  );
  return summary;
}

/**
 * Builds results.csv, failed.csv, report.html and summary.json, the rows fed first when they were
 * not as they settled.
 * A write that fails throws a RunFolderWriteError naming the report, and leaves no temp file.
 */
async function finaliseReports(input: ReportsInput): Promise<RunSummary> {
  const { runDir, extraReports = [] } = input;
  const reports = input.rows;
  const failedPath = path.join(runDir, 'failed.csv');
  const failedTmp = tempPathFor(failedPath);
  try {
    await writingTo(reports.path, async () => {
      await input.feed?.();
      await reports.commit();
    });
    const { failedSpans, problemRows, problemCodes } = reports;

    // Rows are copied by line number: from a file saved again since, they would be other rows.
    const unchanged = input.inputUnchanged ?? (() => true);
    let failedRows = 0;
    if (unchanged()) {
      await writingTo(failedPath, () => writeFailedRows(input.source, input.headerSpan, failedSpans, failedTmp, 0o600));
      if (unchanged()) {
        await writingTo(failedPath, () => rename(failedTmp, failedPath));
        failedRows = failedSpans.length;
      } else await rm(failedTmp, { force: true });
    }
    // No failed.csv (the input changed), no retry command: its rows would be copied from the wrong file.
    const summary: RunSummary = { ...input.summaryFor(failedRows), problems: reports.problemSummary() };
    await writingTo(runDir, async () => {
      for (const report of extraReports) await report.finish(summary);
    });

    const htmlPath = path.join(runDir, 'report.html');
    await writingTo(htmlPath, () =>
      writeFileAtomic(
        htmlPath,
        renderHtmlReport({
          summary,
          timeline: input.timeline,
          bucketSeconds: input.bucketSeconds,
          problemRows,
          problemRowsTotal: failedSpans.length,
          problemCodes,
        }),
      ),
    );
    await writeSummaryFile(runDir, summary);
    return summary;
  } catch (error) {
    await reports.discard().catch(() => undefined);
    await rm(failedTmp, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** summary.json alone: also what a run writes when its other reports could not be. */
function writeSummaryFile(runDir: string, summary: RunSummary): Promise<void> {
  const summaryPath = path.join(runDir, 'summary.json');
  return writingTo(summaryPath, () => writeFileAtomic(summaryPath, `${JSON.stringify(summary, null, 2)}\n`));
}
