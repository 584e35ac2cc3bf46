import { OUTCOME_KINDS, type OutcomeKind, type RowResult } from '../../types.js';
import { ReorderBuffer } from './reorder-buffer.js';

/** Where an outcome came from: the circuit breaker counts only what the server side failed; `carried`: from the run a resume continues. */
export type Origin = 'client' | 'server' | 'carried';

/** Settled rows held back for an earlier one, at most; the reader waits past it. */
const MAX_PENDING = 4096;
/** One shared empty list: most rows supersede nothing. */
const NONE: readonly number[] = [];

export interface SettlerOptions {
  /** Receives settled rows in input order (`onRow`), with the earlier lines this row supersedes (all handed on before it). */
  inOrder: (result: RowResult, supersedes: readonly number[]) => void;
  /** Receives every settled row at once, in settle order (the journal), with the earlier lines it supersedes. */
  onSettled: (result: RowResult, origin: Origin, supersedes: readonly number[]) => void;
  /** Ids on more than one row, from the first pass (which saw them all): only they can supersede. */
  duplicateIds: ReadonlySet<string>;
  /** `--max-errors`; 0 = never. */
  maxErrors: number;
  onBreak: (message: string) => void;
}

/**
 * Takes each row's outcome as it settles: counts totals, feeds the consecutive-failure breaker,
 * finds the rows it supersedes (the rule "a later row of the same id wins" lives here, and the
 * journal records what it found), and hands results on in input order. The reorder buffer is what
 * `onRow`'s input order costs: a slow row holds the rows that settle after it.
 */
export class Settler {
  readonly totals: Record<OutcomeKind, number> = Object.fromEntries(OUTCOME_KINDS.map((k) => [k, 0])) as Record<OutcomeKind, number>;
  /** Rows a later row of the same id superseded. */
  supersededRows = 0;
  /** A superseding line → the lines it supersedes, until that line is handed on in order. */
  private readonly supersedesByLine = new Map<number, readonly number[]>();
  private readonly pending = new ReorderBuffer<RowResult>();
  private readonly notUpdatedLinesById = new Map<string, number[]>();
  /** Ids on several rows: the first pass's, and those rows matched by phone/email resolve to. */
  private readonly repeatIds: Set<string>;
  private consecutiveFailures = 0;
  private broken = false;
  private roomWaiters: (() => void)[] = [];

  constructor(private readonly opts: SettlerOptions) {
    this.repeatIds = new Set(opts.duplicateIds);
  }

  /** Whether the id is on several rows: its rows are sent one at a time, and a later one may supersede. */
  repeats(id: string): boolean {
    return this.repeatIds.has(id);
  }

  /** An id a row resolved to from an identifier on several rows (`--match-by customer_identifier`). */
  noteRepeat(id: string): void {
    this.repeatIds.add(id);
  }

  settle(seq: number, result: RowResult, origin: Origin): void {
    this.totals[result.outcome.kind]++;
    this.opts.onSettled(result, origin, this.trackSupersession(result));
    this.feedBreaker(result, origin);
    this.pending.put(seq, result);
    for (let next = this.pending.takeNext(); next !== undefined; next = this.pending.takeNext()) {
      const supersedes = this.supersedesByLine.get(next.line) ?? NONE;
      if (supersedes !== NONE) this.supersedesByLine.delete(next.line);
      this.opts.inOrder(next, supersedes);
    }
    if (this.roomWaiters.length > 0 && this.pending.size < MAX_PENDING) {
      const waiters = this.roomWaiters;
      this.roomWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /**
   * Resolves when the reorder buffer has room, so a slow row cannot make the reader run ahead.
   * Undefined when there is room already: the reader of millions of rows awaits only when it must.
   */
  waitForRoom(): Promise<void> | undefined {
    if (this.pending.size < MAX_PENDING) return undefined;
    return this.roomFreed();
  }

  private async roomFreed(): Promise<void> {
    while (this.pending.size >= MAX_PENDING) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  /** Every row handed over has been handed on in order. */
  drain(): void {
    if (this.pending.size > 0) throw new Error(`internal: ${this.pending.size} rows settled out of order were never handed on`);
  }

  /** The earlier lines this row supersedes: rows of one id are sent in file order, so they have all settled. */
  private trackSupersession(result: RowResult): readonly number[] {
    const id = result.id;
    if (id === null || !this.repeatIds.has(id)) return NONE;
    const lines = this.notUpdatedLinesById.get(id) ?? [];
    if (result.outcome.kind !== 'updated') {
      lines.push(result.line);
      this.notUpdatedLinesById.set(id, lines);
      return NONE;
    }
    // A later row the client found invalid may have settled already: it is not superseded by this one.
    const earlier = lines.filter((line) => line < result.line);
    const later = lines.filter((line) => line > result.line);
    if (later.length > 0) this.notUpdatedLinesById.set(id, later);
    else this.notUpdatedLinesById.delete(id);
    if (earlier.length === 0) return NONE;
    this.supersedesByLine.set(result.line, earlier);
    this.supersededRows += earlier.length;
    return earlier;
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
