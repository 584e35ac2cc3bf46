/** The row loop: the mode prepared, the gate passed, then every row settled in file order. */
import path from 'node:path';
import { startProgress } from '../../progress.js';
import type { WritableValues } from '../../types.js';
import type { CheckedRow } from '../read/check.js';
import { type FileScan, FileScanner } from '../first-pass/first-pass.js';
import { type GateResult, passGate } from '../gate/gate.js';
import { type PreparedMode, prepareMode } from '../modes/modes.js';
import { markResumed } from '../journal/resume.js';
import type { HandlerHooks } from '../modes/row-handler.js';
import { carries, JournalCursor, journaledResult } from '../journal/run-journal.js';
import type { RunParts } from '../run-parts.js';
import { clientResult, Sender, toResult } from './schedule.js';

/** What the loop leaves for the run's end. */
export interface SentRows {
  rows: number;
  carriedOver: number;
  prepared: PreparedMode | null;
  dryScan: FileScan | null;
  gate: GateResult | null;
}

/** Prepares the mode, passes the gate (the clears guard, `confirm`), then settles every row in file order; closes what the loop used. */
export async function sendRows(p: RunParts, rows: AsyncIterable<readonly CheckedRow[]>): Promise<SentRows> {
  const { opts, requests, stop } = p;
  const unwatch = stop.watch(p.env.signal);
  const basis = {
    totalBytes: p.source.size,
    rowsTotal: p.scan?.rows ?? null,
    client: requests?.client ?? null,
  };
  const begin = (): { stop(): void } => startProgress(p.env.onProgress, (done) => p.tally.state(basis, done));
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
    const gate = prepared === null || p.scan === null ? null : await passRunGate(p, p.scan, prepared);
    progress ??= begin();
    const recalled = new Map<number, WritableValues>();
    const sender = prepared === null ? null : senderFor(p, prepared, recalled);
    const counted = await settleEach(p, rows, sender, recalled);
    return { ...counted, prepared, gate };
  } finally {
    p.faults.stoppedSending();
    unwatch();
    progress?.stop();
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
    keyFingerprint: opts.keyFingerprint ?? '',
    prefetch: prepared.prefetch,
    rows: p.reread,
    resume: resume === null ? null : { runId: resume.run.run_id, guard: resume.clearsGuard, carriedRows: resume.carriedRows },
    confirm: env.confirm,
    log: env.log,
    stopped: () => stop.current !== null,
  });
  if (gate.stop !== null) stop.halt(gate.stop, gate.say ?? gate.stop.message);
  // fsync'd before the first PATCH: a resume keeps this decision and does not check again.
  p.journal.append({ type: 'clears_guard', ...gate.guard });
  p.journal.append({
    type: 'facts',
    clears: { ...gate.counted.clears },
    clears_guard: gate.guard,
    confirmed: gate.confirmed,
    duplicate_ids: scan.duplicateIds.size,
    ...prepared.summary(p.settler.totals),
  });
  p.journal.sync();
  // The run folder is named for its run id.
  if (resume !== null && gate.stop === null) markResumed(resume, { runId: path.basename(p.runDir), dir: p.runDir });
  return gate;
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
  // A dry run reads the file once: it counts while it goes and warns at the end.
  const dryScanner = p.opts.mode === 'dry-run' ? new FileScanner({ dir: p.runDir, inputBytes: p.source.size }) : null;
  const journaled = resume === null ? null : new JournalCursor(resume);
  let seq = 0;
  let carriedOver = 0;
  const dryRun = p.opts.mode === 'dry-run';
  let checkedAtBytes = -1;
  try {
    // Rows come one array per chunk read: an await per row only where one must wait (room, a free slot).
    for await (const batch of rows) {
      for (const row of batch) {
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
