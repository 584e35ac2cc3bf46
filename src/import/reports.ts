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
import { renameSync } from 'node:fs';

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
}

/** Builds results.csv, failed.csv, report.html and summary.json from the spooled rows, in one pass. */
export async function finaliseReports(input: FinaliseInput): Promise<RunSummary> {
  const { runDir, extraReports = [] } = input;
  const results = new AtomicFileWriter(path.join(runDir, 'results.csv'));
  await results.write(resultsHeaderLine());
  const failedSpans: LineSpan[] = [];
  const problemRows: RowResult[] = [];
  const problemCodes = new Map<string, number>();
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

  const failedPath = path.join(runDir, 'failed.csv');
  const failedTmp = tempPathFor(failedPath);
  await copyRecordSpans(input.source, input.headerSpan, failedSpans, failedTmp, { mode: 0o600 });
  renameSync(failedTmp, failedPath);
  const summary = input.summaryFor(failedSpans.length);
  for (const report of extraReports) await report.finish(summary);

  writeFileAtomic(
    path.join(runDir, 'report.html'),
    renderHtmlReport({
      summary,
      timeline: input.timeline,
      bucketSeconds: input.bucketSeconds,
      problemRows,
      problemRowsTotal: failedSpans.length,
      problemCodes,
    }),
  );
  writeFileAtomic(path.join(runDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
