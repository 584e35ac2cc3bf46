import type { ResultFields, RowOutcome, RowResult } from '../types.js';
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
function outcomeCells(outcome: RowOutcome): Pick<ResultFields, 'http_status' | 'error_code' | 'message' | 'attempts'> {
  switch (outcome.kind) {
    case 'updated':
    case 'unchanged':
    case 'would_update':
      return { http_status: outcome.httpStatus, error_code: null, message: null, attempts: outcome.attempts };
    case 'valid':
      return { http_status: null, error_code: null, message: null, attempts: 0 };
    case 'invalid':
    case 'failed':
      return { http_status: outcome.httpStatus, error_code: outcome.code, message: outcome.message, attempts: outcome.attempts };
    case 'not_attempted':
      return { http_status: null, error_code: outcome.code, message: outcome.message, attempts: outcome.attempts };
  }
}

/** A row's results.csv fields; `supersededBy` marks a row a later row of the same id overwrote. */
export function resultFields(row: RowResult, supersededBy: number | undefined): ResultFields {
  const cells = outcomeCells(row.outcome);
  if (supersededBy !== undefined) {
    cells.error_code = 'superseded';
    cells.message = `${cells.message ?? row.outcome.kind}; superseded by line ${supersededBy}, which updated this id`;
  }
  return {
    line: row.line,
    id: row.id,
    outcome: row.outcome.kind,
    ...cells,
    customer_name: row.patch.customer_name ?? null,
    customer_language: row.patch.customer_language ?? null,
    before_customer_name: row.before?.customer_name ?? null,
    before_customer_language: row.before?.customer_language ?? null,
  };
}

/** One results.csv line, in RESULTS_HEADER order. */
export function resultLine(row: RowResult, supersededBy: number | undefined): string {
  const fields = resultFields(row, supersededBy);
  return csvLine(
    RESULTS_HEADER.map((column) => fields[column]),
    { neutralise: true },
  );
}

/** Rows that go to failed.csv to be fixed and re-imported. */
export function needsRetry(row: RowResult, superseded: boolean): boolean {
  const kind = row.outcome.kind;
  return !superseded && (kind === 'invalid' || kind === 'failed' || kind === 'not_attempted');
}
