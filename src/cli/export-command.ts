import type { Argv } from 'yargs';
import { renderExportSummary, runExport } from '../export/run.js';
import { exportOptionsFrom, type RawExportArgs } from './export-options.js';
import { createExportProgress } from './export-progress.js';
import { EXPORT_EXAMPLES, helpEpilogue } from './help.js';
import { createLogger, scrubSecrets } from './log.js';
import { progressUntilLost } from './lost-output.js';
import type { CliIo } from './main.js';

/** yargs options of `vorel-sync export [file]`. */
export function exportCommand(y: Argv): Argv {
  return y
    .positional('file', { type: 'string', describe: 'CSV file to write (- or none: stdout)' })
    .option('base-url', { type: 'string', describe: 'API origin (env VOREL_BASE_URL)', defaultDescription: 'https://app.vorel.ai' })
    .option('api-key-file', { type: 'string', describe: 'file holding the API key (else env VOREL_API_KEY); needs the read scope' })
    .option('delimiter', { type: 'string', default: ',', describe: 'field delimiter: , ; or tab' })
    .option('bom', { type: 'boolean', default: false, describe: 'start with a UTF-8 BOM (Excel on Windows)' })
    .option('channel', { type: 'string', describe: 'only these channels (repeat, or a comma list)' })
    .option('status', { type: 'string', describe: 'only these statuses (repeat, or a comma list)' })
    .option('created-after', { type: 'string', describe: 'only created at or after this ISO date/date-time' })
    .option('created-before', { type: 'string', describe: 'only created before this ISO date/date-time' })
    .option('missing', { type: 'string', describe: 'only rows where name or language (or either: name,language) is empty' })
    .option('limit', { type: 'number', describe: 'stop after writing this many rows' })
    .option('rate', { type: 'number', default: 180, describe: 'request starts per minute at most (the API allows 200)' })
    .option('retries', { type: 'number', default: 5, describe: 'retries per page for 5xx, timeouts and network errors' })
    .option('timeout', { type: 'number', default: 30000, describe: 'per-attempt timeout in ms' })
    .option('json', { type: 'boolean', default: false, describe: 'print the summary as JSON on stdout (needs an output file)' })
    .option('quiet', { type: 'boolean', describe: 'no progress; only errors' })
    .epilogue(helpEpilogue(EXPORT_EXAMPLES));
}

/** Runs `export` from parsed arguments; returns the exit code. Usage errors throw (exit 2). */
export async function runExportCommand(args: Record<string, unknown>, io: CliIo): Promise<number> {
  const { options, warnings } = exportOptionsFrom(args as unknown as RawExportArgs, io.env);
  const secrets = [options.apiKey];
  const log = createLogger(io.stderr, options.verbosity, secrets);
  for (const w of warnings) log.warn(w);
  const progress = progressUntilLost(io.stderr, createExportProgress({ stderr: io.stderr, verbosity: options.verbosity }));
  const summary = await runExport(options, { stdout: io.stdout, log, signal: io.signal, progress });
  if (options.json) {
    io.stdout.write(scrubSecrets(`${JSON.stringify(summary, null, 2)}\n`, secrets));
  } else if (options.file !== null) {
    io.stdout.write(scrubSecrets(renderExportSummary(summary), secrets));
  } else if (options.verbosity !== 'quiet') {
    // stdout holds the CSV: the summary goes to stderr.
    io.stderr.write(scrubSecrets(renderExportSummary(summary), secrets));
  }
  return summary.exit_code;
}
