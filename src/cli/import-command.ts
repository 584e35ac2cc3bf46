import type { Argv } from 'yargs';
import { importCsv } from '../index.js';
import { scrubSecrets } from '../log.js';
import type { ImportCsvOptions } from '../options.js';
import { renderSummary } from '../report/summary.js';
import { apiSession } from './api-session.js';
import { helpEpilogue, IMPORT_EXAMPLES, IMPORT_NOTES } from './help.js';
import { IMPORT_OPTIONS } from './import-options.js';
import type { JobFiles } from './job-file.js';
import { JOB_FILE_TEXT, noJobFile } from './shared-options.js';
import type { CliIo } from './main.js';
import { type ParsedArgs, libraryOptions, yargsOptions } from './option-table.js';
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
