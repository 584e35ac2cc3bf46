import path from 'node:path';
import { rmSync } from 'node:fs';
import pLimit from 'p-limit';
import { createApiClient, type ApiClient, type AttemptEvent } from '../api/client.js';
import { keyFingerprint } from '../cli/credentials.js';
import type { Logger } from '../cli/log.js';
import { UsageError, VorelSyncError } from '../errors.js';
import { InputWatch, inputChangedMessage } from '../input/input-watch.js';
import { openInput } from '../input/source.js';
import { INTERRUPTION_CAUSE, INTERRUPTION_LABEL, type Interruption, interruptionOf } from '../interruption.js';
import type { ImportOptions, RunMode } from '../options.js';
import { estimateRunBytes, freeBytesAt, lowSpaceWarning } from '../report/disk-space.js';
import { finaliseReports } from '../report/finalise.js';
import type { TimelineBucket } from '../report/html.js';
import { RowSpool } from '../report/row-spool.js';
import { GuardedJournal, RunFolderWrites } from '../report/run-folder-writes.js';
import { createRunDir, lockReportDir } from '../report/run-dir.js';
import type { RunSummary } from '../report/summary.js';
import { RunFolderWriteError, writeFaultMessage } from '../report/write-fault.js';
import type { NotAttemptedCode, RowOutcome, RowResult } from '../types.js';
import { exitCodeFor } from './exit-code.js';
import { FileScanner, openRowStream, rowId, scanRows, type FileScan } from './scan.js';
import { targetKey, type HandledRow, type HandlerHooks, type RowHandler } from './handler.js';
import { prepareMode } from './modes.js';
import { Settler } from './settle.js';
import type { CheckedRow } from './validate.js';
import { resumeCommand, retryCommand } from './retry-command.js';
import type { ResumeState } from './resume.js';
import { encodingHint } from './encoding-hint.js';
import { writeReports } from './write-reports.js';

/** Share of rows clearing a field above which we warn before sending (contract: Input, Safety). */
const CLEAR_WARNING_SHARE = 0.1;
/** Fine enough for a short run's chart; report.html merges buckets of long runs (a day is 86,400 small entries). */
const TIMELINE_BUCKET_SECONDS = 1;

/** What a run talks to: injected so tests can drive it in-process. */
export interface RunEnvironment {
  stdin: NodeJS.ReadableStream;
  log: Logger;
  /** Aborts on SIGINT/SIGTERM: in-flight requests finish, the rest is `not_attempted`. */
  signal: AbortSignal;
  now?: () => Date;
  /** Called as rows settle and bytes are read, for the progress display. */
  progress?: RunProgress | undefined;
}

export interface RunProgress {
  start(info: { totalBytes: number; rows: number | null; rate: number | null; client: ApiClient | null }): void;
  bytesRead(bytes: number): void;
  rowSettled(row: RowResult): void;
  stop(): void;
}

type StopReason = { reason: 'aborted' | Interruption; message: string };

