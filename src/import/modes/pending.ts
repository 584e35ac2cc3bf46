/**
 * The count before the first PATCH: how many rows a run will update and which fields they clear.
 * Under `--plan` / `--only-changed` it compares with current values, so a field that is already
 * empty is no clear (an export imported back as is clears nothing). The reads it makes are kept
 * for the rows' own handling: no row is read twice.
 */
import { stopsTheRun } from '../../exit-code.js';
import { WRITABLE_FIELDS, type ConversationPatch, type RowOutcome, type WritableValues } from '../../types.js';
import type { CheckedRow, RowTarget } from '../read/check.js';
import { addClear, emptyClearsCount, type ClearsCount } from '../first-pass/clears-guard.js';
import type { CurrentRead, CurrentValues } from './current-values.js';
import { changedPart } from './read-first.js';
import type { ValidRow } from './row-handler.js';

export interface PendingCount extends ClearsCount {
  /** Rows that will send a PATCH (compared: rows whose values differ). */
  toUpdate: number;
  /** Compared rows whose values already match. */
  unchanged: number;
  /** Why reading stopped early (a 401/403, or `--max-errors` failed reads in a row); the count is then partial. */
  failure: string | null;
}

/** Current values whose reads made ahead (by the count) are handed to the row that asks first. */
export interface PrefetchingValues extends CurrentValues {
  prefetch(target: RowTarget): Promise<CurrentRead>;
}

/** Wraps `inner`: reads that cost a request are kept until the row's handler reads the same id. */
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
  /** Reads current values for the comparison; null: no comparison (a plain import sends every valid row). */
  read: ((target: RowTarget) => Promise<CurrentRead>) | null;
  /** Compare every row (the confirmation shows how many differ), not only the rows that clear a field. */
  readAll: boolean;
  /** Ids on more than one row: later rows compare against what the earlier ones write. */
  repeated(id: string): boolean;
  /** `--concurrency`: reads in flight at most. */
  concurrency: number;
  /** `--max-errors`: failed reads in a row that stop the count (0 = never). */
  maxErrors: number;
  /** The run stopped (Ctrl-C): stop counting. */
  stopped(): boolean;
}

const isEmpty = (value: string | null | undefined): boolean => value === null || value === undefined || value === '';

/** What one id's rows wrote so far in the count, over the values read for it. */
interface Known {
  base: WritableValues | null;
  written: ConversationPatch;
}

/** Counts the rows a run will update and the fields they clear, in file order. */
export async function countPending(rows: AsyncIterable<CheckedRow>, ctx: PendingContext): Promise<PendingCount> {
  const count: PendingCount = { ...emptyClearsCount(), toUpdate: 0, unchanged: 0, failure: null };
  const known = new Map<string, Known>();
  let failedInARow = 0;

  // Matching by customer_identifier reads from the scanned index: free, and it finds the id.
  const needsRead = (row: ValidRow): boolean => {
    const wanted = row.target.by !== 'id' || ctx.readAll || WRITABLE_FIELDS.some((field) => row.patch[field] === null);
    return wanted && (row.target.by !== 'id' || known.get(row.target.id)?.base == null);
  };

  /** Counts one row, with the read made for it ahead when there is one; false stops the count. */
  const countRow = async (row: ValidRow, ahead: Promise<CurrentRead> | undefined): Promise<boolean> => {
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
    const read = await (ahead ?? ctx.read(target));
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

  // The reads of a batch go out together (one per id, up to --concurrency at once); the count then
  // takes the batch's rows in file order, so later rows of an id compare against the earlier ones.
  let batch: ValidRow[] = [];
  const flush = async (): Promise<boolean> => {
    const ahead = new Map<string, Promise<CurrentRead>>();
    const read = ctx.read;
    if (read !== null) {
      for (const row of batch) {
        if (row.target.by === 'id' && !ahead.has(row.target.id) && needsRead(row)) ahead.set(row.target.id, read(row.target));
      }
    }
    const rowsOfBatch = batch;
    batch = [];
    for (const row of rowsOfBatch) {
      const id = row.target.by === 'id' ? row.target.id : null;
      const mine = id !== null && needsRead(row) ? ahead.get(id) : undefined;
      if (id !== null && mine !== undefined) ahead.delete(id);
      if (!(await countRow(row, mine))) return false;
    }
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

/** A failed read that stops the count: a bad key or scope stops any run; so do `--max-errors` failures in a row. */
function readStop(outcome: RowOutcome, failedInARow: number, maxErrors: number): string | null {
  if (outcome.kind === 'failed' && stopsTheRun(outcome.code)) return outcome.message;
  if (maxErrors > 0 && failedInARow >= maxErrors) {
    return `${failedInARow} reads of current values failed in a row (--max-errors ${maxErrors}); the last: ${'message' in outcome ? outcome.message : outcome.kind}`;
  }
  return null;
}
