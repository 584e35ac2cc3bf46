/** The row loop: the mode prepared, the gate passed, then every row settled in file order. */
import path from 'node:path';
import { startProgress } from '../../progress.js';
import type { WritableValues } from '../../types.js';
import type { CheckedRow } from '../read/check.js';
import { type FileScan, FileScanner, warnAboutScan } from '../first-pass/first-pass.js';
import { gateFacts, judgeDryRun, passGate } from '../gate/gate.js';
import { type PreparedMode, prepareMode } from '../modes/modes.js';
import { markResumed } from '../journal/resume.js';
import type { HandlerHooks } from '../modes/row-handler.js';
import { carries, JournalCursor, journaledResult } from '../journal/run-journal.js';
import type { RunFacts } from '../journal/journal-records.js';
import type { RunParts } from '../run-parts.js';
import { clientResult, Sender, toResult } from './schedule.js';

export interface SentRows {
  rows: number;
  carriedOver: number;
  prepared: PreparedMode | null;
  /** The gate's facts, as journaled. */
  verdict: RunFacts;
}

/** Prepares the mode, passes the gate (the clears guard, `confirm`), then settles every row in file order. */
export async function sendRows(p: RunParts, rows: AsyncIterable<readonly CheckedRow[]>): Promise<SentRows> {
  const { opts, requests, stop } = p;
  const unwatch = stop.watch(p.env.signal);
  const basis = { totalBytes: p.source.size, rowsTotal: p.scan?.rows ?? null, client: requests.client };
  const begin = (): { stop(): void } => startProgress(p.env.onProgress, (done) => p.tally.state(basis, done));
  // A question on the terminal comes before the bar, which would draw over it.
  let progress = p.env.confirm === undefined || opts.yes ? begin() : null;
  let settled: { rows: number; carriedOver: number; dryScan: FileScan | null };
  let gated: { prepared: PreparedMode; verdict: RunFacts } | null;
  try {
    gated = await passRunGate(p);
    progress ??= begin();
    const recalled = new Map<number, WritableValues>();
    const sender = gated === null ? null : senderFor(p, gated.prepared, recalled);
    settled = await settleEach(p, rows, sender, recalled);
  } finally {
    p.faults.stoppedSending();
    unwatch();
    progress?.stop();
    requests.client?.close();
  }
  let verdict = gated?.verdict ?? {};
  if (settled.dryScan !== null) {
    // A dry run counts while it reads: the clears guard judges at its end (exit 2 above the limit).
    warnAboutScan(settled.dryScan, p.env.log);
    verdict = judgeDryRun(settled.dryScan, opts, p.env.log);
    p.journal.append({ type: 'facts', ...verdict });
  }
  return { rows: settled.rows, carriedOver: settled.carriedOver, prepared: gated?.prepared ?? null, verdict };
}

/**
 * The mode prepared (current values read), then the clears guard and `confirm` (where the CLI would
 * prompt), journaled before the first PATCH for a resume; null for a dry run.
 */
async function passRunGate(p: RunParts): Promise<{ prepared: PreparedMode; verdict: RunFacts } | null> {
  const { opts, env, stop, resume, scan } = p;
  const client = p.requests.client;
  if (client === null || scan === null) return null;
  const prepared = await prepareMode(opts, {
    client,
    scan,
    log: env.log,
    abort: (message) => stop.halt({ reason: 'aborted', message }),
  });
  const gate = await passGate({
    opts,
    scan,
    input: p.source.displayPath,
    keyFingerprint: opts.keyFingerprint ?? '',
    prefetch: prepared.prefetch,
    rows: p.reread,
    resume: resume === null ? null : { runId: resume.run.run_id, guard: resume.clearsGuard, carriedRows: resume.carriedRows },
    confirm: env.confirm,
    log: env.log,
    stopped: () => stop.current !== null,
  });
  if (gate.stop !== null) stop.halt(gate.stop, gate.say ?? gate.stop.message);
  const verdict: RunFacts = { ...gateFacts(gate, scan), ...prepared.summary(p.settler.totals) };
  p.journal.append({ type: 'clears_guard', ...gate.guard });
  p.journal.append({ type: 'facts', ...verdict });
  // fsync'd before the first PATCH: a resume keeps this decision and does not check again.
  p.journal.sync();
  // The run folder is named for its run id.
  if (resume !== null && gate.stop === null) markResumed(resume, { runId: path.basename(p.runDir), dir: p.runDir });
  return { prepared, verdict };
}

/** `recalled`: before-values an interrupted run journaled for rows that never settled (their PATCH may have landed). */
function senderFor(p: RunParts, prepared: PreparedMode, recalled: Map<number, WritableValues>): Sender {
  const { journal } = p;
  const hooks: HandlerHooks = {
    recalledBefore: (row) => {
      const before = recalled.get(row.line);
      recalled.delete(row.line);
      return before;
    },
    beforeWrite: (row, id, before) => journal.appendDurably({ type: 'before', line: row.line, id, before }),
  };
  return new Sender({
    concurrency: p.opts.concurrency,
    handler: prepared.handler,
    hooks,
    settler: p.settler,
    stop: p.stop,
    duplicateKeys: p.scan?.duplicateKeys ?? new Set(),
  });
}

/** Each row in file order: carried over, invalid, valid (dry run), not attempted (stopped), or sent. */
async function settleEach(
  p: RunParts,
  rows: AsyncIterable<readonly CheckedRow[]>,
  sender: Sender | null,
  recalled: Map<number, WritableValues>,
): Promise<{ rows: number; carriedOver: number; dryScan: FileScan | null }> {
  const { settler, stop, resume } = p;
  const dryRun = p.opts.mode === 'dry-run';
  // A dry run reads the file once: it counts while it goes.
  const dryScanner = dryRun ? new FileScanner({ dir: p.runDir, inputBytes: p.source.size }) : null;
  const journaled = resume === null ? null : new JournalCursor(resume);
  let seq = 0;
  let carriedOver = 0;
  let checkedAtBytes = -1;
  try {
    // Rows come one array per chunk read: an await per row only where one must wait (room, a free slot).
    for await (const batch of rows) {
      for (const row of batch) {
        const rowSeq = seq++;
        // Before each row that may be sent; a dry run's once per chunk (a stat per row took half its time).
        if (!dryRun || p.tally.bytesSoFar !== checkedAtBytes) {
          checkedAtBytes = p.tally.bytesSoFar;
          p.faults.checkInput();
        }
        dryScanner?.add(row);
        const room = settler.waitForRoom();
        if (room !== undefined) await room;
        // No await without a journal: a microtask per row is a tenth of a 1M-row dry run.
        const at = journaled === null ? undefined : await journaled.take(row.line);
        if (at?.row !== undefined && resume !== null && carries(at.row, resume.superseded)) {
          carriedOver++;
          settler.settle(rowSeq, journaledResult(at.row), 'carried');
          continue;
        }
        if (at?.before !== undefined) recalled.set(row.line, at.before);
        const settled = clientResult(row, dryRun);
        if (settled !== null) settler.settle(rowSeq, settled, 'client');
        else if (row.kind === 'valid') {
          // Backpressure: the next record is pulled only once a request slot is free.
          await sender?.slotFree();
          if (stop.current !== null || sender === null) settler.settle(rowSeq, toResult(row, stop.notAttempted()), 'client');
          else sender.send(rowSeq, row);
        }
      }
    }
    await sender?.drain();
    settler.drain();
    return { rows: seq, carriedOver, dryScan: dryScanner === null ? null : await dryScanner.finish() };
  } finally {
    dryScanner?.discard();
    await journaled?.close();
  }
}
