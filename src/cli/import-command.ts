/** `vorel-sync import`: its flags, and the glue from them to `importCsv`. */
import type { Argv } from 'yargs';
import { importCsv } from '../index.js';
import { createLogger, scrubSecrets } from '../log.js';
import { rateSetting } from '../checks.js';
import { DEFAULTS, type EmptyCells, type MatchBy, type ReadStrategy, type Verbosity } from '../options.js';
import { renderSummary } from '../report/summary.js';
import { helpEpilogue, IMPORT_EXAMPLES, IMPORT_NOTES } from './help.js';
import { loadApiKey } from './key-source.js';
import { progressUntilLost } from './lost-output.js';
import type { CliIo } from './main.js';
import { createProgress } from './progress.js';
import { terminalConfirm } from './prompt.js';
import { RATE_OPTION, TIMEOUT_OPTION } from './request-options.js';

export function importCommand(y: Argv): Argv {
  return (
    y
      .positional('file', { type: 'string', describe: 'CSV file to import, or - for stdin', demandOption: true })
      .option('base-url', { type: 'string', describe: 'API origin (env VOREL_BASE_URL)', defaultDescription: DEFAULTS.baseUrl })
      .option('api-key-file', { type: 'string', describe: 'file holding the API key (else env VOREL_API_KEY)' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'parse and validate only; no network, no key' })
      .option('plan', {
        type: 'boolean',
        default: false,
        describe: 'read current values, write plan.csv of what would change; send no PATCH',
      })
      .option('only-changed', {
        type: 'boolean',
        default: false,
        describe: 'read current values first; PATCH only rows that differ (writes rollback.csv)',
      })
      // read, match-by and empty have no yargs default: a resume must know whether they were typed.
      .option('read', {
        choices: ['auto', 'get', 'list'],
        defaultDescription: DEFAULTS.read,
        describe: 'how current values are read: one GET per row, or a scan of the list (auto: GET under 500 rows)',
      })
      .option('match-by', {
        choices: ['id', 'customer_identifier'],
        defaultDescription: DEFAULTS.matchBy,
        describe: 'key rows by conversation id, or by customer_identifier (phone/email, optional channel column)',
      })
      .option('detailed-exitcode', { type: 'boolean', default: false, describe: 'with --plan: exit 4 when changes are pending' })
      .option('empty', {
        choices: ['null', 'keep'],
        defaultDescription: DEFAULTS.empty,
        describe: 'empty cell: send null (clear) or leave the field out',
      })
      .option('map', { type: 'string', array: true, default: [], describe: 'map a header to a field: <column>=<field>' })
      .option('delimiter', {
        type: 'string',
        describe: 'field delimiter: any one character (| ^ ~ …) or tab (default: , ; or tab, detected)',
      })
      .option('encoding', {
        type: 'string',
        describe: 'utf-8, utf-16le, utf-16be, windows-1252 or latin1 (default: UTF-8, or UTF-16 by BOM)',
      })
      .option('concurrency', { type: 'number', default: DEFAULTS.concurrency, describe: 'requests in flight at most' })
      .option('rate', RATE_OPTION)
      .option('retries', { type: 'number', default: DEFAULTS.retries, describe: 'retries per row for 5xx, timeouts and network errors' })
      .option('timeout', TIMEOUT_OPTION)
      .option('max-errors', {
        type: 'number',
        default: DEFAULTS.maxErrors,
        describe: 'stop after this many consecutive server-side failures (0 = never)',
      })
      .option('max-clears', {
        type: 'string',
        defaultDescription: DEFAULTS.maxClears,
        describe: 'refuse the run when more rows than this clear a field: a number of rows, or n% of the data rows',
      })
      .option('allow-clears', { type: 'boolean', default: false, describe: 'lift the clears guard: the clears are intended' })
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'do not ask for confirmation on a terminal' })
      .option('report-dir', { type: 'string', default: DEFAULTS.reportDir, describe: 'where run folders go' })
      .option('resume', {
        type: 'string',
        describe: 'continue an interrupted run from its folder: rows already settled are not sent again',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print the final summary as JSON on stdout' })
      .option('quiet', { type: 'boolean', describe: 'only errors and the final summary' })
      .option('verbose', { type: 'boolean', describe: 'more detail on stderr' })
      // Test and benchmark knobs, not part of the contract: scale the 60 s rate window and the
      // 500 ms backoff base down so a run that would take minutes takes seconds.
      .option('rate-window-ms', { type: 'number', hidden: true })
      .option('backoff-base-ms', { type: 'number', hidden: true })
      .conflicts('quiet', 'verbose')
      .epilogue(helpEpilogue(IMPORT_EXAMPLES, IMPORT_NOTES))
  );
}

