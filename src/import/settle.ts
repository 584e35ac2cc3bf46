import { ReorderBuffer } from './reorder-buffer.js';
import { OUTCOME_KINDS, type OutcomeKind, type RowResult } from '../types.js';

/** Where an outcome came from: the circuit breaker counts only what the server side failed; `carried`: from the run a resume continues. */
export type Origin = 'client' | 'server' | 'carried';

/** Settled rows held in memory (waiting for an earlier row, or for the disk), at most; the reader waits past it. */
const MAX_PENDING = 4096;
/** One shared empty list: most rows supersede nothing. */
const NONE: readonly number[] = [];

export interface SettlerOptions {
  /**
   * Receives settled rows in input order, with the earlier lines this row supersedes (all handed
   * over before it); returns a promise only when it has to wait (for the disk).
   */
  writeInOrder: (result: RowResult, supersedes: readonly number[]) => Promise<void> | undefined;
  /** Receives every settled row at once, in settle order (the journal), with the earlier lines it supersedes. */
  onSettled: (result: RowResult, origin: Origin, supersedes: readonly number[]) => void;
  /** Ids that appear more than once in the file: only they can supersede. */
  duplicateIds: ReadonlySet<string>;
  /** `--max-errors`; 0 = never. */
  maxErrors: number;
  onBreak: (message: string) => void;
}

/**
 * Takes each row's outcome as it settles: counts totals, feeds the consecutive-failure breaker,
 * tracks superseded rows, and hands results on in input order through a bounded reorder buffer.
 */
export class Settler {
  readonly totals: Record<OutcomeKind, number> = Object.fromEntries(OUTCOME_KINDS.map((k) => [k, 0])) as Record<OutcomeKind, number>;
  /** A superseding line → the lines it supersedes, until that line is handed over in order. */
  /** Rows a later row of the same id superseded. */
  supersededRows = 0;
  private readonly supersedesByLine = new Map<number, number[]>();
  private readonly pending = new ReorderBuffer<RowResult>();
  private readonly notUpdatedLinesById = new Map<string, number[]>();
  private consecutiveFailures = 0;
  private broken = false;
  private writing: Promise<void> = Promise.resolve();
  private queuedWrites = 0;
  private roomWaiters: (() => void)[] = [];

  constructor(private readonly opts: SettlerOptions) {}

  settle(seq: number, result: RowResult, origin: Origin): void {
    this.totals[result.outcome.kind]++;
    this.opts.onSettled(result, origin, this.trackSupersession(result));
    this.feedBreaker(result, origin);
    this.pending.put(seq, result);
    this.release();
  }

  /**
   * Resolves when the reorder buffer has room, so a slow row cannot make the reader run ahead.
   * Undefined when there is room already: the reader of millions of rows awaits only when it must.
   */
  waitForRoom(): Promise<void> | undefined {
    if (this.pending.size + this.queuedWrites < MAX_PENDING) return undefined;
    return this.roomFreed();
  }

  private async roomFreed(): Promise<void> {
    while (this.pending.size + this.queuedWrites >= MAX_PENDING) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
  }

  /** Resolves once every row handed over so far has been written in order. */
  async drain(): Promise<void> {
    await this.writing;
    if (this.pending.size > 0) throw new Error(`internal: ${this.pending.size} rows settled out of order were never written`);
  }

  private release(): void {
    for (let next = this.pending.takeNext(); next !== undefined; next = this.pending.takeNext()) {
      this.handOn(next);
    }
    this.wakeIfRoom();
  }

  /** Writes the next row in order now, or after the writes that wait before it. */
  private handOn(row: RowResult): void {
    const supersedes = this.supersedesByLine.size === 0 ? NONE : (this.supersedesByLine.get(row.line) ?? NONE);
    if (supersedes !== NONE) this.supersedesByLine.delete(row.line);
    if (this.queuedWrites === 0) {
      // Nothing waits before this row: write it now, and chain only a write that has to wait.
      let written: Promise<void> | undefined;
      try {
        written = this.opts.writeInOrder(row, supersedes);
      } catch (error) {
        written = Promise.reject(error);
      }
      if (written === undefined) return;
      this.queuedWrites++;
      this.writing = written.then(() => {
        this.queuedWrites--;
        this.wakeIfRoom();
      });
      return;
    }
    this.queuedWrites++;
    this.writing = this.writing.then(async () => {
      await this.opts.writeInOrder(row, supersedes);
      this.queuedWrites--;
      this.wakeIfRoom();
    });
  }

  private wakeIfRoom(): void {
    if (this.roomWaiters.length === 0 || this.pending.size + this.queuedWrites >= MAX_PENDING) return;
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }

  /** The earlier lines this row supersedes (the rule "a later row of the same id wins" lives here). */
  private trackSupersession(result: RowResult): readonly number[] {
    const id = result.id;
    if (id === null || !this.opts.duplicateIds.has(id)) return NONE;
    if (result.outcome.kind === 'updated') {
      // Rows with one id are sent in file order, so every earlier row of this id has settled; a later
      // row the client found invalid may have settled already too, and is not superseded by this one.
      const lines = this.notUpdatedLinesById.get(id) ?? [];
      const earlier = lines.filter((line) => line < result.line);
      if (earlier.length > 0) this.supersedesByLine.set(result.line, earlier);
      this.supersededRows += earlier.length;
      const later = lines.filter((line) => line > result.line);
      if (later.length > 0) this.notUpdatedLinesById.set(id, later);
      else this.notUpdatedLinesById.delete(id);
      return earlier;
    }
    const lines = this.notUpdatedLinesById.get(id) ?? [];
    lines.push(result.line);
    this.notUpdatedLinesById.set(id, lines);
    return NONE;
  }

  private feedBreaker(result: RowResult, origin: Origin): void {
    const { outcome } = result;
    if (outcome.kind === 'updated' || outcome.kind === 'unchanged') {
      this.consecutiveFailures = 0;
      return;
    }
    const serverFailed =
      origin === 'server' && (outcome.kind === 'failed' || (outcome.kind === 'invalid' && outcome.code === 'bad_request'));
    if (!serverFailed) return;
    this.consecutiveFailures++;
    if (!this.broken && this.opts.maxErrors > 0 && this.consecutiveFailures >= this.opts.maxErrors) {
      this.broken = true;
      this.opts.onBreak(
        `stopped after ${this.consecutiveFailures} consecutive rows failed on the server side (last: line ${result.line}, ${outcome.code}: ${outcome.message})`,
      );
    }
  }
}
