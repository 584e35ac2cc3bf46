/** The modes that read before they write. No ETag or updated_at (vorel-api.md §7): the last write wins. */
import type { ApiClient } from '../../api/client.js';
import type { RunMode } from '../../options.js';
import { WRITABLE_FIELDS, type ConversationPatch, type RowOutcome, type WritableValues } from '../../types.js';
import type { CurrentRead, CurrentValues } from './current-values.js';
import type { HandledRow, HandlerHooks, RowHandler, ValidRow } from './row-handler.js';
import { differingFields } from '../../values.js';
import { patchRow } from './row-handler.js';

type Found = Extract<CurrentRead, { ok: true }>;

/** Fields left out (`--empty keep`) are never compared. */
export function changedPart(patch: ConversationPatch, current: WritableValues): ConversationPatch {
  const changed: ConversationPatch = {};
  for (const field of differingFields(patch, current)) {
    const value = patch[field];
    if (value !== undefined) changed[field] = value;
  }
  return changed;
}

/** With before-values an interrupted run journaled, its PATCH landed: updated, and rollback needs them. */
function unchanged(read: Found, recalled: WritableValues | undefined): HandledRow {
  if (recalled !== undefined && WRITABLE_FIELDS.some((f) => recalled[f] !== read.values[f])) {
    return { id: read.id, outcome: { kind: 'updated', httpStatus: read.httpStatus, attempts: read.attempts }, before: recalled };
  }
  return { id: read.id, outcome: { kind: 'unchanged', httpStatus: read.httpStatus, attempts: read.attempts }, before: read.values };
}

function plusAttempts(outcome: RowOutcome, attempts: number): RowOutcome {
  if (attempts === 0 || !('attempts' in outcome)) return outcome;
  return { ...outcome, attempts: outcome.attempts + attempts };
}

async function write(
  client: ApiClient,
  current: CurrentValues,
  row: ValidRow,
  read: Found,
  patch: ConversationPatch,
  hooks: HandlerHooks,
): Promise<HandledRow> {
  // A resume keeps the values from before the first attempt, not what that attempt may have written.
  const before = hooks.recalledBefore(row) ?? read.values;
  hooks.beforeWrite(row, read.id, before);
  const outcome = await patchRow(client, read.id, patch);
  if (outcome.kind === 'updated') current.remember(read.id, { ...read.values, ...patch });
  return { id: read.id, outcome: plusAttempts(outcome, read.attempts), before };
}

/** `plan`, `only-changed`, or an import matched by customer_identifier (resolved, then the whole row sent). */
export function readFirstHandler(mode: RunMode, client: ApiClient, current: CurrentValues): RowHandler {
  return async (row, hooks) => {
    const read = await current.read(row.target);
    if (!read.ok) return { id: read.id, outcome: read.outcome, before: null };
    if (mode === 'plan') {
      if (differingFields(row.patch, read.values).length === 0) return unchanged(read, undefined);
      // A later row of the id is planned against this row's values, as a real run would apply them.
      current.remember(read.id, { ...read.values, ...row.patch });
      return { id: read.id, outcome: { kind: 'would_update', httpStatus: read.httpStatus, attempts: read.attempts }, before: read.values };
    }
    if (mode !== 'only-changed') return write(client, current, row, read, row.patch, hooks);
    const changed = changedPart(row.patch, read.values);
    return Object.keys(changed).length === 0
      ? unchanged(read, hooks.recalledBefore(row))
      : write(client, current, row, read, changed, hooks);
  };
}
