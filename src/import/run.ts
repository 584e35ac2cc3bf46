/** `importCsv`: the stages of an import, in the order a row meets them (docs/architecture.md draws the flow). */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { UsageError, VorelSyncError } from '../errors.js';
import { EXIT } from '../exit-code.js';
import { type InputWatch, watchInput } from '../input/input-watch.js';
import { type InputSource, openInput } from '../input/source.js';
import { SILENT_LOGGER } from '../log.js';
import type { ImportCsvOptions, ImportOptions } from '../options.js';
import { RowReports } from '../report/row-reports.js';
import { createRunDir, lockReportDir } from '../report/files.js';
import type { RunSummary } from '../report/summary.js';
import type { CheckedRow } from './read/check.js';
import { guardCallbacks } from './callbacks.js';
import { finishRun } from './report/finish.js';
import { firstPass } from './first-pass/first-pass.js';
import { sends } from './gate/gate.js';
import { runRecord } from './journal/journal.js';
import { resolveImportOptions } from './options.js';
import { ImportTally } from './progress.js';
import { eachRow, openRowStream, SENDING_FRAME_BYTES, STDIN_COPY, warnUnknownColumns } from './read/read.js';
import { openRequests } from './send/requests.js';
import { notCarried, type RunJournal } from './journal/run-journal.js';
import { RunFaults } from './run-faults.js';
import { sendRows } from './send/row-loop.js';
import type { RunEnvironment, RunFolder, RunParts } from './run-parts.js';
import { settlerFor } from './send/settled-rows.js';
import { startFacts } from './report/summary.js';
import { StopSwitch } from './stop.js';

/** Resolves with summary.json's content; usage errors reject (exit 2, nothing sent). One run at a time per report dir. */
export async function importCsv(options: ImportCsvOptions): Promise<RunSummary> {
  const log = options.logger ?? SILENT_LOGGER;
  const resolved = await resolveImportOptions(options, log);
  const opts = resolved.opts;
  const resume = resolved.resume;
  const guarded = guardCallbacks(options, options.signal);
  const env: RunEnvironment = { log, signal: guarded.signal, now: () => new Date(), ...guarded.callbacks, confirm: options.confirm };
  const startedAt = env.now();
  const lock = lockReportDir(opts.reportDir);
  let summary: RunSummary;
  try {
    const { runId, dir } = createRunDir(opts.reportDir, startedAt);
    try {
      const input = watchInput(opts.file);
      const source = await openInput({
        path: opts.file,
        ...(opts.input === undefined ? {} : { stdin: Readable.from(opts.input) }),
        spoolPath: path.join(dir, STDIN_COPY),
        encoding: opts.encoding,
        delimiter: opts.delimiter,
        sheet: opts.sheet,
      });
      if (resume !== null && resume.run.input.sha256 !== source.sha256) {
        throw new UsageError(
          `--resume ${resume.runDir}: ${source.displayPath} is not the file that run read (its SHA-256 differs); resume with the same file, or start a new run`,
          'resume_mismatch',
        );
      }
      summary = await runInFolder(opts, env, { runId, dir, startedAt }, resume, { input, source });
    } catch (error) {
      // A usage error found before anything was sent leaves no half run folder behind.
      if (error instanceof VorelSyncError && error.exitCode === EXIT.usage) rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  } finally {
    lock.release();
  }
  const failure = guarded.failure(summary);
  if (failure !== null) throw failure;
  return summary;
}

/** What the run works with, then the row loop, then the run's end. */
async function runInFolder(
  opts: ImportOptions,
  env: RunEnvironment,
  folder: RunFolder,
  resume: RunJournal | null,
  { input, source }: { input: InputWatch; source: InputSource },
): Promise<RunSummary> {
  const dryRun = opts.mode === 'dry-run';
  // Before the first pass: axios loaded as the first requests start made V8 size the old space for a
  // heap filling fast, a peak a long run never needs again (CONTRIBUTING.md, "Memory").
  const requests = await openRequests(opts, env.log, folder.startedAt.getTime());
  // A dry run is itself one pass; every other run reads the file once first, before any request.
  const firstScan = dryRun ? null : await firstPass(source, opts, folder.dir, env.log, opts.mode === 'only-changed');
  const tally = new ImportTally();
  const stream = await openRowStream(source, opts, {
    onBytes: (bytes) => tally.bytesRead(bytes),
    ...(dryRun ? {} : { frameBytes: SENDING_FRAME_BYTES }),
  });
  if (dryRun) warnUnknownColumns(stream.header.unknown, env.log);
  // The gate counts the rows again, a resume's carried rows left out.
  const reread = async (): Promise<AsyncIterable<CheckedRow>> => {
    const rows = eachRow((await openRowStream(source, opts)).batches);
    return resume === null ? rows : notCarried(rows, resume);
  };
  const stop = new StopSwitch(env.log, requests.client);
  const faults = new RunFaults(input, source.displayPath, stop, sends(opts.mode));
  // The one record of the run (a dry run's journal holds no rows: they are its checks).
  const journal = faults.openJournal(path.join(folder.dir, 'journal.ndjson'));
  const run = runRecord(folder, opts, source);
  const facts = startFacts(folder, opts, source, resume, requests.pace());
  journal.append(run);
  journal.append({ type: 'facts', ...facts });
  journal.sync();
  // A dry run feeds its reports as its rows settle: reading the file again would double its time.
  const dryReports = dryRun ? new RowReports(folder.dir, []) : null;
  const settler = settlerFor({
    env,
    source,
    journal,
    requests,
    stop,
    faults,
    tally,
    duplicateIds: firstScan?.duplicateIds ?? new Set(),
    maxErrors: opts.maxErrors,
    reports: dryReports,
  });
  const parts: RunParts = {
    opts,
    env,
    source,
    reread,
    scan: firstScan,
    requests,
    journal,
    stop,
    faults,
    settler,
    tally,
    resume,
    runDir: folder.dir,
  };
  try {
    const sent = await sendRows(parts, stream.batches);
    faults.lastLooks();
    return await finishRun(parts, folder, sent, { run, startFacts: facts, dryReports, headerSpan: stream.headerSpan });
  } finally {
    await journal.close();
  }
}
