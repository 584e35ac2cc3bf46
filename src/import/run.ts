/**
 * `importCsv`: the stages of an import, in the order a row meets them. Each stage is a module of
 * this folder; docs/architecture.md draws the flow.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { keyFingerprint } from '../credentials.js';
import { VorelSyncError } from '../errors.js';
import { EXIT } from '../exit-code.js';
import { InputWatch } from '../input/input-watch.js';
import type { InputSource } from '../input/source.js';
import { type Logger, SILENT_LOGGER } from '../log.js';
import type { ImportCsvOptions, ImportOptions } from '../options.js';
import { type ProgressEmitter, startProgress } from '../progress.js';
import type { RowReport } from '../report/read-reports.js';
import { resultFields } from '../report/results.js';
import { RowReports } from '../report/row-reports.js';
import { RowSpool } from '../report/row-spool.js';
import { createRunDir, lockReportDir } from '../report/run-dir.js';
import type { RunSummary } from '../report/summary.js';
import type { RowResult } from '../types.js';
import type { CheckedRow } from './check.js';
import { encodingHint } from './encoding-hint.js';
import { emptyScan, type FileScan, FileScanner, firstPass, warnAboutScan } from './first-pass.js';
import { type GateResult, type GateVerdict, judgeDryRun, passGate } from './gate.js';
import type { GuardedJournal } from './guarded-journal.js';
import { rowRecord, runRecord } from './journal.js';
import { type PreparedMode, prepareMode } from './modes.js';
import { checkImportOptions } from './options.js';
import { ImportTally } from './progress.js';
import { openRowStream, openSource, rowStreamOptions, warnUnknownColumns } from './read.js';
import { openRequests, TIMELINE_BUCKET_SECONDS, type RunRequests } from './requests.js';
import { readJournal, type ResumeState, resumeOptions } from './resume.js';
import type { HandlerHooks } from './row-handler.js';
import { RunFaults, warnIfLowSpace } from './run-faults.js';
import { Sender, toResult } from './schedule.js';
import { Settler } from './settle.js';
import { guardCallbacks } from './callbacks.js';
import { StopSwitch } from './stop.js';
import { buildSummary } from './summary.js';
import { writeReports } from './write-reports.js';

/** The callbacks and services of one run (ImportCsvOptions minus the options proper). */
export type RunEnvironment = Pick<ImportCsvOptions, 'onRow' | 'onSuperseded' | 'onProgress' | 'confirm'> & {
  log: Logger;
  signal: AbortSignal;
  now: () => Date;
};

/** Runs an import end to end and resolves with summary.json's content; usage errors reject (exit 2, nothing sent). */
export async function importCsv(options: ImportCsvOptions): Promise<RunSummary> {
  const log = options.logger ?? SILENT_LOGGER;
  const checked = checkImportOptions(options);
  for (const warning of checked.warnings) log.warn(warning);
  const resume = checked.options.resume === undefined ? null : await readJournal(checked.options.resume);
  if (resume?.tornLastLine === true) log.warn('skipped 1 unreadable journal line: the last one, cut off by a crash mid-write');
  let opts: ImportOptions;
  try {
    opts = resume === null ? checked.options : resumeOptions(checked.options, checked.explicit, resume);
  } catch (error) {
    resume?.close();
    throw error;
  }
  const guarded = guardCallbacks(options, options.signal);
  const env: RunEnvironment = { log, signal: guarded.signal, now: () => new Date(), ...guarded.callbacks, confirm: options.confirm };
  let summary: RunSummary;
  try {
    summary = await runImport(opts, env, resume);
  } finally {
    // The journal index reads carried rows from the journal until the run ends.
    resume?.close();
  }
  const failure = guarded.failure(summary);
  if (failure !== null) throw failure;
  return summary;
}

interface RunFolder {
  runId: string;
  dir: string;
  startedAt: Date;
}

