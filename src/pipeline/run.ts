import path from 'node:path';
import { rmSync } from 'node:fs';
import pLimit from 'p-limit';
import { createApiClient, type ApiClient, type AttemptEvent } from '../api/client.js';
import { keyFingerprint } from '../cli/credentials.js';
import type { Logger } from '../cli/log.js';
import { UsageError, VorelSyncError } from '../errors.js';
import { openInput } from '../input/source.js';
import type { ImportOptions } from '../options.js';
import { finaliseReports } from '../report/finalise.js';
import type { TimelineBucket } from '../report/html.js';
import { Journal } from '../report/journal.js';
import { RowSpool } from '../report/row-spool.js';
import { createRunDir, lockReportDir } from '../report/run-dir.js';
import type { RunSummary } from '../report/summary.js';
import type { RowOutcome, RowResult } from '../types.js';
import { exitCodeFor } from './exit-code.js';
import { FileScanner, openRowStream, rowId, scanRows, type FileScan } from './scan.js';
import { targetKey, type HandledRow, type HandlerHooks, type RowHandler } from './handler.js';
import { prepareMode } from './modes.js';
import { Settler } from './settle.js';
import type { CheckedRow } from './validate.js';
import { resumeCommand, retryCommand } from './retry-command.js';
import type { ResumeState } from './resume.js';
import { encodingHint } from './encoding-hint.js';
import { judgeDryRun, passGate, type GateStop } from '../import/gate.js';
import type { Confirm } from '../import/preview.js';

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
  /** Asked before the first PATCH (the terminal prompt, or the library's `confirm`); absent: never asked. */
  confirm?: Confirm | undefined;
}

export interface RunProgress {
  start(info: { totalBytes: number; rows: number | null; rate: number | null; client: ApiClient | null }): void;
  bytesRead(bytes: number): void;
  rowSettled(row: RowResult): void;
  stop(): void;
}

