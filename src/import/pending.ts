/**
 * The count before the first PATCH: how many rows a run will update and which fields they clear.
 * Under `--plan` / `--only-changed` it compares with current values, so a field that is already
 * empty is no clear (an export imported back as is clears nothing). The reads it makes are kept
 * for the rows' own handling: no row is read twice.
 */
import type { CurrentRead, CurrentValues } from '../pipeline/current.js';
import { changedPart } from '../pipeline/read-handlers.js';
import type { CheckedRow, RowTarget } from '../pipeline/validate.js';
import { WRITABLE_FIELDS, type ConversationPatch, type RowOutcome, type WritableValues } from '../types.js';
import { addClear, emptyClearsCount, type ClearsCount } from './clears-guard.js';

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
  /** Rows a resume carries over: already settled, not counted. */
  carried(line: number): boolean;
  /** Ids on more than one row: later rows compare against what the earlier ones write. */
  repeated(id: string): boolean;
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
  for await (const row of rows) {
    if (ctx.stopped()) break;
    if (row.kind !== 'valid' || ctx.carried(row.line)) continue;
    const clearing = WRITABLE_FIELDS.filter((field) => row.patch[field] === null);
    if (ctx.read === null) {
      count.toUpdate++;
      for (const field of clearing) addClear(count, field, row.line);
      continue;
    }
    const target = row.target;
    const id = target.by === 'id' ? target.id : null;
    const entry = id === null ? undefined : known.get(id);
    // Matching by customer_identifier reads from the scanned index: free, and it finds the id.
    const needsRead = target.by !== 'id' || ctx.readAll || clearing.length > 0;
    if (!needsRead || (entry !== undefined && entry.base !== null)) {
      if (entry?.base != null) tally(count, row.line, row.patch, { ...entry.base, ...entry.written });
      if (id !== null && ctx.repeated(id)) known.set(id, { base: entry?.base ?? null, written: { ...entry?.written, ...row.patch } });
      continue;
    }
    const read = await ctx.read(target);
    if (!read.ok) {
      failedInARow++;
      const stop = readStop(read.outcome, failedInARow, ctx.maxErrors);
      if (stop !== null) {
        count.failure = stop;
        break;
      }
      continue;
    }
    failedInARow = 0;
    const before = known.get(read.id);
    tally(count, row.line, row.patch, { ...read.values, ...before?.written });
    if (ctx.repeated(read.id) || target.by !== 'id')
      known.set(read.id, { base: before?.base ?? read.values, written: { ...before?.written, ...row.patch } });
  }
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
  if (outcome.kind === 'failed' && (outcome.code === 'unauthorized' || outcome.code === 'forbidden')) return outcome.message;
  if (maxErrors > 0 && failedInARow >= maxErrors) {
    return `${failedInARow} reads of current values failed in a row (--max-errors ${maxErrors}); the last: ${'message' in outcome ? outcome.message : outcome.kind}`;
  }
  return null;
}
