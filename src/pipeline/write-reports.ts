import type { Logger } from '../cli/log.js';
import { writeSummaryFile } from '../report/finalise.js';
import type { RunFolderWrites } from '../report/run-folder-writes.js';
import type { RunSummary } from '../report/summary.js';
import { RunFolderWriteError } from '../report/write-fault.js';

export interface WriteReportsInput {
  runDir: string;
  writes: RunFolderWrites;
  /** The spool the reports are built from; when a write to it failed, the reports cannot be built. */
  spoolPath: string;
  /** Writes every report and returns the summary (finaliseReports). */
  finalise: () => Promise<RunSummary>;
  /** The summary as it stands, built after a write error was recorded (so it says exit 3 and why). */
  summaryAfterFault: () => RunSummary;
  /** Frees the spool's space when the reports cannot be built from it, so summary.json may still fit. */
  removeSpool: () => void;
  /** Rows in the journal that resume carries over. */
  journaledRows: number;
  log: Logger;
}

/**
 * Writes the run's reports. When the run folder cannot take them (the disk is full, the folder is
 * gone), the run still ends with a summary: written as summary.json alone if that fits, said on
 * stderr if not, and returned either way so the CLI prints it. Never throws a write error.
 */
export async function writeReports(input: WriteReportsInput): Promise<RunSummary> {
  const { writes, log } = input;
  if (!writes.isBroken(input.spoolPath)) {
    try {
      return await input.finalise();
    } catch (error) {
      writes.fail(input.runDir, error);
    }
  }
  input.removeSpool();
  const summary: RunSummary = { ...input.summaryAfterFault(), reports: 'not_written' };
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
