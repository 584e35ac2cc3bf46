import { OUTCOME_KINDS, type OutcomeKind, type RowResult } from '../../types.js';

/** The breaker counts only what the server side failed; `carried`: from the run a resume continues. */
export type Origin = 'client' | 'server' | 'carried';

/** Settled rows held back for an earlier one, at most. */
const MAX_PENDING = 4096;
/** One shared empty list: most rows supersede nothing. */
const NONE: readonly number[] = [];

export interface SettlerOptions {
  /** In input order (`onRow`), with the earlier lines the row supersedes (all handed on before it). */
  inOrder: (result: RowResult, supersedes: readonly number[]) => void;
  /** In settle order (the journal). */
  onSettled: (result: RowResult, origin: Origin, supersedes: readonly number[]) => void;
  /** Only they can supersede. */
  duplicateIds: ReadonlySet<string>;
  maxErrors: number;
  onBreak: (message: string) => void;
}

/**
 * Each row's outcome as it settles: the totals, the `--max-errors` breaker, the rule "a later row of
 * the same id wins" (its one home), and results handed on in input order (`onRow`'s contract).
 */
export class Settler {
  readonly totals: Record<OutcomeKind, number> = Object.fromEntries(OUTCOME_KINDS.map((k) => [k, 0])) as Record<OutcomeKind, number>;
  supersededRows = 0;
  /** Until the superseding line is handed on in order. */
  private readonly supersedesByLine = new Map<number, readonly number[]>();
  /** By sequence number, until the earlier ones are handed on. */
  private readonly early = new Map<number, RowResult>();
  private next = 0;
  private readonly notUpdatedLinesById = new Map<string, number[]>();
  /** The first pass's, and those rows matched by phone/email resolve to. */
  private readonly repeatIds: Set<string>;
  private consecutiveFailures = 0;
  private broken = false;
  private roomWaiters: (() => void)[] = [];

  constructor(private readonly opts: SettlerOptions) {
    this.repeatIds = new Set(opts.duplicateIds);
  }

  repeats(id: string): boolean {
    return this.repeatIds.has(id);
  }

  /** An id that an identifier on several rows resolved to. */
  noteRepeat(id: string): void {
    this.repeatIds.add(id);
  }

  settle(seq: number, result: RowResult, origin: Origin): void {
    this.totals[result.outcome.kind]++;
    this.opts.onSettled(result, origin, this.trackSupersession(result));
    this.feedBreaker(result, origin);
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

  /** Undefined when there is room already: the reader of millions of rows awaits only when it must. */
  waitForRoom(): Promise<void> | undefined {
    if (this.early.size < MAX_PENDING) return undefined;
    return this.roomFreed();
  }

  private async roomFreed(): Promise<void> {
    while (this.early.size >= MAX_PENDING) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  drain(): void {
    if (this.early.size > 0) throw new Error(`internal: ${this.early.size} rows settled out of order were never handed on`);
  }

  /** Rows of one id are sent in file order: the earlier ones have all settled. */
  private trackSupersession(result: RowResult): readonly number[] {
    const id = result.id;
    if (id === null || !this.repeatIds.has(id)) return NONE;
    const lines = this.notUpdatedLinesById.get(id) ?? [];
    if (result.outcome.kind !== 'updated') {
      lines.push(result.line);
      this.notUpdatedLinesById.set(id, lines);
      return NONE;
    }
    // A later row the client found invalid may have settled already: it is not superseded.
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
