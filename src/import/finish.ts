/** The run's end: the dry run's scan warned about, the clears guard's verdict, the facts for summary.json, then the reports. */
import type { RunSummary } from '../report/summary.js';
import type { LineSpan } from '../types.js';
import { emptyScan, warnAboutScan } from './first-pass.js';
import { type GateVerdict, judgeDryRun } from './gate.js';
import { TIMELINE_BUCKET_SECONDS } from './requests.js';
import type { SentRows } from './row-loop.js';
import type { RunFolder, RunParts } from './run-parts.js';
import { buildSummary } from './summary.js';
import { writeReports } from './write-reports.js';

/** The input's header (copied into failed.csv) and the stdin spool, removed once the reports are written. */
export interface InputLeftovers {
  headerSpan: LineSpan;
  removeStdinSpool: () => void;
}

export async function finishRun(p: RunParts, folder: RunFolder, sent: SentRows, input: InputLeftovers): Promise<RunSummary> {
  const { opts, env, source, requests, output, settler, faults, stop } = p;
  const { rows, carriedOver, prepared, dryScan, gate, reports } = sent;
  const scan = p.scan ?? dryScan;
  if (dryScan !== null) warnAboutScan(dryScan, env.log);
  // A dry run counts while it reads: the clears guard judges at its end (exit 2 above the limit).
  const verdict: GateVerdict = gate ?? judgeDryRun(scan ?? emptyScan(), opts, env.log);
  const facts = {
    ...folder,
    finishedAt: env.now(),
    source,
    rows,
    totals: settler.totals,
    superseded: settler.superseded.size,
    stats: requests?.client.stats ?? null,
    pace: requests?.client.pace ?? null,
    scan,
    resume: p.resume,
    carriedOver,
    prepared,
    verdict,
  };
  // Built when asked for: a write error while the reports are written changes the stop.
  return writeReports({
    runDir: folder.dir,
    source,
    headerSpan: input.headerSpan,
    rows: output.spool === null ? { direct: reports.rows } : { spool: output.spool, reports: reports.rows, superseded: settler.superseded },
    summaryFor: (failedRows) => buildSummary(opts, { ...facts, stop: faults.finalStop(stop.current) }, failedRows),
    timeline: requests?.timeline() ?? [],
    bucketSeconds: TIMELINE_BUCKET_SECONDS,
    extraReports: reports.extra,
    inputUnchanged: () => faults.inputUnchanged(),
    writes: faults.writes,
    removeStdinSpool: input.removeStdinSpool,
    journaledRows: faults.journaledRows,
    log: env.log,
  });
}
