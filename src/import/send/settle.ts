import { OUTCOME_KINDS, type OutcomeKind, type RowResult } from '../../types.js';

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
 * journal records what it found), and hands results on in input order (`onRow`'s contract): a
 * slow row holds the rows that settle after it, up to MAX_PENDING, and the reader waits past that.
 */
export class Settler {
  readonly totals: Record<OutcomeKind, number> = Object.fromEntries(OUTCOME_KINDS.map((k) => [k, 0])) as Record<OutcomeKind, number>;
  /** Rows a later row of the same id superseded. */
  supersededRows = 0;
  /** A superseding line → the lines it supersedes, until that line is handed on in order. */
  private readonly supersedesByLine = new Map<number, readonly number[]>();
  /** Rows settled before an earlier one, by sequence number, until that one is handed on. */
  private readonly early = new Map<number, RowResult>();
  /** The sequence number handed on next. */
  private next = 0;
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
    // Most rows settle in order: they never wait in the map.
    if (seq === this.next) this.handOn(result);
    else if (seq < this.next || this.early.has(seq)) throw new RangeError(`internal: sequence ${seq} was settled already`);
    else this.early.set(seq, result);
    while (this.early.size > 0) {
      const row = this.early.get(this.next);
      if (row === undefined) break;
      this.early.delete(this.next);
      this.handOn(row);
    }
    if (this.roomWaiters.length > 0 && this.early.size < MAX_PENDING) {
      const waiters = this.roomWaiters;
      this.roomWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  private handOn(row: RowResult): void {
    this.next++;
    const supersedes = this.supersedesByLine.get(row.line) ?? NONE;
    if (supersedes !== NONE) this.supersedesByLine.delete(row.line);
    this.opts.inOrder(row, supersedes);
  }

  /**
   * Resolves when there is room for rows settled early, so a slow row cannot make the reader run ahead.
   * Undefined when there is room already: the reader of millions of rows awaits only when it must.
   */
  waitForRoom(): Promise<void> | undefined {
    if (this.early.size < MAX_PENDING) return undefined;
    return this.roomFreed();
  }

  private async roomFreed(): Promise<void> {
    while (this.early.size >= MAX_PENDING) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  /** Every row handed over has been handed on in order. */
  drain(): void {
    if (this.early.size > 0) throw new Error(`internal: ${this.early.size} rows settled out of order were never handed on`);
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
