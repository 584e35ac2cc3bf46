/** The count before the first PATCH: rows to update and the fields they clear, against current values where the mode reads them. */
import { stopsTheRun } from '../../exit-code.js';
import { WRITABLE_FIELDS, type ConversationPatch, type RowOutcome, type WritableValues } from '../../types.js';
import type { CheckedRow, RowTarget } from '../read/check.js';
import { addClear, emptyClearsCount, type ClearsCount } from '../first-pass/clears-guard.js';
import type { CurrentRead, CurrentValues } from './current-values.js';
import { changedPart } from './read-first.js';
import type { ValidRow } from './row-handler.js';

export interface PendingCount extends ClearsCount {
  toUpdate: number;
  unchanged: number;
  /** Why reading stopped early (a 401/403, `--max-errors`); the count is then partial. */
  failure: string | null;
}

export interface PrefetchingValues extends CurrentValues {
  prefetch(target: RowTarget): Promise<CurrentRead>;
}

/** Reads that cost a request are kept until the row's handler reads the same id. */
export function prefetching(inner: CurrentValues): PrefetchingValues {
  const kept = new Map<string, CurrentRead>();
  const costs = (read: CurrentRead): boolean => !read.ok || read.attempts > 0;
  return {
    async prefetch(target) {
      const read = await inner.read(target);
      if (target.by === 'id' && costs(read)) kept.set(target.id, read);
      return read;
    },
    read(target) {
      if (target.by === 'id') {
        const read = kept.get(target.id);
        if (read !== undefined) {
          kept.delete(target.id);
          return Promise.resolve(read);
        }
      }
      return inner.read(target);
    },
    remember: (id, values) => inner.remember(id, values),
    get requests() {
      return inner.requests;
    },
  };
}

export interface PendingContext {
  /** Null: no comparison (a plain import sends every valid row). */
  read: ((target: RowTarget) => Promise<CurrentRead>) | null;
  /** Compare every row (the confirmation shows how many differ), not only those that clear. */
  readAll: boolean;
  repeated(id: string): boolean;
  concurrency: number;
  maxErrors: number;
  stopped(): boolean;
}

const isEmpty = (value: string | null | undefined): boolean => value === null || value === undefined || value === '';

interface Known {
  base: WritableValues | null;
  written: ConversationPatch;
}

export async function countPending(rows: AsyncIterable<CheckedRow>, ctx: PendingContext): Promise<PendingCount> {
  const count: PendingCount = { ...emptyClearsCount(), toUpdate: 0, unchanged: 0, failure: null };
  const known = new Map<string, Known>();
  let failedInARow = 0;

  // Matching by customer_identifier reads from the scanned index: free, and it finds the id.
  const needsRead = (row: ValidRow): boolean => {
    const wanted = row.target.by !== 'id' || ctx.readAll || WRITABLE_FIELDS.some((field) => row.patch[field] === null);
    return wanted && (row.target.by !== 'id' || known.get(row.target.id)?.base == null);
  };

  /** False stops the count. */
  const countRow = async (row: ValidRow, ahead: Map<string, Promise<CurrentRead>>): Promise<boolean> => {
    const { target } = row;
    if (ctx.read === null) {
      count.toUpdate++;
      for (const field of WRITABLE_FIELDS) if (row.patch[field] === null) addClear(count, field, row.line);
      return true;
    }
    if (!needsRead(row)) {
      if (target.by !== 'id') return true;
      const entry = known.get(target.id);
      if (entry?.base != null) tally(count, row.line, row.patch, { ...entry.base, ...entry.written });
      if (ctx.repeated(target.id)) known.set(target.id, { base: entry?.base ?? null, written: { ...entry?.written, ...row.patch } });
      return true;
    }
    const mine = target.by === 'id' ? ahead.get(target.id) : undefined;
    if (target.by === 'id') ahead.delete(target.id);
    const read = await (mine ?? ctx.read(target));
    if (!read.ok) {
      failedInARow++;
      count.failure = readStop(read.outcome, failedInARow, ctx.maxErrors);
      return count.failure === null;
    }
    failedInARow = 0;
    const before = known.get(read.id);
    tally(count, row.line, row.patch, { ...read.values, ...before?.written });
    if (ctx.repeated(read.id) || target.by !== 'id') {
      known.set(read.id, { base: before?.base ?? read.values, written: { ...before?.written, ...row.patch } });
    }
    return true;
  };

  // A batch's reads go out together; its rows are counted in file order (later rows of an id compare against earlier ones).
  let batch: ValidRow[] = [];
  const flush = async (): Promise<boolean> => {
    const ahead = new Map<string, Promise<CurrentRead>>();
    for (const row of batch) {
      const { target } = row;
      if (ctx.read !== null && target.by === 'id' && !ahead.has(target.id) && needsRead(row)) ahead.set(target.id, ctx.read(target));
    }
    const rowsOfBatch = batch;
    batch = [];
    for (const row of rowsOfBatch) if (!(await countRow(row, ahead))) return false;
    return true;
  };

  for await (const row of rows) {
    if (ctx.stopped()) break;
    if (row.kind !== 'valid') continue;
    batch.push(row);
    if (batch.length >= ctx.concurrency && !(await flush())) return count;
  }
  if (!ctx.stopped()) await flush();
  return count;
}

function tally(count: PendingCount, line: number, patch: ConversationPatch, current: WritableValues): void {
  const changed = changedPart(patch, current);
  if (Object.keys(changed).length === 0) {
    count.unchanged++;
    return;
  }
  count.toUpdate++;
  for (const field of WRITABLE_FIELDS) if (changed[field] === null && !isEmpty(current[field])) addClear(count, field, line);
}

function readStop(outcome: RowOutcome, failedInARow: number, maxErrors: number): string | null {
  if (outcome.kind === 'failed' && stopsTheRun(outcome.code)) return outcome.message;
  if (maxErrors > 0 && failedInARow >= maxErrors) {
    return `${failedInARow} reads of current values failed in a row (--max-errors ${maxErrors}); the last: ${'message' in outcome ? outcome.message : outcome.kind}`;
  }
  return null;
}