/** The import command's arguments as yargs hands them over. */
interface ImportArgs {
  file: string;
  'base-url'?: string;
  'api-key-file'?: string;
  'dry-run': boolean;
  plan: boolean;
  'only-changed': boolean;
  read?: ReadStrategy;
  'match-by'?: MatchBy;
  'detailed-exitcode': boolean;
  empty?: EmptyCells;
  map: (string | number)[];
  resume?: string;
  delimiter?: string;
  encoding?: string;
  concurrency: number;
  rate: string;
  retries: number;
  timeout: number;
  'max-errors': number;
  'max-clears'?: string;
  'allow-clears': boolean;
  yes: boolean;
  'report-dir': string;
  json: boolean;
  quiet?: boolean;
  verbose?: boolean;
  'rate-window-ms'?: number;
  'backoff-base-ms'?: number;
}

/** Runs `import` from parsed arguments; returns the exit code. Usage errors throw (exit 2). `secrets` gets the key, for the error printer. */
export async function runImportCommand(parsed: Record<string, unknown>, io: CliIo, secrets: string[]): Promise<number> {
  const args = parsed as unknown as ImportArgs;
  const verbosity: Verbosity = args.quiet ? 'quiet' : args.verbose ? 'verbose' : 'normal';
  const key = args['dry-run']
    ? null
    : loadApiKey({ env: io.env.VOREL_API_KEY, file: args['api-key-file'], hint: 'a --dry-run needs none' });
  if (key !== null) secrets.push(key.key);
  const progress = progressUntilLost(io.stderr, createProgress({ stderr: io.stderr, env: io.env, verbosity }));
  const log = createLogger(progress?.logStream ?? io.stderr, verbosity, secrets);
  for (const w of key?.warnings ?? []) log.warn(w);
  // A resume uses the run's own API unless --base-url is typed: VOREL_BASE_URL may point elsewhere by now.
  const envBaseUrl = io.env.VOREL_BASE_URL;
  const baseUrl = args['base-url'] ?? (args.resume === undefined ? envBaseUrl : undefined);
  try {
    const summary = await importCsv({
      ...(args.file === '-' ? { input: io.stdin } : { file: args.file }),
      apiKey: key?.key,
      baseUrl,
      dryRun: args['dry-run'],
      plan: args.plan,
      onlyChanged: args['only-changed'],
      read: args.read,
      matchBy: args['match-by'],
      empty: args.empty,
      map: args.map.map(String),
      delimiter: args.delimiter,
      encoding: args.encoding,
      concurrency: args.concurrency,
      rate: rateSetting(args.rate),
      retries: args.retries,
      timeout: args.timeout,
      maxErrors: args['max-errors'],
      maxClears: args['max-clears'],
      allowClears: args['allow-clears'],
      yes: args.yes,
      detailedExitcode: args['detailed-exitcode'],
      reportDir: args['report-dir'],
      resume: args.resume,
      rateWindowMs: args['rate-window-ms'],
      backoffBaseMs: args['backoff-base-ms'],
      onProgress: progress?.update,
      confirm: terminalConfirm(io, { yes: args.yes, file: args.file }),
      signal: io.signal,
      logger: log,
    });
    if (
      args.resume !== undefined &&
      baseUrl === undefined &&
      envBaseUrl !== undefined &&
      envBaseUrl.replace(/\/+$/, '') !== summary.base_url
    ) {
      log.warn(`resumed against the run's own API ${summary.base_url} (VOREL_BASE_URL says ${envBaseUrl})`);
    }
    io.stdout.write(scrubSecrets(args.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(summary), secrets));
    return summary.exit_code;
  } finally {
    progress?.close();
  }
}
