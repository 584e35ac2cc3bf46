/**
 * A valid row starts when one of `concurrency` slots is free, and the reader pulls the next record
 * only then; rows of one conversation run in file order. Not p-limit: CONTRIBUTING.md, "Reading the file".
 */
import { stopsTheRun } from '../../exit-code.js';
import { RunFolderWriteError } from '../../report/run-folder-writes.js';
import type { RowOutcome, RowResult } from '../../types.js';
import { type CheckedRow, targetKey } from '../read/check.js';
import { rowId } from '../first-pass/first-pass.js';
import type { HandledRow, HandlerHooks, RowHandler, ValidRow } from '../modes/row-handler.js';
import type { Settler } from './settle.js';
import { notAttemptedCode, type StopSwitch } from '../stop.js';

export interface SenderContext {
  concurrency: number;
  handler: RowHandler;
  hooks: HandlerHooks;
  settler: Settler;
  stop: StopSwitch;
  /** From the first pass: a target not in it is on one row only. */
  duplicateKeys: ReadonlySet<string>;
}

/** A row's result before the server had a say. */
export function toResult(row: CheckedRow, outcome: RowOutcome): RowResult {
  const copyFrom = row.copyFrom === undefined ? {} : { copyFrom: row.copyFrom };
  return { line: row.line, endLine: row.endLine, ...copyFrom, id: rowId(row), patch: row.patch, before: null, outcome };
}

/** Invalid, or a valid row of a dry run; null when it is to be sent. */
export function clientResult(row: CheckedRow, dryRun = true): RowResult | null {
  if (row.kind === 'invalid')
    return toResult(row, { kind: 'invalid', code: row.code, message: row.message, httpStatus: null, attempts: 0 });
  return dryRun ? toResult(row, { kind: 'valid' }) : null;
}

export class Sender {
  private running = 0;
  /** drain() rethrows it. */
  private failure: { error: unknown } | null = null;
  /**
   * The last task per repeated target. Most rows touch no Map: one that gains and drops a key per
   * row rebuilds its hash table in V8's old space every few dozen.
   */
  private readonly lastTaskByKey = new Map<string, Promise<void>>();
  private waiters: (() => void)[] = [];
  private readonly ended = (): void => {
    this.running -= 1;
    for (const wake of this.waiters.splice(0)) wake();
  };
  private readonly threw = (error: unknown): void => {
    this.failure ??= { error };
    this.ended();
  };

  constructor(private readonly ctx: SenderContext) {}

  async slotFree(): Promise<void> {
    while (this.running >= this.ctx.concurrency) await this.slotFreed();
  }

  /** Starts the row after the previous row of its target; it settles itself. */
  send(seq: number, row: ValidRow): void {
    const key = targetKey(row.target);
    this.running += 1;
    const repeated = row.target.by === 'id' ? this.ctx.settler.repeats(key) : this.ctx.duplicateKeys.has(key);
    if (!repeated) {
      this.handle(seq, row, key).then(this.ended, this.threw);
      return;
    }
    const previous = this.lastTaskByKey.get(key);
    const task = (async () => {
      if (previous) await previous;
      await this.handle(seq, row, key);
    })();
    this.lastTaskByKey.set(key, task);
    const forget = (): void => {
      if (this.lastTaskByKey.get(key) === task) this.lastTaskByKey.delete(key);
    };
    task.then(
      () => {
        forget();
        this.ended();
      },
      (error: unknown) => {
        forget();
        this.threw(error);
      },
    );
  }

  /** Rejects as soon as one row's task threw. */
  async drain(): Promise<void> {
    while (this.running > 0 && this.failure === null) await this.slotFreed();
    if (this.failure !== null) throw this.failure.error;
  }

  private slotFreed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private async handle(seq: number, row: ValidRow, key: string): Promise<void> {
    const { stop, settler } = this.ctx;
    const handled: HandledRow =
      stop.current === null
        ? await this.ctx.handler(row, this.ctx.hooks).catch((error: unknown) => {
            // Its before-values could not be journaled: the PATCH was not sent.
            if (!(error instanceof RunFolderWriteError)) throw error;
            return { id: rowId(row), outcome: stop.notAttempted(), before: null };
          })
        : { id: rowId(row), outcome: stop.notAttempted(), before: null };
    // A request the stop caught before it started says why the run stopped.
    const stopped = stop.current;
    const outcome: RowOutcome =
      handled.outcome.kind === 'not_attempted' && stopped !== null
        ? { ...handled.outcome, code: notAttemptedCode(stopped) }
        : handled.outcome;
    if (handled.id !== null && this.ctx.duplicateKeys.has(key)) this.ctx.settler.noteRepeat(handled.id);
    settler.settle(seq, { ...toResult(row, outcome), id: handled.id, before: handled.before }, 'server');
    if (outcome.kind === 'failed' && stopsTheRun(outcome.code)) {
      stop.halt({ reason: 'aborted', message: outcome.message });
    }
  }
}
