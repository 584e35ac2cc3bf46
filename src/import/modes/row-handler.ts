import type { ApiClient } from '../../api/client.js';
import type { RowOutcome, WritableValues } from '../../types.js';
import { patchRow } from './send.js';
import type { CheckedRow } from '../read/check.js';

export type ValidRow = Extract<CheckedRow, { kind: 'valid' }>;

/** What sending (or reading for) one valid row came to. */
export interface HandledRow {
  /** The conversation id the row resolved to (null when it never resolved, e.g. no match). */
  id: string | null;
  outcome: RowOutcome;
  /** Values read before the write, when the mode reads them. */
  before: WritableValues | null;
}

/** Hooks the run gives a handler. */
export interface HandlerHooks {
  /** Before-values an interrupted run journaled for this row (its PATCH may have been applied): use them, not a fresh read. */
  recalledBefore(row: ValidRow): WritableValues | undefined;
  /** Journals before-values (fsync'd) before the PATCH that changes them is sent. */
  beforeWrite(row: ValidRow, id: string, before: WritableValues): void;
}

/** One mode's work for a valid row: the run supplies order, concurrency, settling and reports. */
export interface RowHandler {
  handle(row: ValidRow, hooks: HandlerHooks): Promise<HandledRow>;
}

/** `import`: PATCH every valid row. */
export function importHandler(client: ApiClient): RowHandler {
  return {
    async handle(row) {
      if (row.target.by !== 'id') throw new Error('internal: import by id got a row keyed by customer_identifier');
      return { id: row.target.id, outcome: await patchRow(client, row.target.id, row.patch), before: null };
    },
  };
}
