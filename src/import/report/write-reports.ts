import type { Logger } from '../../log.js';
import type { RunFolderWrites } from '../../report/run-folder-writes.js';
import type { RunSummary } from '../../report/summary.js';
import { RunFolderWriteError } from '../../report/write-fault.js';
import { type FinaliseInput, finaliseReports, writeSummaryFile } from './reports.js';

export interface WriteReportsInput extends FinaliseInput {
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
export async function writeReports(input: WriteReportsInput): Promise<RunSummary> {
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
    writeSummaryFile(input.runDir, summary);
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