/** Runs `vorel-sync import` end to end and returns the summary (exit code inside). */
export async function runImport(opts: ImportOptions, env: RunEnvironment, resume: ResumeState | null = null): Promise<RunSummary> {
  const now = env.now ?? (() => new Date());
  const startedAt = now();
  const lock = lockReportDir(opts.reportDir);
  try {
    const { runId, dir } = createRunDir(opts.reportDir, startedAt);
    try {
      return await runInFolder(opts, env, { runId, dir, startedAt, now }, resume);
    } catch (error) {
      // A usage error found before anything was sent leaves no half run folder behind.
      if (error instanceof VorelSyncError && error.exitCode === 2) rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  } finally {
    lock.release();
  }
}

interface RunFolder {
  runId: string;
  dir: string;
  startedAt: Date;
  now: () => Date;
}

async function runInFolder(opts: ImportOptions, env: RunEnvironment, folder: RunFolder, resume: ResumeState | null): Promise<RunSummary> {
  const { log } = env;
  const spoolPath = path.join(folder.dir, 'stdin.csv');
  const input = InputWatch.before(opts.file);
  const source = await openInput({
    path: opts.file,
    stdin: env.stdin,
    spoolPath,
    encoding: opts.encoding,
    delimiter: opts.delimiter,
  });
  if (resume !== null && resume.run.input.sha256 !== source.sha256) {
    throw new UsageError(
      `--resume ${resume.runDir}: ${source.displayPath} is not the file that run read (its SHA-256 differs); resume with the same file, or start a new run`,
      'resume_mismatch',
    );
  }
  const streamOptions = { empty: opts.empty, matchBy: opts.matchBy, map: opts.map };
  const dryRun = opts.mode === 'dry-run';

  // First pass (not for a dry run, which is itself one pass): counts and duplicate ids before any request.
  let scan: FileScan | null = null;
  if (!dryRun) {
    const first = await openRowStream(source, streamOptions);
    warnUnknownColumns(first.header.unknown, log);
    scan = await scanRows(first.rows);
    reportScan(scan, opts.mode, log);
    const need = estimateRunBytes(scan.rows, source.size, opts.mode === 'only-changed');
    const lowSpace = lowSpaceWarning(scan.rows, need, freeBytesAt(folder.dir));
    if (lowSpace !== null) log.warn(lowSpace);
  }
  const { header, headerSpan, rows } = await openRowStream(source, {
    ...streamOptions,
    onBytes: (bytes) => env.progress?.bytesRead(bytes),
  });
  if (dryRun) warnUnknownColumns(header.unknown, log);
  // A dry run reads the file once: it counts while it goes and warns at the end.
  const dryScanner = dryRun ? new FileScanner() : null;

  const timeline = new Map<number, TimelineBucket>();
  const runStartMs = folder.startedAt.getTime();
  const client =
    dryRun || opts.apiKey === null
      ? null
      : createApiClient({
          baseUrl: opts.baseUrl,
          apiKey: opts.apiKey,
          timeoutMs: opts.timeoutMs,
          retries: opts.retries,
          rate: opts.rate,
          windowMs: opts.rateWindowMs,
          backoff: { baseMs: opts.backoffBaseMs },
          onAttempt: (event) => {
            recordAttempt(timeline, runStartMs, event);
            log.debug(attemptLine(event));
          },
        });

  let stop: StopReason | null = null;
  /** Read through a function: the stop is set from callbacks, which TypeScript's narrowing cannot see. */
  const currentStop = (): StopReason | null => stop;
  const halt = (reason: StopReason, said: string | null = reason.message): void => {
    if (stop !== null) return;
    stop = reason;
    client?.abort();
    if (said !== null) log.error(said);
  };
  let sending = true;
  let faultWhileSending = false;
  const writes = new RunFolderWrites((fault) => {
    faultWhileSending = sending;
    halt(
      { reason: 'aborted', message: fault.message },
      sending ? `${fault.message}: stopping; no new request is sent, the ones in flight finish` : null,
    );
  });
  // A dry run sends nothing, so there is nothing to resume: no journal.
  const journal = dryRun ? null : new GuardedJournal(path.join(folder.dir, 'journal.ndjson'), writes);
  journal?.append({
    type: 'run',
    version: 1,
    run_id: folder.runId,
    mode: opts.mode,
    started_at: folder.startedAt.toISOString(),
    input: { path: source.displayPath, sha256: source.sha256, encoding: source.encoding, delimiter: source.delimiter },
    options: { empty: opts.empty, map: opts.mapArgs, match_by: opts.matchBy, base_url: opts.baseUrl },
  });
  journal?.sync();
  const folderWatch = journal === null ? null : writes.watch(journal.path);

  const spool = new RowSpool(path.join(folder.dir, '.rows.ndjson'));
  let encodingHinted = false;
  const onSignal = (): void => {
    const why = interruptionOf(env.signal);
    halt(
      { reason: why, message: INTERRUPTION_CAUSE[why] },
      `${INTERRUPTION_LABEL[why]}: finishing the requests in flight, then writing the reports`,
    );
  };
  const checkInput = (): void => {
    const change = input.check();
    if (change !== null) halt({ reason: 'aborted', message: inputChangedMessage(source.displayPath, change) });
  };
  if (env.signal.aborted) onSignal();
  env.signal.addEventListener('abort', onSignal, { once: true });

  // Ids on several rows: known from the first pass, or (matching by phone/email) once rows resolve.
  const repeatIds = new Set(scan?.duplicateIds);
  const settler = new Settler({
    writeInOrder: async (row) => {
      await writes.writeAsync(spool.path, () => spool.write(row));
    },
    onSettled: (row) => {
      if (!encodingHinted && row.outcome.kind === 'invalid' && row.outcome.code === 'bad_encoding') {
        encodingHinted = true;
        log.warn(encodingHint(source.encoding, row.line));
      }
      const settles = row.outcome.kind !== 'not_attempted';
      if (settles) settledRows++;
      journal?.append(journalRecord(row), settles);
      env.progress?.rowSettled(row);
    },
    duplicateIds: repeatIds,
    maxErrors: opts.maxErrors,
    onBreak: (message) => halt({ reason: 'aborted', message }),
  });

  env.progress?.start({ totalBytes: source.size, rows: scan?.rows ?? null, rate: client ? opts.rate : null, client });
  const limit = pLimit(opts.concurrency);
  const inFlight = new Set<Promise<void>>();
  /** The last task per target: rows with one id run in file order, never concurrently. */
  const lastTaskByKey = new Map<string, Promise<void>>();
  const prepared =
    client === null || scan === null
      ? null
      : await prepareMode(opts, { client, scan, log, abort: (message) => halt({ reason: 'aborted', message }) });
  const handler: RowHandler | null = prepared?.handler ?? null;
  const hooks: HandlerHooks = {
    recalledBefore: (row) => resume?.befores.get(row.line),
    beforeWrite: (row, id, before) => journal?.appendDurably({ type: 'before', line: row.line, id, before }),
  };
  let rowCount = 0;
  let settledRows = 0;
  let carriedOver = 0;

  try {
    for await (const row of rows) {
      const seq = rowCount++;
      checkInput();
      dryScanner?.add(row);
      await settler.waitForRoom();
      const carried = resume?.carried.get(row.line);
      if (carried !== undefined) {
        carriedOver++;
        settler.settle(seq, carried, 'client');
        continue;
      }
      if (row.kind === 'invalid') {
        settler.settle(
          seq,
          toResult(row, { kind: 'invalid', code: row.code, message: row.message, httpStatus: null, attempts: 0 }),
          'client',
        );
        continue;
      }
      if (dryRun) {
        settler.settle(seq, toResult(row, { kind: 'valid' }), 'client');
        continue;
      }
      // Backpressure: pull the next record only once a request slot is free.
      while (limit.activeCount + limit.pendingCount >= opts.concurrency) await Promise.race(inFlight);
      if (stop !== null || handler === null) {
        settler.settle(seq, toResult(row, notAttempted(stop)), 'client');
        continue;
      }
      const key = targetKey(row.target);
      const previous = lastTaskByKey.get(key);
      const task = limit(async () => {
        if (previous) await previous;
        const handled: HandledRow =
          stop === null
            ? await handler.handle(row, hooks).catch((error: unknown) => {
                // Its before-values could not be journaled: the PATCH was not sent.
                if (!(error instanceof RunFolderWriteError)) throw error;
                return { id: rowId(row), outcome: notAttempted(currentStop()), before: null };
              })
            : { id: rowId(row), outcome: notAttempted(stop), before: null };
        // A request the stop caught before it started says why the run stopped (interrupted, or aborted).
        const stoppedBy = currentStop();
        const outcome: RowOutcome =
          handled.outcome.kind === 'not_attempted' && stoppedBy !== null
            ? { ...handled.outcome, code: notAttemptedCode(stoppedBy) }
            : handled.outcome;
        if (handled.id !== null && scan?.duplicateKeys.has(key) === true) repeatIds.add(handled.id);
        settler.settle(seq, { ...toResult(row, outcome), id: handled.id, before: handled.before }, 'server');
        if (outcome.kind === 'failed' && (outcome.code === 'unauthorized' || outcome.code === 'forbidden')) {
          halt({ reason: 'aborted', message: outcome.message });
        }
      });
      inFlight.add(task);
      lastTaskByKey.set(key, task);
      const forget = (): void => {
        inFlight.delete(task);
        if (lastTaskByKey.get(key) === task) lastTaskByKey.delete(key);
      };
      task.then(forget, forget);
    }
    await Promise.all(inFlight);
    await settler.drain();
  } finally {
    sending = false;
    env.signal.removeEventListener('abort', onSignal);
    folderWatch?.stop();
    env.progress?.stop();
    await writes.writeAsync(spool.path, () => spool.close());
    await journal?.close();
    client?.close();
  }
  // Last looks: a folder removed or an input saved again during the last second.
  folderWatch?.check();
  checkInput();

  if (dryScanner !== null) {
    scan = dryScanner.scan;
    reportScan(scan, opts.mode, log);
  }
  /** The stop as the summary tells it: a write error adds what is safe and how to go on. */
  const finalStop = (): StopReason | null => {
    const stopped = currentStop();
    const fault = writes.fault;
    if (stopped === null || fault === null) return stopped;
    const told = writeFaultMessage(fault, { settled: settledRows, journaled: journal?.journaledRows ?? 0 }, faultWhileSending);
    return { reason: stopped.reason, message: stopped.message === fault.message ? told : `${stopped.message}; then ${told}` };
  };
  const summaryFor = (failedRows: number): RunSummary => {
    const finishedStop = finalStop();
    const summary: RunSummary = {
      run_id: folder.runId,
      mode: opts.mode,
      input: { path: source.displayPath, sha256: source.sha256, rows: rowCount, encoding: source.encoding, delimiter: source.delimiter },
      base_url: opts.baseUrl,
      key_fingerprint: opts.apiKey === null ? null : keyFingerprint(opts.apiKey),
      started_at: folder.startedAt.toISOString(),
      finished_at: folder.now().toISOString(),
      totals: settler.totals,
      requests: {
        total: client?.stats.total ?? 0,
        retries: client?.stats.retries ?? 0,
        rate_limited: client?.stats.rateLimited ?? 0,
      },
      exit_code: 0,
      clears: scan?.clears ?? { customer_name: 0, customer_language: 0 },
      duplicate_ids: scan?.duplicateIds.size ?? 0,
      superseded: settler.superseded.size,
      stopped: finishedStop,
      report_dir: folder.dir,
      retry_command: failedRows > 0 && input.check() === null ? retryCommand(path.join(folder.dir, 'failed.csv'), opts, source) : null,
      resume_command: finishedStop === null ? null : resumeCommand(source.displayPath, folder.dir, opts),
      ...(resume === null ? {} : { resumed_from: resume.run.run_id, carried_over: carriedOver }),
      ...prepared?.summary(settler.totals),
    };
    summary.exit_code = exitCodeFor(summary, opts);
    return summary;
  };
  const removeSpools = (): void => {
    try {
      spool.remove();
      if (source.path === spoolPath) rmSync(spoolPath, { force: true });
    } catch {
      // A folder that became read-only keeps them: the error that stopped the run was told already.
    }
  };
  const summary = await writeReports({
    runDir: folder.dir,
    writes,
    spoolPath: spool.path,
    finalise: () =>
      finaliseReports({
        runDir: folder.dir,
        source,
        headerSpan,
        spool,
        superseded: settler.superseded,
        summaryFor,
        timeline: [...timeline.values()].sort((a, b) => a.at - b.at),
        bucketSeconds: TIMELINE_BUCKET_SECONDS,
        extraReports: prepared?.reports(folder.dir) ?? [],
        inputUnchanged: () => input.check() === null,
      }),
    summaryAfterFault: () => summaryFor(0),
    removeSpool: removeSpools,
    journaledRows: journal?.journaledRows ?? 0,
    log,
  });
  removeSpools();
  return summary;
}

function notAttempted(stop: StopReason | null): RowOutcome {
  if (stop === null) return { kind: 'not_attempted', code: 'aborted', message: 'no request could be made for this row' };
  return { kind: 'not_attempted', code: notAttemptedCode(stop), message: `not sent: ${stop.message}` };
}

/** A hang-up interrupts rows like Ctrl-C does; only the run's exit code tells them apart. */
function notAttemptedCode(stop: StopReason): NotAttemptedCode {
  return stop.reason === 'aborted' ? 'aborted' : 'interrupted';
}

function toResult(row: CheckedRow, outcome: RowOutcome): RowResult {
  const copyFrom = row.copyFrom === undefined ? {} : { copyFrom: row.copyFrom };
  return { line: row.line, endLine: row.endLine, ...copyFrom, id: rowId(row), patch: row.patch, before: null, outcome };
}

function journalRecord(row: RowResult): object {
  const copyFrom = row.copyFrom === undefined ? {} : { copy_from: row.copyFrom };
  return {
    type: 'row',
    line: row.line,
    end_line: row.endLine,
    ...copyFrom,
    id: row.id,
    outcome: row.outcome,
    patch: row.patch,
    before: row.before,
  };
}

function recordAttempt(timeline: Map<number, TimelineBucket>, runStartMs: number, event: AttemptEvent): void {
  const at = Math.max(0, Math.floor((event.startedAt - runStartMs) / 1000 / TIMELINE_BUCKET_SECONDS) * TIMELINE_BUCKET_SECONDS);
  const bucket = timeline.get(at) ?? { at, requests: 0, rateLimited: 0 };
  bucket.requests++;
  if (event.status === 429) bucket.rateLimited++;
  timeline.set(at, bucket);
}

/** `--verbose`: one line per HTTP attempt. AttemptEvents hold no secret (client.ts). */
function attemptLine(event: AttemptEvent): string {
  const answer = event.status === null ? (event.code ?? 'no answer') : `${event.status}${event.code ? ` ${event.code}` : ''}`;
  return `${event.method} ${event.path} → ${answer} (${Math.round(event.endedAt - event.startedAt)} ms)`;
}

function warnUnknownColumns(unknown: readonly string[], log: Logger): void {
  if (unknown.length > 0) log.warn(`ignoring unknown columns: ${unknown.join(', ')} (map one with --map "<column>=<field>")`);
}

function reportScan(scan: FileScan, mode: RunMode, log: Logger): void {
  if (scan.duplicateIds.size > 0) {
    const shown = [...scan.duplicateIds].slice(0, 10).join(', ');
    const more = scan.duplicateIds.size > 10 ? ` and ${scan.duplicateIds.size - 10} more` : '';
    log.warn(`${scan.duplicateIds.size} ids appear on more than one row (applied in file order, one at a time): ${shown}${more}`);
  }
  if (scan.duplicateKeys.size > 0) {
    log.warn(`${scan.duplicateKeys.size} customer identifiers appear on more than one row (applied in file order, one at a time)`);
  }
  // Reading modes compare first: a row whose field is already empty sends nothing for it.
  const reads = mode === 'plan' || mode === 'only-changed' ? ', where it is not already empty' : '';
  const { clears, rows } = scan;
  for (const [field, n] of Object.entries(clears)) {
    if (rows > 0 && n / rows > CLEAR_WARNING_SHARE) {
      log.warn(
        `${n} of ${rows} rows (${Math.round((n / rows) * 100)}%) clear ${field}${reads} (empty cells are sent as null; use --empty keep to leave them untouched)`,
      );
    }
  }
}
