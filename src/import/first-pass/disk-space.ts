/** The disk space a run may need, checked once the first pass knows the rows: a warning, never a refusal. */
import { statfsSync } from 'node:fs';
import { formatBytes } from '../../report/format.js';

/**
 * Bytes one row takes in the run folder, rounded up from measured runs (docs/long-runs.md): the
 * journal and results.csv; the values read before each write (--only-changed) add to both, and rollback.csv.
 */
const BYTES_PER_ROW = { journal: 240, results: 90, beforeValues: 310 } as const;
/** report.html lists at most 2,000 failed rows: its size does not grow with the file. */
const REPORT_HTML_BYTES = 2_000_000;

/** The most a run may take at its peak: everything above, and failed.csv as large as the input (every row failed). */
export function estimateRunBytes(rows: number, inputBytes: number, readsBefore: boolean): number {
  const perRow = BYTES_PER_ROW.journal + BYTES_PER_ROW.results + (readsBefore ? BYTES_PER_ROW.beforeValues : 0);
  return rows * perRow + inputBytes + REPORT_HTML_BYTES;
}

/** Free bytes for an unprivileged writer on the disk of `dir`; null when the system cannot tell. */
export function freeBytesAt(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

/**
 * A warning when the run may not fit, never a refusal: the estimate is a worst case, space may be
 * freed while the run goes on, and a run that does fill the disk stops cleanly and resumes.
 */
export function lowSpaceWarning(rows: number, needBytes: number, freeBytes: number | null): string | null {
  if (freeBytes === null || needBytes <= freeBytes) return null;
  return (
    `the report dir's disk has ${formatBytes(freeBytes)} free; this run of ${rows} rows may need up to ${formatBytes(needBytes)} ` +
    '(journal, results.csv, failed.csv). Going on: if the disk fills, the run stops sending, exits 3 and can be resumed after freeing space'
  );
}
