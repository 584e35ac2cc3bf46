import type { ResultFields, RowErrorCode, RowOutcome, RowResult } from '../types.js';
import { cellBound, csvLine, NUMBER_CELL_BOUND, putByte, putCell, putNumber } from './csv.js';

const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;

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

// One function per cell: no object per row.
function httpStatusOf(outcome: RowOutcome): number | null {
  return outcome.kind === 'valid' || outcome.kind === 'not_attempted' ? null : outcome.httpStatus;
}

function errorCodeOf(outcome: RowOutcome): RowErrorCode | null {
  return outcome.kind === 'invalid' || outcome.kind === 'failed' || outcome.kind === 'not_attempted' ? outcome.code : null;
}

function messageOf(outcome: RowOutcome): string | null {
  return outcome.kind === 'invalid' || outcome.kind === 'failed' || outcome.kind === 'not_attempted' ? outcome.message : null;
}

function attemptsOf(outcome: RowOutcome): number {
  return outcome.kind === 'valid' ? 0 : outcome.attempts;
}

function supersededMessage(outcome: RowOutcome, supersededBy: number): string {
  return `${messageOf(outcome) ?? outcome.kind}; superseded by line ${supersededBy}, which updated this id`;
}

/** `supersededBy`: the line of a later row of the same id that was updated. */
export function resultFields(row: RowResult, supersededBy: number | undefined): ResultFields {
  const { outcome } = row;
  return {
    line: row.line,
    id: row.id,
    outcome: outcome.kind,
    http_status: httpStatusOf(outcome),
    error_code: supersededBy === undefined ? errorCodeOf(outcome) : 'superseded',
    message: supersededBy === undefined ? messageOf(outcome) : supersededMessage(outcome, supersededBy),
    attempts: attemptsOf(outcome),
    customer_name: row.patch.customer_name ?? null,
    customer_language: row.patch.customer_language ?? null,
    before_customer_name: row.before?.customer_name ?? null,
    before_customer_language: row.before?.customer_language ?? null,
  };
}

/** `csvLine` of `resultFields`, as bytes from `at`; -1 when it might not fit. */
export function writeResultLine(out: Uint8Array, at: number, row: RowResult, supersededBy: number | undefined): number {
  const { outcome } = row;
  const code = supersededBy === undefined ? errorCodeOf(outcome) : 'superseded';
  const message = supersededBy === undefined ? messageOf(outcome) : supersededMessage(outcome, supersededBy);
  if (at + lineBound(row, code, message) > out.length) return -1;
  let end = putNumber(out, at, row.line);
  end = putCell(out, putByte(out, end, COMMA), row.id, true);
  end = putCell(out, putByte(out, end, COMMA), outcome.kind, true);
  end = putNumber(out, putByte(out, end, COMMA), httpStatusOf(outcome));
  end = putCell(out, putByte(out, end, COMMA), code, true);
  end = putCell(out, putByte(out, end, COMMA), message, true);
  end = putNumber(out, putByte(out, end, COMMA), attemptsOf(outcome));
  end = putCell(out, putByte(out, end, COMMA), row.patch.customer_name ?? null, true);
  end = putCell(out, putByte(out, end, COMMA), row.patch.customer_language ?? null, true);
  end = putCell(out, putByte(out, end, COMMA), row.before?.customer_name ?? null, true);
  end = putCell(out, putByte(out, end, COMMA), row.before?.customer_language ?? null, true);
  return putByte(out, putByte(out, end, CR), LF);
}

export function resultLineBound(row: RowResult, supersededBy: number | undefined): number {
  const { outcome } = row;
  if (supersededBy === undefined) return lineBound(row, errorCodeOf(outcome), messageOf(outcome));
  return lineBound(row, 'superseded', supersededMessage(outcome, supersededBy));
}

function lineBound(row: RowResult, code: string | null, message: string | null): number {
  return (
    3 * NUMBER_CELL_BOUND +
    cellBound(row.id) +
    cellBound(row.outcome.kind) +
    cellBound(code) +
    cellBound(message) +
    cellBound(row.patch.customer_name ?? null) +
    cellBound(row.patch.customer_language ?? null) +
    cellBound(row.before?.customer_name ?? null) +
    cellBound(row.before?.customer_language ?? null) +
    12
  );
}

/** Rows for failed.csv. */
export function needsRetry(row: RowResult, superseded: boolean): boolean {
  const kind = row.outcome.kind;
  return !superseded && (kind === 'invalid' || kind === 'failed' || kind === 'not_attempted');
}
