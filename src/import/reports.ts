import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { copyRecordSpans } from '../input/failed-copy.js';
import type { InputSource } from '../input/source.js';
import type { LineSpan, RowResult } from '../types.js';
import { AtomicFileWriter, tempPathFor, writeFileAtomic } from '../report/files.js';
import { countProblemCode, renderHtmlReport, type TimelineBucket } from '../report/html.js';
import { needsRetry, resultLine, resultsHeaderLine } from '../report/results.js';
import type { RowReport } from '../report/read-reports.js';
import type { RowSpool } from '../report/row-spool.js';
import type { RunSummary } from '../report/summary.js';
import { writeFault, writingTo } from '../report/write-fault.js';

/** Failed rows listed in report.html, at most; all of them are in failed.csv. */
const HTML_ROW_CAP = 2000;

export interface FinaliseInput {
  runDir: string;
  source: InputSource;
  headerSpan: LineSpan;
  spool: RowSpool;
  superseded: ReadonlyMap<number, number>;
  /** The summary, once the number of rows in failed.csv is known. */
  summaryFor: (failedRows: number) => RunSummary;
  timeline: readonly TimelineBucket[];
  bucketSeconds: number;
  /** More reports built from the same pass (plan.csv, rollback.csv), by mode. */
  extraReports?: readonly RowReport[];
  /** False once the input is no longer the file the run read: failed.csv is then not written. */
  inputUnchanged?: () => boolean;
}

/**
 * Builds results.csv, failed.csv, report.html and summary.json from the spooled rows, in one pass.
 * A write that fails throws a RunFolderWriteError naming the report, and leaves no temp file.
 */
export async function finaliseReports(input: FinaliseInput): Promise<RunSummary> {
  const { runDir, extraReports = [] } = input;
  const resultsPath = path.join(runDir, 'results.csv');
  const results = new AtomicFileWriter(resultsPath);
  const failedPath = path.join(runDir, 'failed.csv');
  const failedTmp = tempPathFor(failedPath);
  try {
    const failedSpans: LineSpan[] = [];
    const problemRows: RowResult[] = [];
    const problemCodes = new Map<string, number>();
    await writingTo(resultsPath, async () => {
      await results.write(resultsHeaderLine());
      for await (const row of input.spool.rows()) {
        const supersededBy = input.superseded.get(row.line);
        await results.write(resultLine(row, supersededBy));
        for (const report of extraReports) await report.add(row);
        if (needsRetry(row, supersededBy !== undefined)) {
          failedSpans.push({ line: row.copyFrom ?? row.line, endLine: row.endLine });
          if (problemRows.length < HTML_ROW_CAP) problemRows.push(row);
          countProblemCode(problemCodes, row);
        }
      }
      await results.commit();
    });

    // Rows are copied by line number: from a file saved again since, they would be other rows.
    const unchanged = input.inputUnchanged ?? (() => true);
    let failedRows = 0;
    if (unchanged()) {
      await writingTo(failedPath, () => copyRecordSpans(input.source, input.headerSpan, failedSpans, failedTmp, { mode: 0o600 }));
      if (unchanged()) {
        await writingTo(failedPath, () => rename(failedTmp, failedPath));
        failedRows = failedSpans.length;
      } else await rm(failedTmp, { force: true });
    }
    // No failed.csv (the input changed), no retry command: its rows would be copied from the wrong file.
    const summary = input.summaryFor(failedRows);
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
    writeSummaryFile(runDir, summary);
    return summary;
  } catch (error) {
    await results.discard().catch(() => undefined);
    await rm(failedTmp, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** summary.json alone: also what a run writes when its other reports could not be. */
export function writeSummaryFile(runDir: string, summary: RunSummary): void {
  const summaryPath = path.join(runDir, 'summary.json');
  try {
    writeFileAtomic(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
  } catch (error) {
    throw writeFault(summaryPath, error);
  }
}
