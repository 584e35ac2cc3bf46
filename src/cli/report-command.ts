/** `vorel-sync report <run-folder>`: its flags, and the glue from them to `reportRun`. */
import type { Argv } from 'yargs';
import { reportRun } from '../index.js';
import { createLogger } from '../log.js';
import { renderSummary } from '../report/summary.js';
import type { CliIo } from './main.js';
import { type OptionTable, type ParsedArgs, yargsOptions } from './option-table.js';

/** The options of `vorel-sync report` (no job file: it names a run folder, nothing else). */
export const REPORT_OPTIONS: OptionTable = {
  json: { type: 'boolean', default: false, describe: 'print the summary as JSON on stdout' },
};

export function reportCommand(y: Argv): Argv {
  return y
    .positional('run-folder', { type: 'string', describe: 'the run folder (reports/<run-id>)' })
    .options(yargsOptions(REPORT_OPTIONS))
    .version(false);
}

/** Writes the folder's reports again, prints the run's summary; returns the run's exit code. Usage errors throw (exit 2). */
export async function runReportCommand(parsed: ParsedArgs, io: CliIo): Promise<number> {
  const summary = await reportRun({ runDir: String(parsed['run-folder']), logger: createLogger(io.stderr, 'normal', []) });
  io.stdout.write(parsed.json === true ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(summary));
  return summary.exit_code;
}
