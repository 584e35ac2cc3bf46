import yargs, { type Argv } from 'yargs';
import { runEmulatorCommand } from '../emulator/index.js';
import { UsageError, VorelSyncError } from '../errors.js';
import { runImport } from '../pipeline/run.js';
import { readJournal, resumeOptions } from '../pipeline/resume.js';
import { renderSummary } from '../report/summary.js';
import { createLogger, scrubSecrets } from './log.js';
import { refuseKeyOnCommandLine } from './credentials.js';
import { importOptionsFrom, type RawImportArgs } from './import-options.js';
import { createProgress } from './progress.js';
import { progressUntilLost } from './lost-output.js';
import { exportCommand, runExportCommand } from './export-command.js';
import { EMULATOR_EXAMPLES, IMPORT_EXAMPLES, IMPORT_NOTES, TOP_EXAMPLES, helpEpilogue } from './help.js';
import { explainUsageError } from './suggest.js';
import { packageVersion } from '../version.js';

/** Streams and environment the CLI runs against; injected so tests can run it in-process. */
export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  /** Aborts on SIGINT/SIGTERM, and on SIGHUP with a HangUp as its reason (exit 129). */
  signal: AbortSignal;
}

function importCommand(y: Argv): Argv {
  return (
    y
      .positional('file', { type: 'string', describe: 'CSV file to import, or - for stdin', demandOption: true })
      .option('base-url', { type: 'string', describe: 'API origin (env VOREL_BASE_URL)', defaultDescription: 'https://app.vorel.ai' })
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
      .option('read', {
        choices: ['auto', 'get', 'list'],
        defaultDescription: 'auto',
        describe: 'how current values are read: one GET per row, or a scan of the list (auto: GET under 500 rows)',
      })
      .option('match-by', {
        choices: ['id', 'customer_identifier'],
        defaultDescription: 'id',
        describe: 'key rows by conversation id, or by customer_identifier (phone/email, optional channel column)',
      })
      .option('detailed-exitcode', { type: 'boolean', default: false, describe: 'with --plan: exit 4 when changes are pending' })
      .option('empty', {
        choices: ['null', 'keep'],
        defaultDescription: 'null',
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
      .option('concurrency', { type: 'number', default: 4, describe: 'requests in flight at most' })
      .option('rate', { type: 'number', default: 180, describe: 'request starts per minute at most (the API allows 200)' })
      .option('retries', { type: 'number', default: 5, describe: 'retries per row for 5xx, timeouts and network errors' })
      .option('timeout', { type: 'number', default: 30000, describe: 'per-attempt timeout in ms' })
      .option('max-errors', { type: 'number', default: 20, describe: 'stop after this many consecutive server-side failures (0 = never)' })
      .option('report-dir', { type: 'string', default: 'reports', describe: 'where run folders go' })
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

function emulatorCommand(y: Argv): Argv {
  return y
    .option('port', { type: 'number', default: 0, describe: 'port on 127.0.0.1 (0 = any free port)' })
    .option('seed', { type: 'number', default: 1, describe: 'seed of the generated data and faults' })
    .option('count', { type: 'number', default: 1000, describe: 'conversations to generate' })
    .option('scopes', { type: 'string', default: 'read,conversations:write', describe: 'scopes of the printed key, comma-separated' })
    .option('rate-limit', { type: 'number', default: 200, describe: 'requests per window per key (0 = no limit)' })
    .option('window-ms', { type: 'number', default: 60000, describe: 'rate-limit window length in ms' })
    .option('fail-rate', { type: 'number', default: 0, describe: 'probability of a 500/502/503 answer' })
    .option('reset-before-rate', {
      type: 'number',
      default: 0,
      describe: 'probability of resetting the connection before applying a write',
    })
    .option('reset-after-rate', { type: 'number', default: 0, describe: 'probability of resetting the connection after applying a write' })
    .option('hang-rate', { type: 'number', default: 0, describe: 'probability of never answering' })
    .option('latency-ms', { type: 'number', default: 0, describe: 'added latency in ms' })
    .option('latency-jitter-ms', { type: 'number', default: 0, describe: 'plus random latency up to this many ms' })
    .option('failing-ids', { type: 'string', array: true, default: [], describe: 'ids whose PATCH always answers 500' })
    .option('dump-on-exit', { type: 'string', describe: 'write the final state as JSON to this file on exit' })
    .epilogue(helpEpilogue(EMULATOR_EXAMPLES));
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
      throw error instanceof VorelSyncError ? error : new UsageError(explainUsageError(message || String(error), known, argv));
    });
}

type ParsedArgs = Record<string, unknown> & { _: (string | number)[] };

/** Parses argv; returns the arguments, or the text yargs printed for --help / --version. */
async function parse(argv: readonly string[]): Promise<{ args: ParsedArgs; output: string }> {
  let output = '';
  const args = await new Promise<ParsedArgs>((resolve, reject) => {
    void parser(argv).parseAsync([...argv], {}, (error, parsed, text) => {
      output = text;
      if (error) reject(error instanceof VorelSyncError ? error : new UsageError(error.message));
      else resolve(parsed as ParsedArgs);
    });
  });
  return { args, output };
}

/** Runs the CLI and returns the exit code; only bin.ts turns it into process.exit. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let secrets: string[] = [];
  try {
    refuseKeyOnCommandLine(argv);
    const { args, output } = await parse(argv);
    if (output !== '') {
      io.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
      return 0;
    }
    const command = String(args._[0]);
    if (command === 'emulator') return await runEmulator(args, io);
    // yargs parses a lone `-` positional as an empty string; `-` means stdin (contract).
    if (args.file === '' && argv.includes('-')) args.file = '-';
    if (command === 'export') return await runExportCommand(args, io);
    const parsed = importOptionsFrom(args as unknown as RawImportArgs, io.env);
    const { warnings } = parsed;
    const resume = parsed.options.resume === undefined ? null : await readJournal(parsed.options.resume);
    const options = resume === null ? parsed.options : resumeOptions(parsed.options, parsed.explicit, resume);
    secrets = options.apiKey === null ? [] : [options.apiKey];
    const progress = progressUntilLost(io.stderr, createProgress({ stderr: io.stderr, env: io.env, verbosity: options.verbosity }));
    const log = createLogger(progress?.logStream ?? io.stderr, options.verbosity, secrets);
    for (const w of warnings) log.warn(w);
    if (resume !== null && io.env.VOREL_BASE_URL !== undefined && parsed.options.baseUrl !== options.baseUrl) {
      log.warn(`resuming against the run's own API ${options.baseUrl} (VOREL_BASE_URL says ${parsed.options.baseUrl})`);
    }
    if (resume !== null && resume.skippedLines > 0)
      log.warn(`skipped ${resume.skippedLines} unreadable journal lines (a torn last write is normal after a crash)`);
    const summary = await runImport(options, { stdin: io.stdin, log, signal: io.signal, progress }, resume);
    io.stdout.write(scrubSecrets(options.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(summary), secrets));
    return summary.exit_code;
  } catch (error) {
    const log = createLogger(io.stderr, 'normal', secrets);
    if (error instanceof VorelSyncError) {
      log.error(error.message);
      if (error.exitCode === 2 && !(error.code === 'key_on_command_line')) log.info('Run `vorel-sync --help` for usage.');
      return error.exitCode;
    }
    // A bug, not the user's doing: a one-line message; the stack only when asked for (--verbose).
    const detail = error instanceof Error ? (argv.includes('--verbose') ? (error.stack ?? error.message) : error.message) : String(error);
    log.error(`unexpected failure: ${detail}${argv.includes('--verbose') ? '' : ' (run again with --verbose for details)'}`);
    return 1;
  }
}

async function runEmulator(args: ParsedArgs, io: CliIo): Promise<number> {
  const num = (k: string): number => Number(args[k]);
  return runEmulatorCommand(
    {
      port: num('port'),
      seed: num('seed'),
      count: num('count'),
      scopes: String(args.scopes)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
      rateLimit: num('rate-limit'),
      windowMs: num('window-ms'),
      failRate: num('fail-rate'),
      resetBeforeRate: num('reset-before-rate'),
      resetAfterRate: num('reset-after-rate'),
      hangRate: num('hang-rate'),
      latencyMs: num('latency-ms'),
      latencyJitterMs: num('latency-jitter-ms'),
      failingIds: (args['failing-ids'] as string[]).map(String),
      ...(typeof args['dump-on-exit'] === 'string' ? { dumpOnExit: args['dump-on-exit'] } : {}),
    },
    { stdout: io.stdout, stderr: io.stderr, signal: io.signal },
  );
}
