import type { ApiClient, ApiResult } from '../../api/client.js';
import type { ConversationPatch, RowOutcome, WritableValues } from '../../types.js';
import { differingFields } from '../../values.js';
import type { CheckedRow } from '../read/check.js';

export type ValidRow = Extract<CheckedRow, { kind: 'valid' }>;

export interface HandledRow {
  /** Null when the row never resolved to a conversation. */
  id: string | null;
  outcome: RowOutcome;
  before: WritableValues | null;
}

export interface HandlerHooks {
  /** Before-values an interrupted run journaled (its PATCH may have landed): used over a fresh read. */
  recalledBefore(row: ValidRow): WritableValues | undefined;
  /** Fsync'd before the PATCH that changes them is sent. */
  beforeWrite(row: ValidRow, id: string, before: WritableValues): void;
}

export type RowHandler = (row: ValidRow, hooks: HandlerHooks) => Promise<HandledRow>;

export function importHandler(client: ApiClient): RowHandler {
  return async (row) => {
    if (row.target.by !== 'id') throw new Error('internal: import by id got a row keyed by customer_identifier');
    return { id: row.target.id, outcome: await patchRow(client, row.target.id, row.patch), before: null };
  };
}

/** Never throws for HTTP trouble. */
export async function patchRow(client: ApiClient, id: string, patch: ConversationPatch): Promise<RowOutcome> {
  const result = await client.patchConversation(id, patch);
  if (!result.ok) return failureOutcome(result);
  if (result.data.id.toLowerCase() !== id.toLowerCase()) {
    return {
      kind: 'failed',
      code: 'mismatch',
      message: `the API answered 200 with conversation ${result.data.id}, not ${id}: the write cannot be confirmed`,
      httpStatus: result.status,
      attempts: result.attempts,
    };
  }
  const differing = differingFields(patch, result.data);
  if (differing.length > 0) {
    // A 200 whose body is not what we sent: the server changed or ignored a value. Retrying would not help.
    return {
      kind: 'failed',
      code: 'mismatch',
      message: `the API answered 200 but ${differing
        .map((f) => `${f} is ${JSON.stringify(result.data[f])}, sent ${JSON.stringify(patch[f])}`)
        .join('; ')}`,
      httpStatus: result.status,
      attempts: result.attempts,
    };
  }
  return { kind: 'updated', httpStatus: result.status, attempts: result.attempts };
}

export function failureOutcome(result: Extract<ApiResult<unknown>, { ok: false }>): RowOutcome {
  const { status, message, attempts } = result;
  switch (result.code) {
    case 'bad_request':
      return { kind: 'invalid', code: 'bad_request', message, httpStatus: status, attempts };
    case 'aborted':
      return {
        kind: 'not_attempted',
        code: 'aborted',
        message:
          attempts > 0 ? `stopped before another try (${attempts} earlier attempts failed)` : 'the run stopped before this row was sent',
        attempts,
      };
    default:
      return { kind: 'failed', code: result.code, message, httpStatus: status, attempts };
  }
}
