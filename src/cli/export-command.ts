import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { renderExportSummary } from '../export/run.js';
import { exportCsv } from '../index.js';
import { scrubSecrets } from '../log.js';
import { DEFAULTS, type ExportCsvOptions } from '../options.js';
import { apiSession } from './api-session.js';
import { EXPORT_EXAMPLES, EXPORT_NOTES, helpEpilogue } from './help.js';
import type { JobFiles } from './job-file.js';
import type { CliIo } from './main.js';
import { flag, GROUP, libraryOptions, type OptionTable, type ParsedArgs, text, yargsOptions } from './option-table.js';
import { API_OPTIONS, JOB_FILE_TEXT, JOB_OPTIONS, noJobFile, PACE_OPTIONS } from './shared-options.js';

const some = (describe: string) => text(GROUP.filter, describe, { json: 'text-or-list' });

export const EXPORT_OPTIONS: OptionTable = {
  ...JOB_OPTIONS,
  channel: some('<channel>  only these channels (repeat, or a comma list)'),
  status: some('<status>  only these statuses (repeat, or a comma list)'),
  'created-after': text(GROUP.filter, '<date>  only created at or after this ISO date/date-time'),
  'created-before': text(GROUP.filter, '<date>  only created before this ISO date/date-time'),
  missing: some('<name|language>  only rows where name or language (or either: name,language) is empty'),
  limit: { group: GROUP.filter, type: 'number', describe: '<n>  stop after writing this many rows' },
  ...API_OPTIONS,
  ...PACE_OPTIONS,
  delimiter: text(GROUP.output, '<c>  field delimiter: , ; or tab', { default: DEFAULTS.exportDelimiter }),
  bom: flag(GROUP.output, 'start with a UTF-8 BOM (Excel on Windows)', { default: DEFAULTS.bom }),
  json: flag(GROUP.output, 'print the summary as JSON on stdout (needs an output file)', { cliOnly: true }),
  quiet: { group: GROUP.output, type: 'boolean', describe: 'no progress; only errors', cliOnly: true },
};

export function exportCommand(y: Argv, jobs: JobFiles | null): Argv {
  return y
    .positional('file', { type: 'string', describe: 'CSV file to write (- or none: stdout)' })
    .options(yargsOptions(EXPORT_OPTIONS))
    .config('config', JOB_FILE_TEXT, jobs?.reader(EXPORT_OPTIONS) ?? noJobFile)
    .version(false)
    .epilogue(helpEpilogue(EXPORT_EXAMPLES, EXPORT_NOTES));
}

export async function runExportCommand(args: ParsedArgs, io: CliIo, secrets: string[]): Promise<number> {
  const file = args.file === undefined || args.file === '-' ? undefined : String(args.file);
  if (file === '') throw new UsageError('the output file name is empty (use - or leave it out for stdout)', 'bad_output');
  if (args.json && file === undefined) {
    throw new UsageError('--json needs an output file: stdout holds the CSV (vorel-sync export out.csv --json)', 'conflicting_options');
  }
  const verbosity = args.quiet ? 'quiet' : 'normal';
  const session = apiSession(args, io, secrets, {
    verbosity,
    keyHint: 'export reads the conversations: the key needs the read scope',
    baseUrl: (args['base-url'] as string | undefined) ?? io.env.VOREL_BASE_URL,
  });
  let summary: Awaited<ReturnType<typeof exportCsv>>;
  try {
    const options: ExportCsvOptions = {
      ...libraryOptions(args, EXPORT_OPTIONS),
      ...(file === undefined ? { output: io.stdout } : { file }),
      ...session.options,
    };
    summary = await exportCsv(options);
  } finally {
    session.close();
  }
  const text = args.json ? `${JSON.stringify(summary, null, 2)}\n` : renderExportSummary(summary);
  // Without a file stdout holds the CSV: the summary goes to stderr.
  if (args.json || file !== undefined) io.stdout.write(scrubSecrets(text, secrets));
  else if (verbosity !== 'quiet') io.stderr.write(scrubSecrets(text, secrets));
  return summary.exit_code;
}
