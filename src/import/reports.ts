import path from 'node:path';
import { copyRecordSpans } from '../input/failed-copy.js';
import type { InputSource } from '../input/source.js';
import type { LineSpan } from '../types.js';
import { tempPathFor, writeFileAtomic } from '../report/files.js';
import { renderHtmlReport, type TimelineBucket } from '../report/html.js';
import type { RowReport } from '../report/read-reports.js';
import type { RowReports } from '../report/row-reports.js';
import type { RowSpool } from '../report/row-spool.js';
import type { RunSummary } from '../report/summary.js';
import { renameSync } from 'node:fs';

export interface FinaliseInput {
  runDir: string;
  source: InputSource;
  headerSpan: LineSpan;
  /** The rows, already fed (`direct`), or spooled to be fed now that the superseded rows are known. */
  rows: { direct: RowReports } | { spool: RowSpool; reports: RowReports; superseded: ReadonlyMap<number, number> };
  /** The summary, once the number of rows in failed.csv is known. */
  summaryFor: (failedRows: number) => RunSummary;
  timeline: readonly TimelineBucket[];
  bucketSeconds: number;
  /** More reports built from the same pass (plan.csv, rollback.csv), by mode. */
  extraReports?: readonly RowReport[];
}

/** Builds results.csv, failed.csv, report.html and summary.json, from the spooled rows in one pass when they were spooled. */
export async function finaliseReports(input: FinaliseInput): Promise<RunSummary> {
  const { runDir, extraReports = [] } = input;
  let reports: RowReports;
  if ('direct' in input.rows) reports = input.rows.direct;
  else {
    const { spool, superseded } = input.rows;
    reports = input.rows.reports;
    for await (const rows of spool.batches()) for (const row of rows) await reports.add(row, superseded.get(row.line));
  }
  await reports.commit();
  const { failedSpans, problemRows, problemCodes } = reports;

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
