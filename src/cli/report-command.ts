import type { Argv } from 'yargs';
import { reportRun } from '../index.js';
import { createLogger } from '../log.js';
import { renderSummary } from '../report/summary.js';
import type { CliIo } from './main.js';
import { type OptionTable, type ParsedArgs, yargsOptions } from './option-table.js';

export const REPORT_OPTIONS: OptionTable = {
  json: { type: 'boolean', default: false, describe: 'print the summary as JSON on stdout' },
};

export function reportCommand(y: Argv): Argv {
  return y
    .positional('run-folder', { type: 'string', describe: 'the run folder (reports/<run-id>)' })
    .options(yargsOptions(REPORT_OPTIONS))
    .version(false);
}

export async function runReportCommand(parsed: ParsedArgs, io: CliIo): Promise<number> {
  const summary = await reportRun({ runDir: String(parsed['run-folder']), logger: createLogger(io.stderr, 'normal', []) });
  io.stdout.write(parsed.json === true ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(summary));
  return summary.exit_code;
}
