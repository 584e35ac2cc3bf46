/** The CLI: argv → the command's glue (import-command.ts, export-command.ts, emulator-command.ts) → exit code. */
import yargs, { type Argv } from 'yargs';
import { UsageError, VorelSyncError } from '../errors.js';
import { EXIT } from '../exit-code.js';
import { createLogger } from '../log.js';
import { emulatorCommand, runEmulator } from './emulator-command.js';
import { exportCommand, runExportCommand } from './export-command.js';
import { helpEpilogue, TOP_EXAMPLES } from './help.js';
import { importCommand, runImportCommand } from './import-command.js';
import { refuseKeyOnCommandLine } from './key-source.js';
import { explainUsageError } from './suggest.js';
import { usageCodeOf } from './usage-code.js';
import { packageVersion } from '../version.js';

/** Streams and environment the CLI runs against; injected so tests can run it in-process. */
export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  /** Aborts on SIGINT/SIGTERM, and on SIGHUP with a HangUp as its reason (exit 129). */
  signal: AbortSignal;
}

function parser(argv: readonly string[]): Argv {
  // The options of the command being parsed, for "did you mean" on an unknown one.
  let known: readonly string[] = ['help', 'version'];
  const remember =
    (build: (y: Argv) => Argv) =>
    (y: Argv): Argv => {
      const built = build(y);
      // getOptions() exists at runtime but is missing from @types/yargs.
      known = Object.keys((built as unknown as { getOptions(): { key: object } }).getOptions().key);
      return built;
    };
  return yargs([...argv])
    .scriptName('vorel-sync')
    .usage('$0 <command> [options]\n\nBulk-update Vorel conversations from a CSV file.')
    .command('import <file>', 'update conversations from a CSV file (- for stdin)', remember(importCommand))
    .command('export [file]', 'write every conversation to a CSV file (stdout when none) that imports back', remember(exportCommand))
    .command('emulator', 'run a local emulator of the Vorel API (for demos and tests)', remember(emulatorCommand))
    .epilogue(helpEpilogue(TOP_EXAMPLES, 'Run `$0 <command> --help` for the options and examples of each command.'))
    .demandCommand(1, 'name a command: import, export or emulator')
    .strict()
    .recommendCommands()
    .version(packageVersion())
    .help()
    .alias('h', 'help')
    .wrap(100)
    .exitProcess(false)
    .fail((message, error) => {
      if (error instanceof VorelSyncError) throw error;
      const said = message || String(error);
      throw new UsageError(explainUsageError(said, known, argv), usageCodeOf(said, argv));
    });
}

type ParsedArgs = Record<string, unknown> & { _: (string | number)[] };

/** Parses argv; returns the arguments, or the text yargs printed for --help / --version; a refusal rejects with a UsageError. */
export async function parseArgv(argv: readonly string[]): Promise<{ args: ParsedArgs; output: string }> {
  let output = '';
  const args = await new Promise<ParsedArgs>((resolve, reject) => {
    void parser(argv).parseAsync([...argv], {}, (error, parsed, text) => {
      output = text;
      if (error) reject(error instanceof VorelSyncError ? error : new UsageError(error.message, 'bad_argument'));
      else resolve(parsed as ParsedArgs);
    });
  });
  return { args, output };
}

/** Runs the CLI and returns the exit code; only bin.ts turns it into process.exit. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  // The key, once read, so that no error message can print it.
  const secrets: string[] = [];
  try {
    refuseKeyOnCommandLine(argv);
    const { args, output } = await parseArgv(argv);
    if (output !== '') {
      io.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
      return EXIT.ok;
    }
    const command = String(args._[0]);
    if (command === 'emulator') return await runEmulator(args, io);
    // yargs parses a lone `-` positional as an empty string; `-` means stdin (contract).
    if (args.file === '' && argv.includes('-')) args.file = '-';
    if (command === 'export') return await runExportCommand(args, io, secrets);
    return await runImportCommand(args, io, secrets);
  } catch (error) {
    const log = createLogger(io.stderr, 'normal', secrets);
    if (error instanceof VorelSyncError) {
      log.error(error.message);
      if (error.exitCode === EXIT.usage && !(error.code === 'key_on_command_line')) log.info('Run `vorel-sync --help` for usage.');
      return error.exitCode;
    }
    // A bug, not the user's doing: a one-line message; the stack only when asked for (--verbose).
    const detail = error instanceof Error ? (argv.includes('--verbose') ? (error.stack ?? error.message) : error.message) : String(error);
    log.error(`unexpected failure: ${detail}${argv.includes('--verbose') ? '' : ' (run again with --verbose for details)'}`);
    return EXIT.failed;
  }
}