/** One run at a time per report dir, in a folder of its own. */
async function runImport(opts: ImportOptions, env: RunEnvironment, resume: ResumeState | null): Promise<RunSummary> {
  const startedAt = env.now();
  const lock = lockReportDir(opts.reportDir);
  try {
    const { runId, dir } = createRunDir(opts.reportDir, startedAt);
    try {
      return await runInFolder(opts, env, { runId, dir, startedAt }, resume);
    } catch (error) {
      // A usage error found before anything was sent leaves no half run folder behind.
      if (error instanceof VorelSyncError && error.exitCode === EXIT.usage) rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  } finally {
    lock.release();
  }
}

/** Everything the row loop works with. */
interface RunParts {
  opts: ImportOptions;
  env: RunEnvironment;
  source: InputSource;
  scan: FileScan | null;
  requests: RunRequests | null;
  journal: GuardedJournal | null;
  output: RowOutput;
  stop: StopSwitch;
  faults: RunFaults;
  settler: Settler;
  tally: ImportTally;
  resume: ResumeState | null;
  /** Ids on several rows: known from the first pass, or (matching by phone/email) once rows resolve. */
  repeatIds: Set<string>;
  runDir: string;
}

/**
 * Where settled rows go in input order: straight into the reports, or into the spool when a later
 * row may still supersede them. `reports` opens once the mode is prepared, before any row settles.
 */
interface RowOutput {
  spool: RowSpool | null;
  reports: RowReports | null;
}

async function runInFolder(opts: ImportOptions, env: RunEnvironment, folder: RunFolder, resume: ResumeState | null): Promise<RunSummary> {
  const input = InputWatch.before(opts.file);
  const { source, removeSpool } = await openSource(opts, folder.dir, resume);
  const dryRun = opts.mode === 'dry-run';
  // A dry run is itself one pass; every other run reads the file once first, before any request.
  const firstScan = dryRun ? null : await firstPass(source, rowStreamOptions(opts), folder.dir, env.log);
  if (firstScan !== null)
    warnIfLowSpace({ rows: firstScan.rows, inputBytes: source.size, readsBefore: opts.mode === 'only-changed' }, folder.dir, env.log);
  const tally = new ImportTally();
  const stream = await openRowStream(source, { ...rowStreamOptions(opts), onBytes: (bytes) => tally.bytesRead(bytes) });
  if (dryRun) warnUnknownColumns(stream.header.unknown, env.log);
  const requests = await openRequests(opts, env.log, folder.startedAt.getTime());
  const stop = new StopSwitch(env.log, requests?.client ?? null);
  const faults = new RunFaults(input, source.displayPath, stop);
  // A dry run sends nothing, so there is nothing to resume: no journal.
  const journal = dryRun ? null : faults.openJournal(path.join(folder.dir, 'journal.ndjson'));
  journal?.append(runRecord(folder, opts, source));
  journal?.sync();
  const output: RowOutput = {
    spool: mayBeSuperseded(opts, firstScan) ? new RowSpool(path.join(folder.dir, '.rows.ndjson')) : null,
    reports: null,
  };
  const repeatIds = new Set(firstScan?.duplicateIds);
  const settler = settlerFor({ env, source, journal, output, stop, faults, tally, repeatIds, maxErrors: opts.maxErrors });
  const parts: RunParts = {
    opts,
    env,
    source,
    scan: firstScan,
    requests,
    journal,
    output,
    stop,
    faults,
    settler,
    tally,
    resume,
    repeatIds,
    runDir: folder.dir,
  };
  const { rows, carriedOver, prepared, dryScan, gate, reports } = await sendRows(parts, stream.rows);
  faults.lastLooks();
  const scan = firstScan ?? dryScan;
  if (dryScan !== null) warnAboutScan(dryScan, env.log);
  // A dry run counts while it reads: the clears guard judges at its end (exit 2 above the limit).
  const verdict: GateVerdict = gate ?? judgeDryRun(scan ?? emptyScan(), opts, env.log);
  const facts = {
    ...folder,
    finishedAt: env.now(),
    source,
    rows,
    totals: settler.totals,
    superseded: settler.superseded.size,
    stats: requests?.client.stats ?? null,
    pace: requests?.client.pace ?? null,
    scan,
    resume,
    carriedOver,
    prepared,
    verdict,
  };
  // Built when asked for: a write error while the reports are written changes the stop.
  return writeReports({
    runDir: folder.dir,
    source,
    headerSpan: stream.headerSpan,
    rows: output.spool === null ? { direct: reports.rows } : { spool: output.spool, reports: reports.rows, superseded: settler.superseded },
    summaryFor: (failedRows) => buildSummary(opts, { ...facts, stop: faults.finalStop(stop.current) }, failedRows),
    timeline: requests?.timeline() ?? [],
    bucketSeconds: TIMELINE_BUCKET_SECONDS,
    extraReports: reports.extra,
    inputUnchanged: () => faults.inputUnchanged(),
    writes: faults.writes,
    removeStdinSpool: removeSpool,
    journaledRows: faults.journaledRows,
    log: env.log,
  });
}

/** Whether a later row may supersede an earlier one: an id (or identifier) on several rows, in a mode that writes. */
function mayBeSuperseded(opts: ImportOptions, scan: FileScan | null): boolean {
  if (scan === null || (opts.mode !== 'import' && opts.mode !== 'only-changed')) return false;
  return scan.duplicateIds.size > 0 || scan.duplicateKeys.size > 0;
}

/** The settler, wired to the journal, the row output, progress, `onRow` and `onSuperseded`. */
function settlerFor(
  p: Pick<RunParts, 'env' | 'source' | 'journal' | 'output' | 'stop' | 'faults' | 'tally' | 'repeatIds'> & { maxErrors: number },
): Settler {
  let encodingHinted = false;
  const handedOn = (row: RowResult, supersedes: readonly number[]): void => {
    p.env.onRow?.(resultFields(row, undefined));
    for (const line of supersedes) p.env.onSuperseded?.({ line, by: row.line });
  };
  return new Settler({
    writeInOrder: (row, supersedes) => {
      const { spool, reports } = p.output;
      if (reports === null) throw new Error('internal: a row settled before the reports were opened');
      const target = spool?.path ?? reports.path;
      // A file that failed is not written again: its rows are still handed on, as the run drains.
      let written: Promise<void> | undefined;
      if (!p.faults.writes.isBroken(target)) {
        try {
          written = spool !== null ? spool.write(row) : reports.add(row, undefined);
        } catch (error) {
          p.faults.writes.fail(target, error);
        }
      }
      if (written === undefined) {
        handedOn(row, supersedes);
        return undefined;
      }
      const pending = written;
      return p.faults.writes.writeAsync(target, () => pending).then(() => handedOn(row, supersedes));
    },
    onSettled: (row) => {
      if (!encodingHinted && row.outcome.kind === 'invalid' && row.outcome.code === 'bad_encoding') {
        encodingHinted = true;
        p.env.log.warn(encodingHint(p.source.encoding, row.line));
      }
      p.faults.rowSettled(row);
      p.journal?.append(rowRecord(row));
      p.tally.rowSettled(row);
    },
    duplicateIds: p.repeatIds,
    maxErrors: p.maxErrors,
    onBreak: (message) => p.stop.halt({ reason: 'aborted', message }),
  });
}

/** Prepares the mode, passes the gate (the clears guard, `confirm`), then settles every row in file order; closes what the loop used. */
async function sendRows(
  p: RunParts,
  rows: AsyncIterable<CheckedRow>,
): Promise<{
  rows: number;
  carriedOver: number;
  prepared: PreparedMode | null;
  dryScan: FileScan | null;
  gate: GateResult | null;
  reports: { rows: RowReports; extra: RowReport[] };
}> {
  const { opts, requests, stop } = p;
  const unwatch = stop.watch(p.env.signal);
  const basis = {
    totalBytes: p.source.size,
    rowsTotal: p.scan?.rows ?? null,
    client: requests?.client ?? null,
  };
  const begin = (): ProgressEmitter => startProgress(p.env.onProgress, (done) => p.tally.state(basis, done));
  // A question on the terminal comes before the bar, which would draw over it.
  let progress = p.env.confirm === undefined || opts.yes ? begin() : null;
  try {
    const prepared =
      requests === null || p.scan === null
        ? null
        : await prepareMode(opts, {
            client: requests.client,
            scan: p.scan,
            log: p.env.log,
            abort: (message) => stop.halt({ reason: 'aborted', message }),
          });
    const extra = prepared?.reports(p.runDir) ?? [];
    const reports = new RowReports(p.runDir, extra);
    p.output.reports = reports;
    const gate = prepared === null || p.scan === null ? null : await passRunGate(p, p.scan, prepared);
    progress ??= begin();
    const sender = prepared === null ? null : senderFor(p, prepared);
    const counted = await settleEach(p, rows, sender);
    return { ...counted, prepared, gate, reports: { rows: reports, extra } };
  } finally {
    p.faults.stoppedSending();
    unwatch();
    progress?.stop();
    const spool = p.output.spool;
    if (spool !== null) await p.faults.writes.writeAsync(spool.path, () => spool.close());
    await p.journal?.close();
    requests?.client.close();
  }
}

/** The clears guard, then `confirm` (where the CLI would prompt), before the first PATCH; the decision is journaled for a resume. */
async function passRunGate(p: RunParts, scan: FileScan, prepared: PreparedMode): Promise<GateResult> {
  const { opts, env, stop, resume } = p;
  const gate = await passGate({
    opts,
    scan,
    input: p.source.displayPath,
    keyFingerprint: opts.apiKey === null ? '' : keyFingerprint(opts.apiKey),
    prefetch: prepared.prefetch,
    rows: async () => (await openRowStream(p.source, rowStreamOptions(opts))).rows,
    resume: resume === null ? null : { runId: resume.run.run_id, guard: resume.clearsGuard, carried: resume.carried },
    confirm: env.confirm,
    log: env.log,
    stopped: () => stop.current !== null,
  });
  if (gate.stop !== null) stop.halt(gate.stop, gate.say ?? gate.stop.message);
  // fsync'd before the first PATCH: a resume keeps this decision and does not check again.
  p.journal?.append({ type: 'clears_guard', ...gate.guard });
  p.journal?.sync();
  return gate;
}

function senderFor(p: RunParts, prepared: PreparedMode): Sender {
  const { journal, resume } = p;
  const hooks: HandlerHooks = {
    recalledBefore: (row) => resume?.befores.get(row.line),
    beforeWrite: (row, id, before) => journal?.appendDurably({ type: 'before', line: row.line, id, before }),
  };
  return new Sender({
    concurrency: p.opts.concurrency,
    handler: prepared.handler,
    hooks,
    settler: p.settler,
    stop: p.stop,
    duplicateKeys: p.scan?.duplicateKeys ?? new Set(),
    repeatIds: p.repeatIds,
  });
}

/** Each row in file order: carried over, invalid, valid (dry run), not attempted (stopped), or sent. */
async function settleEach(
  p: RunParts,
  rows: AsyncIterable<CheckedRow>,
  sender: Sender | null,
): Promise<{ rows: number; carriedOver: number; dryScan: FileScan | null }> {
  const { settler, stop, resume } = p;
  // A dry run reads the file once: it counts while it goes and warns at the end.
  const dryScanner = p.opts.mode === 'dry-run' ? new FileScanner({ dir: p.runDir, inputBytes: p.source.size }) : null;
  let seq = 0;
  let carriedOver = 0;
  const dryRun = p.opts.mode === 'dry-run';
  let checkedAtBytes = -1;
  try {
    for await (const row of rows) {
      const rowSeq = seq++;
      // Before each row that may be sent; a dry run sends nothing, so once per chunk read, before its
      // rows go on (a stat per row took half of a dry run's time).
      if (!dryRun || p.tally.bytesSoFar !== checkedAtBytes) {
        checkedAtBytes = p.tally.bytesSoFar;
        p.faults.checkInput();
      }
      dryScanner?.add(row);
      const room = settler.waitForRoom();
      if (room !== undefined) await room;
      const carried: RowResult | undefined = resume?.carried.get(row.line);
      if (carried !== undefined) {
        carriedOver++;
        settler.settle(rowSeq, carried, 'client');
      } else if (row.kind === 'invalid') {
        settler.settle(
          rowSeq,
          toResult(row, { kind: 'invalid', code: row.code, message: row.message, httpStatus: null, attempts: 0 }),
          'client',
        );
      } else if (p.opts.mode === 'dry-run') {
        settler.settle(rowSeq, toResult(row, { kind: 'valid' }), 'client');
      } else {
        // Backpressure: the next record is pulled only once a request slot is free.
        await sender?.slotFree();
        if (stop.current !== null || sender === null) settler.settle(rowSeq, toResult(row, stop.notAttempted()), 'client');
        else sender.send(rowSeq, row);
      }
    }
    await sender?.drain();
    await settler.drain();
    return { rows: seq, carriedOver, dryScan: dryScanner === null ? null : await dryScanner.finish() };
  } finally {
    dryScanner?.discard();
  }
}
