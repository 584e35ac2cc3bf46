/**
 * RowHandlers of the modes that read before they write (row-handler.ts has the plain import):
 * `plan` reads and never writes; `only-changed` PATCHes only the fields that differ; `resolve`
 * (import `--match-by customer_identifier`) finds the id, then PATCHes like the plain import.
 * There is no ETag or updated_at (vorel-api.md §7): between our read and our write another agent
 * may change a value, and the last write wins.
 */
import type { ApiClient } from '../../api/client.js';
import { WRITABLE_FIELDS, type ConversationPatch, type RowOutcome, type WritableValues } from '../../types.js';
import type { CurrentRead, CurrentValues } from './current-values.js';
import type { HandledRow, HandlerHooks, RowHandler, ValidRow } from './row-handler.js';
import { differingFields } from '../../values.js';
import { patchRow } from './row-handler.js';

type Found = Extract<CurrentRead, { ok: true }>;

/** The fields of `patch` whose values differ from `current`; fields left out (`--empty keep`) are never compared. */
export function changedPart(patch: ConversationPatch, current: WritableValues): ConversationPatch {
  const changed: ConversationPatch = {};
  for (const field of differingFields(patch, current)) {
    const value = patch[field];
    if (value !== undefined) changed[field] = value;
  }
  return changed;
}

/**
 * A row whose values already match. When an interrupted run journaled before-values for it, its
 * PATCH landed before the crash: the row was updated by this run, and rollback needs those values.
 */
function unchanged(read: Found, recalled: WritableValues | undefined): HandledRow {
  if (recalled !== undefined && WRITABLE_FIELDS.some((f) => recalled[f] !== read.values[f])) {
    return { id: read.id, outcome: { kind: 'updated', httpStatus: read.httpStatus, attempts: read.attempts }, before: recalled };
  }
  return { id: read.id, outcome: { kind: 'unchanged', httpStatus: read.httpStatus, attempts: read.attempts }, before: read.values };
}

/** The row's attempts are the read's plus the write's. */
function plusAttempts(outcome: RowOutcome, attempts: number): RowOutcome {
  if (attempts === 0 || !('attempts' in outcome)) return outcome;
  return { ...outcome, attempts: outcome.attempts + attempts };
}

/** Reads the row's conversation, then hands it on; a failed read is the row's outcome. */
async function afterRead(
  current: CurrentValues,
  row: ValidRow,
  then: (read: Found) => HandledRow | Promise<HandledRow>,
): Promise<HandledRow> {
  const read = await current.read(row.target);
  return read.ok ? then(read) : { id: read.id, outcome: read.outcome, before: null };
}

/** Journals the before-values, PATCHes, and remembers what was written for later rows of the id. */
async function write(
  client: ApiClient,
  current: CurrentValues,
  row: ValidRow,
  read: Found,
  patch: ConversationPatch,
  hooks: HandlerHooks,
): Promise<HandledRow> {
  // A resumed run keeps the values from before the first attempt, not what that attempt may have written.
  const before = hooks.recalledBefore(row) ?? read.values;
  hooks.beforeWrite(row, read.id, before);
  const outcome = await patchRow(client, read.id, patch);
  if (outcome.kind === 'updated') current.remember(read.id, { ...read.values, ...patch });
  return { id: read.id, outcome: plusAttempts(outcome, read.attempts), before };
}

/** `--plan`: read, compare, never write. */
export function planHandler(current: CurrentValues): RowHandler {
  return {
    handle: (row) =>
      afterRead(current, row, (read) => {
        if (differingFields(row.patch, read.values).length === 0) return unchanged(read, undefined);
        // A later row of the same conversation is planned against this row's values, as the real run would apply them.
        current.remember(read.id, { ...read.values, ...row.patch });
        return {
          id: read.id,
          outcome: { kind: 'would_update', httpStatus: read.httpStatus, attempts: read.attempts },
          before: read.values,
        };
      }),
  };
}

/** `--only-changed`: read, then PATCH only the fields that differ; a row that matches is `unchanged` and costs no PATCH. */
export function onlyChangedHandler(client: ApiClient, current: CurrentValues): RowHandler {
  return {
    handle: (row, hooks) =>
      afterRead(current, row, (read) => {
        const changed = changedPart(row.patch, read.values);
        return Object.keys(changed).length === 0
          ? unchanged(read, hooks.recalledBefore(row))
          : write(client, current, row, read, changed, hooks);
      }),
  };
}

/** Plain import of rows keyed by customer_identifier: resolve through the scan, then PATCH the whole row. */
export function resolvingImportHandler(client: ApiClient, current: CurrentValues): RowHandler {
  return {
    handle: (row, hooks) => afterRead(current, row, (read) => write(client, current, row, read, row.patch, hooks)),
  };
}
