import type { Argv } from 'yargs';
import { rateSetting } from '../checks.js';
import { importCsv } from '../index.js';
import { createLogger, scrubSecrets } from '../log.js';
import type { ImportCsvOptions } from '../options.js';
import { renderSummary } from '../report/summary.js';
import { helpEpilogue, IMPORT_EXAMPLES, IMPORT_NOTES } from './help.js';
import { IMPORT_OPTIONS } from './import-options.js';
import type { JobFiles } from './job-file.js';
import { JOB_FILE_TEXT, noJobFile } from './shared-options.js';
import { loadApiKey } from './key-source.js';
import type { CliIo } from './main.js';
import { networkOptions, proxySecrets } from './network-env.js';
import { type ParsedArgs, libraryOptions, yargsOptions } from './option-table.js';
import { createProgress } from './progress.js';
import { terminalConfirm } from './prompt.js';

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
  const keyFile = args['api-key-file'] as string | undefined;
  const resume = args.resume as string | undefined;
  const verbosity = args.quiet ? 'quiet' : args.verbose ? 'verbose' : 'normal';
  const key = args['dry-run'] ? null : loadApiKey({ env: io.env.VOREL_API_KEY, file: keyFile, hint: 'a --dry-run needs none' });
  if (key !== null) secrets.push(key.key);
  const progress = createProgress({ stderr: io.stderr, env: io.env, verbosity });
  const log = createLogger(progress?.logStream ?? io.stderr, verbosity, secrets);
  for (const w of key?.warnings ?? []) log.warn(w);
  // A resume uses the run's own API unless --base-url is typed: VOREL_BASE_URL may point elsewhere by now.
  const envBaseUrl = io.env.VOREL_BASE_URL;
  const baseUrl = (args['base-url'] as string | undefined) ?? (resume === undefined ? envBaseUrl : undefined);
  const network = networkOptions(args, io.env, baseUrl);
  secrets.push(...proxySecrets(network.proxy));
  try {
    const options: ImportCsvOptions = {
      ...libraryOptions(args, IMPORT_OPTIONS),
      ...(file === '-' ? { input: io.stdin } : { file }),
      apiKey: key?.key,
      apiKeyFile: key === null ? undefined : keyFile,
      baseUrl,
      map: (args.map as unknown[]).map(String),
      rate: rateSetting(args.rate as string),
      onProgress: progress?.update,
      confirm: terminalConfirm(io, { yes: args.yes === true, file }),
      signal: io.signal,
      logger: log,
      ...network,
    };
    const summary = await importCsv(options);
    if (resume !== undefined && baseUrl === undefined && envBaseUrl !== undefined && envBaseUrl.replace(/\/+$/, '') !== summary.base_url) {
      log.warn(`resumed against the run's own API ${summary.base_url} (VOREL_BASE_URL says ${envBaseUrl})`);
    }
    io.stdout.write(scrubSecrets(args.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(summary), secrets));
    return summary.exit_code;
  } finally {
    progress?.close();
  }
}
