/** `vorel-sync import`: its flags, and the glue from them to `importCsv`. */
import type { Argv } from 'yargs';
import { importCsv } from '../index.js';
import { createLogger, scrubSecrets } from '../log.js';
import { rateSetting } from '../checks.js';
import type { EmptyCells, MatchBy, ReadStrategy, Verbosity } from '../options.js';
import { renderSummary } from '../report/summary.js';
import { helpEpilogue, IMPORT_EXAMPLES, IMPORT_NOTES } from './help.js';
import { loadApiKey } from './key-source.js';
import { progressUntilLost } from './lost-output.js';
import type { CliIo } from './main.js';
import { createProgress } from './progress.js';
import { terminalConfirm } from './prompt.js';
import { IMPORT_OPTIONS } from './import-options.js';
import { JOB_FILE_TEXT, type JobFiles } from './job-file.js';
import { yargsOptions } from './option-table.js';
import { networkOptions, proxySecrets } from './network-env.js';

export function importCommand(y: Argv, jobs: JobFiles): Argv {
  return y
    .positional('file', { type: 'string', describe: 'CSV file to import, or - for stdin (or "file" in the job file)' })
    .options(yargsOptions(IMPORT_OPTIONS))
    .config('config', JOB_FILE_TEXT, jobs.reader(IMPORT_OPTIONS))
    .version(false)
    .epilogue(helpEpilogue(IMPORT_EXAMPLES, IMPORT_NOTES));
}

/** The import command's arguments as yargs hands them over. */
interface ImportArgs {
  file: string;
  'save-config'?: string;
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
  sheet?: string;
  concurrency: number;
  rate: string;
  retries: number;
  timeout: number;
  proxy?: string;
  'ca-cert'?: string;
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
  const network = networkOptions(args, io.env, baseUrl);
  secrets.push(...proxySecrets(network.proxy));
  try {
    const summary = await importCsv({
      ...(args.file === '-' ? { input: io.stdin } : { file: args.file }),
      apiKey: key?.key,
      apiKeyFile: key === null ? undefined : args['api-key-file'],
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
      sheet: args.sheet,
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
      ...network,
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
