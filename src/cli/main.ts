import yargs, { type Argv } from 'yargs';
import { UsageError, VorelSyncError } from '../errors.js';
import { EXIT } from '../exit-code.js';
import { createLogger } from '../log.js';
import { EMULATOR_OPTIONS, emulatorCommand, runEmulator } from './emulator-command.js';
import { EXPORT_OPTIONS, exportCommand, runExportCommand } from './export-command.js';
import { helpEpilogue, TOP_EXAMPLES } from './help.js';
import { IMPORT_OPTIONS, importCommand, runImportCommand } from './import-command.js';
import type { JobFiles } from './job-file.js';
import { refuseKeyOnCommandLine } from './key-source.js';
import {
  camelCase,
  checkAgainstTable,
  closestOption,
  type OptionTable,
  type ParsedArgs,
  typedAsFlag,
  unknownOption,
} from './option-table.js';
import { REPORT_OPTIONS, reportCommand, runReportCommand } from './report-command.js';
import { packageVersion } from '../version.js';

/** Injected so tests can run the CLI in-process. */
export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  signal: AbortSignal;
}

const COMMANDS: Readonly<Record<string, { table: OptionTable; positionals: readonly string[] }>> = {
  import: { table: IMPORT_OPTIONS, positionals: ['file'] },
  export: { table: EXPORT_OPTIONS, positionals: ['file'] },
  report: { table: REPORT_OPTIONS, positionals: ['run-folder'] },
  emulator: { table: EMULATOR_OPTIONS, positionals: [] },
};

function parser(argv: readonly string[], jobs: JobFiles | null): Argv {
  return (
    yargs([...argv])
      .scriptName('vorel-sync')
      .usage('$0 <command> [options]\n\nBulk-update Vorel conversations from a CSV file.')
      // [file]: the input may come from a job file's "file" instead; checkCommandLine requires one.
      .command('import [file]', 'update conversations from a CSV file (- for stdin)', (y) => importCommand(y, jobs))
      .command('export [file]', 'write every conversation to a CSV file (stdout when none) that imports back', (y) =>
        exportCommand(y, jobs),
      )
      .command('report <run-folder>', "write a run folder's reports again from its input and journal", reportCommand)
      .command('emulator', 'run a local emulator of the Vorel API (for demos and tests)', emulatorCommand)
      .epilogue(helpEpilogue(TOP_EXAMPLES, 'Run `$0 <command> --help` for the options and examples of each command.'))
      .version(packageVersion())
      .help()
      .alias('h', 'help')
      // yargs lays out the help after every parse; unwrapped, a start costs 0.1 s less.
      .wrap(asksForHelp(argv) ? 100 : null)
      .exitProcess(false)
      .fail((message, error) => {
        if (error instanceof VorelSyncError) throw error;
        throw new UsageError(message || String(error), 'bad_argument');
      })
  );
}

function asksForHelp(argv: readonly string[]): boolean {
  return argv.some((arg) => arg === '--help' || arg.startsWith('--help=') || /^-[^-]*h/.test(arg));
}

/** Ours, not yargs' strict mode: each refusal gets its usage code. */
function checkCommandLine(args: ParsedArgs, argv: readonly string[]): void {
  const word = args._[0];
  if (word === undefined) {
    const extra = Object.keys(args).filter((key) => !['_', '$0', 'help', 'h', 'version'].includes(key));
    const problem =
      extra.length > 0 ? unknownOption(extra[0] ?? '', ['help', 'version'], argv) : 'name a command: import, export, report or emulator';
    throw new UsageError(problem, 'unknown_option');
  }
  const command = COMMANDS[String(word)];
  if (command === undefined) {
    const near = closestOption(String(word), Object.keys(COMMANDS));
    throw new UsageError(
      `unknown command ${JSON.stringify(String(word))}${near === null ? '' : ` (did you mean ${near}?)`}`,
      'unknown_option',
    );
  }
  checkAgainstTable(args, command.table, argv, command.positionals);
  if (args.quiet === true && args.verbose === true) throw new UsageError('--quiet and --verbose exclude each other', 'conflicting_options');
  if (word === 'import' && (args.file === undefined || args.file === '') && !argv.includes('-')) {
    throw new UsageError(
      'import needs a file: vorel-sync import <file.csv> (or - to read standard input, or --config <job.json> holding "file")',
      'no_input',
    );
  }
}

/** The arguments, or the text yargs printed for --help / --version. */
export async function parseArgv(argv: readonly string[]): Promise<{ args: ParsedArgs; output: string; fromJobFile: ReadonlySet<string> }> {
  let output = '';
  // zod takes 0.1 s to load: only for a job file.
  const jobs = argv.some((arg) => /^--(save-)?config(=|$)/.test(arg)) ? new (await import('./job-file.js')).JobFiles() : null;
  const args = await new Promise<ParsedArgs>((resolve, reject) => {
    void parser(argv, jobs).parseAsync([...argv], {}, (error, parsed, text) => {
      output = text;
      if (error) reject(error instanceof VorelSyncError ? error : new UsageError(error.message, 'bad_argument'));
      else resolve(parsed as ParsedArgs);
    });
  });
  if (jobs?.refusal) throw jobs.refusal;
  if (output === '') checkCommandLine(args, argv);
  return { args, output, fromJobFile: jobs?.keys ?? new Set<string>() };
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const secrets: string[] = [];
  try {
    refuseKeyOnCommandLine(argv);
    const { args, output, fromJobFile } = await parseArgv(argv);
    if (output !== '') {
      io.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
      return EXIT.ok;
    }
    const command = String(args._[0]);
    if (command === 'emulator') return await runEmulator(args, io);
    if (command === 'report') return await runReportCommand(args, io);
    // yargs parses a lone `-` positional as an empty string; `-` means stdin (contract).
    if (args.file === '' && argv.includes('-')) args.file = '-';
    const saveTo = args['save-config'];
    if (typeof saveTo === 'string') {
      const table = COMMANDS[command]?.table ?? {};
      const given = (name: string): boolean =>
        fromJobFile.has(name) || [name, camelCase(name), ...[table[name]?.alias ?? []].flat()].some((n) => typedAsFlag(n, argv));
      const { saveJob } = await import('./job-file.js');
      io.stdout.write(saveJob(args, table, { file: saveTo, command, given }));
      return EXIT.ok;
    }
    if (command === 'export') return await runExportCommand(args, io, secrets);
    return await runImportCommand(args, io, secrets);
  } catch (error) {
    const log = createLogger(io.stderr, 'normal', secrets);
    if (error instanceof VorelSyncError) {
      log.error(error.message);
      if (error.exitCode === EXIT.usage && !(error.code === 'key_on_command_line')) log.info('Run `vorel-sync --help` for usage.');
      return error.exitCode;
    }
    // A bug: the stack only with --verbose.
    const detail = error instanceof Error ? (argv.includes('--verbose') ? (error.stack ?? error.message) : error.message) : String(error);
    log.error(`unexpected failure: ${detail}${argv.includes('--verbose') ? '' : ' (run again with --verbose for details)'}`);
    return EXIT.failed;
  }
}
