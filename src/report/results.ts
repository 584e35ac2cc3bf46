import type { RowOutcome, RowResult } from '../types.js';
import { csvLine } from './csv.js';

/** results.csv columns, exactly and in this order (contract). */
export const RESULTS_HEADER = [
  'line',
  'id',
  'outcome',
  'http_status',
  'error_code',
  'message',
  'attempts',
  'customer_name',
  'customer_language',
  'before_customer_name',
  'before_customer_language',
] as const;

export function resultsHeaderLine(): string {
  return csvLine(RESULTS_HEADER, { neutralise: false });
}

/** The outcome-specific cells: http_status, error_code, message, attempts. */
function outcomeCells(outcome: RowOutcome): [number | null, string | null, string | null, number | null] {
  switch (outcome.kind) {
    case 'updated':
    case 'unchanged':
    case 'would_update':
      return [outcome.httpStatus, null, null, outcome.attempts];
    case 'valid':
      return [null, null, null, 0];
    case 'invalid':
    case 'failed':
      return [outcome.httpStatus, outcome.code, outcome.message, outcome.attempts];
    case 'not_attempted':
      return [null, outcome.code, outcome.message, 0];
  }
}

/** One results.csv line; `supersededBy` marks a row a later row of the same id overwrote. */
export function resultLine(row: RowResult, supersededBy: number | undefined): string {
  let [status, code, message, attempts] = outcomeCells(row.outcome);
  if (supersededBy !== undefined) {
    code = 'superseded';
    message = `${message ?? row.outcome.kind}; superseded by line ${supersededBy}, which updated this id`;
  }
  return csvLine(
    [
      row.line,
      row.id,
      row.outcome.kind,
      status,
      code,
      message,
      attempts,
      row.patch.customer_name,
      row.patch.customer_language,
      row.before?.customer_name,
      row.before?.customer_language,
    ],
    { neutralise: true },
  );
}

/** Rows that go to failed.csv to be fixed and re-imported. */
export function needsRetry(row: RowResult, superseded: boolean): boolean {
  const kind = row.outcome.kind;
  return !superseded && (kind === 'invalid' || kind === 'failed' || kind === 'not_attempted');
}
