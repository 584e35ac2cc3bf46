import type { Argv } from 'yargs';
import { importCsv } from '../index.js';
import { scrubSecrets } from '../log.js';
import { DEFAULTS, type ImportCsvOptions } from '../options.js';
import { renderSummary } from '../report/summary.js';
import { apiSession } from './api-session.js';
import { helpEpilogue, IMPORT_EXAMPLES, IMPORT_NOTES } from './help.js';
import type { JobFiles } from './job-file.js';
import { API_OPTIONS, JOB_FILE_TEXT, JOB_OPTIONS, noJobFile, PACE_OPTIONS } from './shared-options.js';
import type { CliIo } from './main.js';
import { flag, GROUP, libraryOptions, number, type OptionTable, type ParsedArgs, text, yargsOptions } from './option-table.js';
import { terminalConfirm } from './prompt.js';

export const IMPORT_OPTIONS: OptionTable = {
  'dry-run': flag(GROUP.run, 'parse and validate only; no network, no key'),
  plan: flag(GROUP.run, 'read current values, write plan.csv of what would change; send no PATCH'),
  'only-changed': flag(GROUP.run, 'read current values first; PATCH only rows that differ (writes rollback.csv)'),
  resume: text(GROUP.run, '<run-folder>  continue an interrupted run: rows already done are not sent again', { path: true }),
  ...JOB_OPTIONS,
  // read, match-by and empty have no yargs default: a resume must know whether they were typed.
  'match-by': text(GROUP.input, '<id|customer_identifier>  key rows by conversation id, or by phone/email (optional channel column)', {
    defaultDescription: DEFAULTS.matchBy,
    choices: ['id', 'customer_identifier'],
  }),
  map: text(GROUP.input, '<column>=<field>  map a header of yours to a field (repeat)', { array: true, default: [] }),
  empty: text(GROUP.input, '<null|keep>  an empty cell sends null (clears the field) or leaves the field out', {
    defaultDescription: DEFAULTS.empty,
    choices: ['null', 'keep'],
  }),
  delimiter: text(GROUP.input, '<c>  field delimiter: any one character (| ^ ~ …) or tab (default: , ; or tab, detected)'),
  encoding: text(GROUP.input, '<e>  utf-8, utf-16le, utf-16be, windows-1252 or latin1 (default: UTF-8, or UTF-16 by BOM)'),
  sheet: text(GROUP.input, '<name>  the worksheet of an .xlsx input (default: the first)'),
  ...API_OPTIONS,
  read: text(GROUP.api, '<auto|get|list>  how current values are read: a GET per row, or a scan of the list (auto: GET under 500 rows)', {
    defaultDescription: DEFAULTS.read,
    choices: ['auto', 'get', 'list'],
  }),
  concurrency: number(GROUP.pace, DEFAULTS.concurrency, '<n>  requests in flight at most'),
  ...PACE_OPTIONS,
  'max-errors': number(GROUP.pace, DEFAULTS.maxErrors, '<n>  stop after this many consecutive server-side failures (0 = never)'),
  'max-clears': text(GROUP.safety, '<n|n%>  refuse the run when more rows than this clear a field (rows, or a share of the data rows)', {
    defaultDescription: DEFAULTS.maxClears,
    json: 'count-or-text',
  }),
  'allow-clears': flag(GROUP.safety, 'lift the clears guard: the clears are intended'),
  yes: flag(GROUP.safety, 'do not ask for confirmation on a terminal', { alias: 'y' }),
  'report-dir': text(GROUP.output, '<dir>  where run folders go', { default: DEFAULTS.reportDir, path: true }),
  json: flag(GROUP.output, 'print the final summary as JSON on stdout', { cliOnly: true }),
  'detailed-exitcode': flag(GROUP.output, 'with --plan: exit 4 when changes are pending'),
  quiet: { group: GROUP.output, type: 'boolean', describe: 'only errors and the final summary', cliOnly: true },
  verbose: { group: GROUP.output, type: 'boolean', describe: 'more detail on stderr', cliOnly: true },
  // Test and benchmark knobs (not in the contract nor a job file): scale the 60 s window and 500 ms backoff down.
  'rate-window-ms': { type: 'number', hidden: true },
  'backoff-base-ms': { type: 'number', hidden: true },
};

export function importCommand(y: Argv, jobs: JobFiles | null): Argv {
  return y
    .positional('file', { type: 'string', describe: 'CSV file to import, or - for stdin (or "file" in the job file)' })
    .options(yargsOptions(IMPORT_OPTIONS))
    .config('config', JOB_FILE_TEXT, jobs?.reader(IMPORT_OPTIONS) ?? noJobFile)
    .version(false)
    .epilogue(helpEpilogue(IMPORT_EXAMPLES, IMPORT_NOTES));
}

/** `secrets` gets the key, for the error printer. */
export async function runImportCommand(args: ParsedArgs, io: CliIo, secrets: string[]): Promise<number> {
  const file = String(args.file);
  const resume = args.resume as string | undefined;
  // A resume uses the run's own API unless --base-url is typed: VOREL_BASE_URL may point elsewhere by now.
  const envBaseUrl = io.env.VOREL_BASE_URL;
  const baseUrl = (args['base-url'] as string | undefined) ?? (resume === undefined ? envBaseUrl : undefined);
  const session = apiSession(args, io, secrets, {
    verbosity: args.quiet ? 'quiet' : args.verbose ? 'verbose' : 'normal',
    keyHint: args['dry-run'] ? null : 'a --dry-run needs none',
    baseUrl,
  });
  try {
    const options: ImportCsvOptions = {
      ...libraryOptions(args, IMPORT_OPTIONS),
      ...(file === '-' ? { input: io.stdin } : { file }),
      ...session.options,
      apiKeyFile: session.keyFile,
      map: (args.map as unknown[]).map(String),
      confirm: terminalConfirm(io, { yes: args.yes === true, file }),
    };
    const summary = await importCsv(options);
    if (resume !== undefined && baseUrl === undefined && envBaseUrl !== undefined && envBaseUrl.replace(/\/+$/, '') !== summary.base_url) {
      session.logger.warn(`resumed against the run's own API ${summary.base_url} (VOREL_BASE_URL says ${envBaseUrl})`);
    }
    io.stdout.write(scrubSecrets(args.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(summary), secrets));
    return summary.exit_code;
  } finally {
    session.close();
  }
}
