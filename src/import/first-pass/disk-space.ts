/** The disk space a run may need, checked once the first pass knows the rows. */
import { statfsSync } from 'node:fs';
import { formatBytes } from '../../report/format.js';

/** Bytes per row in the run folder, rounded up from measured runs (docs/long-runs.md). */
const BYTES_PER_ROW = { journal: 240, results: 90, beforeValues: 310 } as const;
/** report.html lists at most 2,000 failed rows: its size does not grow with the file. */
const REPORT_HTML_BYTES = 2_000_000;

/** The peak, with failed.csv as large as the input (every row failed). */
export function estimateRunBytes(rows: number, inputBytes: number, readsBefore: boolean): number {
  const perRow = BYTES_PER_ROW.journal + BYTES_PER_ROW.results + (readsBefore ? BYTES_PER_ROW.beforeValues : 0);
  return rows * perRow + inputBytes + REPORT_HTML_BYTES;
}

/** Free bytes for an unprivileged writer; null when the system cannot tell. */
export function freeBytesAt(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

/** Never a refusal: the estimate is a worst case, and a run that fills the disk stops cleanly and resumes. */
export function lowSpaceWarning(rows: number, needBytes: number, freeBytes: number | null): string | null {
  if (freeBytes === null || needBytes <= freeBytes) return null;
  return (
    `the report dir's disk has ${formatBytes(freeBytes)} free; this run of ${rows} rows may need up to ${formatBytes(needBytes)} ` +
    '(journal, results.csv, failed.csv). Going on: if the disk fills, the run stops sending, exits 3 and can be resumed after freeing space'
  );
}