type StopReason = { reason: 'aborted' | 'interrupted'; message: string } | GateStop;

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
    reportScan(scan, log);
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

  // A dry run sends nothing, so there is nothing to resume: no journal.
  const journal = dryRun ? null : new Journal(path.join(folder.dir, 'journal.ndjson'));
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

  const spool = new RowSpool(path.join(folder.dir, '.rows.ndjson'));
  let encodingHinted = false;
  let stop: StopReason | null = null;
  /** Read through a function: the stop is set from callbacks, which TypeScript's narrowing cannot see. */
  const currentStop = (): StopReason | null => stop;
  const halt = (reason: StopReason, said = reason.message): void => {
    if (stop !== null) return;
    stop = reason;
    client?.abort();
    log.error(said);
  };
  const onSignal = (): void =>
    halt(
      { reason: 'interrupted', message: 'interrupted (Ctrl-C or SIGTERM)' },
      'interrupted: finishing the requests in flight, then writing the reports',
    );
  if (env.signal.aborted) onSignal();
  env.signal.addEventListener('abort', onSignal, { once: true });

  // Ids on several rows: known from the first pass, or (matching by phone/email) once rows resolve.
  const repeatIds = new Set(scan?.duplicateIds);
  const settler = new Settler({
    writeInOrder: (row) => spool.write(row),
    onSettled: (row) => {
      if (!encodingHinted && row.outcome.kind === 'invalid' && row.outcome.code === 'bad_encoding') {
        encodingHinted = true;
        log.warn(encodingHint(source.encoding, row.line));
      }
      journal?.append(journalRecord(row));
      env.progress?.rowSettled(row);
    },
    duplicateIds: repeatIds,
    maxErrors: opts.maxErrors,
    onBreak: (message) => halt({ reason: 'aborted', message }),
  });

  const startProgress = (): void =>
    env.progress?.start({ totalBytes: source.size, rows: scan?.rows ?? null, rate: client ? opts.rate : null, client });
  // A question on the terminal comes before the bar, which would draw over it.
  if (env.confirm === undefined) startProgress();
  const limit = pLimit(opts.concurrency);
  const inFlight = new Set<Promise<void>>();
  /** The last task per target: rows with one id run in file order, never concurrently. */
  const lastTaskByKey = new Map<string, Promise<void>>();
  const prepared =
    client === null || scan === null
      ? null
      : await prepareMode(opts, { client, scan, log, abort: (message) => halt({ reason: 'aborted', message }) });
  const handler: RowHandler | null = prepared?.handler ?? null;
  const gate =
    prepared === null || scan === null
      ? null
      : await passGate({
          opts,
          scan,
          input: source.displayPath,
          keyFingerprint: opts.apiKey === null ? '' : keyFingerprint(opts.apiKey),
          prefetch: prepared.prefetch,
          rows: async () => (await openRowStream(source, streamOptions)).rows,
          resume: resume === null ? null : { runId: resume.run.run_id, guard: resume.clearsGuard, carried: resume.carried },
          confirm: env.confirm,
          log,
          stopped: () => currentStop() !== null,
        });
  if (gate?.stop != null) halt(gate.stop, gate.say ?? gate.stop.message);
  if (gate !== null) {
    // Journaled before the first PATCH: a resume keeps this decision and does not check again.
    journal?.append({ type: 'clears_guard', ...gate.guard });
    journal?.sync();
  }
  if (env.confirm !== undefined) startProgress();
  const hooks: HandlerHooks = {
    recalledBefore: (row) => resume?.befores.get(row.line),
    beforeWrite: (row, id, before) => {
      journal?.append({ type: 'before', line: row.line, id, before });
      journal?.sync();
    },
  };
  let rowCount = 0;
  let carriedOver = 0;

  try {
    for await (const row of rows) {
      const seq = rowCount++;
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
          stop === null ? await handler.handle(row, hooks) : { id: rowId(row), outcome: notAttempted(stop), before: null };
        // A request the stop caught before it started says why the run stopped (interrupted, or aborted).
        const stoppedBy = currentStop();
        const outcome: RowOutcome =
          handled.outcome.kind === 'not_attempted' && stoppedBy !== null ? { ...handled.outcome, code: stoppedBy.reason } : handled.outcome;
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
    env.signal.removeEventListener('abort', onSignal);
    env.progress?.stop();
    await spool.close();
    await journal?.close();
    client?.close();
  }

  if (dryScanner !== null) {
    scan = dryScanner.scan;
    reportScan(scan, log);
  }
  const clearsGuard = gate?.guard ?? judgeDryRun(scan ?? new FileScanner().scan, opts, log);
  const finishedStop = currentStop();
  const refused = finishedStop !== null && (finishedStop.reason === 'clears_guard' || finishedStop.reason === 'declined');
  const summaryFor = (failedRows: number): RunSummary => {
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
      clears: gate?.counted.clears ?? scan?.clears ?? { customer_name: 0, customer_language: 0 },
      clears_guard: clearsGuard,
      confirmed: gate?.confirmed ?? 'not_asked',
      duplicate_ids: scan?.duplicateIds.size ?? 0,
      superseded: settler.superseded.size,
      stopped: finishedStop,
      report_dir: folder.dir,
      // A refused run sent nothing: the way on is the same file with other options, which the message gave.
      retry_command: failedRows > 0 && !refused ? retryCommand(path.join(folder.dir, 'failed.csv'), opts, source) : null,
      resume_command: finishedStop === null || refused ? null : resumeCommand(source.displayPath, folder.dir, opts),
      ...(resume === null ? {} : { resumed_from: resume.run.run_id, carried_over: carriedOver }),
      ...prepared?.summary(settler.totals),
    };
    summary.exit_code = exitCodeFor(summary, opts);
    return summary;
  };
  const summary = await finaliseReports({
    runDir: folder.dir,
    source,
    headerSpan,
    spool,
    superseded: settler.superseded,
    summaryFor,
    timeline: [...timeline.values()].sort((a, b) => a.at - b.at),
    bucketSeconds: TIMELINE_BUCKET_SECONDS,
    extraReports: prepared?.reports(folder.dir) ?? [],
  });
  spool.remove();
  if (source.path === spoolPath) rmSync(spoolPath, { force: true });
  return summary;
}

function notAttempted(stop: StopReason | null): RowOutcome {
  if (stop === null) return { kind: 'not_attempted', code: 'aborted', message: 'no request could be made for this row' };
  return { kind: 'not_attempted', code: stop.reason, message: `not sent: ${stop.message}` };
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

function reportScan(scan: FileScan, log: Logger): void {
  if (scan.duplicateIds.size > 0) {
    const shown = [...scan.duplicateIds].slice(0, 10).join(', ');
    const more = scan.duplicateIds.size > 10 ? ` and ${scan.duplicateIds.size - 10} more` : '';
    log.warn(`${scan.duplicateIds.size} ids appear on more than one row (applied in file order, one at a time): ${shown}${more}`);
  }
  if (scan.duplicateKeys.size > 0) {
    log.warn(`${scan.duplicateKeys.size} customer identifiers appear on more than one row (applied in file order, one at a time)`);
  }
}
