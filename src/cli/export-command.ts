/** `vorel-sync export`: its flags, and the glue from them to `exportCsv`. */
import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { renderExportSummary } from '../export/run.js';
import { exportCsv } from '../index.js';
import { createLogger, scrubSecrets } from '../log.js';
import { rateSetting } from '../checks.js';
import { DEFAULTS } from '../options.js';
import { EXPORT_EXAMPLES, EXPORT_NOTES, helpEpilogue } from './help.js';
import { JOB_FILE_TEXT, type JobFiles } from './job-file.js';
import { GROUP, JSON_TYPE, type OptionTable, yargsOptions } from './option-table.js';
import { API_OPTIONS, JOB_OPTIONS, PACE_OPTIONS } from './shared-options.js';
import { loadApiKey } from './key-source.js';
import { progressUntilLost } from './lost-output.js';
import type { CliIo } from './main.js';
import { createProgress } from './progress.js';
import { networkOptions, proxySecrets } from './network-env.js';

const some = (describe: string) =>
  ({
    yargs: { group: GROUP.filter, type: 'string', describe },
    json: JSON_TYPE.text.or(JSON_TYPE.list),
  }) as const;

/** The options of `vorel-sync export`, in the groups of its `--help`. */
export const EXPORT_OPTIONS: OptionTable = {
  ...JOB_OPTIONS,
  channel: some('<channel>  only these channels (repeat, or a comma list)'),
  status: some('<status>  only these statuses (repeat, or a comma list)'),
  'created-after': {
    yargs: { group: GROUP.filter, type: 'string', describe: '<date>  only created at or after this ISO date/date-time' },
    json: JSON_TYPE.text,
  },
  'created-before': {
    yargs: { group: GROUP.filter, type: 'string', describe: '<date>  only created before this ISO date/date-time' },
    json: JSON_TYPE.text,
  },
  missing: some('<name|language>  only rows where name or language (or either: name,language) is empty'),
  limit: { yargs: { group: GROUP.filter, type: 'number', describe: '<n>  stop after writing this many rows' }, json: JSON_TYPE.count },
  ...API_OPTIONS,
  ...PACE_OPTIONS,
  delimiter: {
    yargs: { group: GROUP.output, type: 'string', default: DEFAULTS.exportDelimiter, describe: '<c>  field delimiter: , ; or tab' },
    json: JSON_TYPE.text,
  },
  bom: {
    yargs: { group: GROUP.output, type: 'boolean', default: DEFAULTS.bom, describe: 'start with a UTF-8 BOM (Excel on Windows)' },
    json: JSON_TYPE.flag,
  },
  json: {
    yargs: { group: GROUP.output, type: 'boolean', default: false, describe: 'print the summary as JSON on stdout (needs an output file)' },
    json: JSON_TYPE.flag,
  },
  quiet: { yargs: { group: GROUP.output, type: 'boolean', describe: 'no progress; only errors' }, json: JSON_TYPE.flag },
};

/** yargs options of `vorel-sync export [file]`. */
export function exportCommand(y: Argv, jobs: JobFiles): Argv {
  return y
    .positional('file', { type: 'string', describe: 'CSV file to write (- or none: stdout)' })
    .options(yargsOptions(EXPORT_OPTIONS))
    .config('config', JOB_FILE_TEXT, jobs.reader(EXPORT_OPTIONS))
    .version(false)
    .epilogue(helpEpilogue(EXPORT_EXAMPLES, EXPORT_NOTES));
}

/** The export command's arguments as yargs hands them over (a repeated string option is an array). */
interface ExportArgs {
  file?: string | undefined;
  'base-url'?: string;
  'api-key-file'?: string;
  delimiter: string;
  bom: boolean;
  channel?: string | string[];
  status?: string | string[];
  'created-after'?: string;
  'created-before'?: string;
  missing?: string | string[];
  limit?: number;
  rate: string;
  retries: number;
  timeout: number;
  proxy?: string;
  'ca-cert'?: string;
  json: boolean;
  quiet?: boolean;
}

const list = (value: string | string[] | undefined): string[] | undefined =>
  value === undefined ? undefined : (Array.isArray(value) ? value : [value]).map(String);

/** Runs `export` from parsed arguments; returns the exit code. Usage errors throw (exit 2). */
export async function runExportCommand(parsed: Record<string, unknown>, io: CliIo, secrets: string[]): Promise<number> {
  const args = parsed as unknown as ExportArgs;
  const file = args.file === undefined || args.file === '-' ? undefined : args.file;
  if (file === '') throw new UsageError('the output file name is empty (use - or leave it out for stdout)', 'bad_output');
  if (args.json && file === undefined) {
    throw new UsageError('--json needs an output file: stdout holds the CSV (vorel-sync export out.csv --json)', 'conflicting_options');
  }
  const key = loadApiKey({
    env: io.env.VOREL_API_KEY,
    file: args['api-key-file'],
    hint: 'export reads the conversations: the key needs the read scope',
  });
  secrets.push(key.key);
  const baseUrl = args['base-url'] ?? io.env.VOREL_BASE_URL;
  const network = networkOptions(args, io.env, baseUrl);
  secrets.push(...proxySecrets(network.proxy));
  const verbosity = args.quiet ? 'quiet' : 'normal';
  const progress = progressUntilLost(io.stderr, createProgress({ stderr: io.stderr, env: io.env, verbosity }));
  const log = createLogger(progress?.logStream ?? io.stderr, verbosity, secrets);
  for (const w of key.warnings) log.warn(w);
  let summary: Awaited<ReturnType<typeof exportCsv>>;
  try {
    summary = await exportCsv({
      ...(file === undefined ? { output: io.stdout } : { file }),
      apiKey: key.key,
      baseUrl,
      delimiter: args.delimiter,
      bom: args.bom,
      channel: list(args.channel),
      status: list(args.status),
      createdAfter: args['created-after'],
      createdBefore: args['created-before'],
      missing: list(args.missing),
      limit: args.limit,
      rate: rateSetting(args.rate),
      retries: args.retries,
      timeout: args.timeout,
      onProgress: progress?.update,
      signal: io.signal,
      logger: log,
      ...network,
    });
  } finally {
    progress?.close();
  }
  if (args.json) {
    io.stdout.write(scrubSecrets(`${JSON.stringify(summary, null, 2)}\n`, secrets));
  } else if (file !== undefined) {
    io.stdout.write(scrubSecrets(renderExportSummary(summary), secrets));
  } else if (verbosity !== 'quiet') {
    // stdout holds the CSV: the summary goes to stderr.
    io.stderr.write(scrubSecrets(renderExportSummary(summary), secrets));
  }
  return summary.exit_code;
}
