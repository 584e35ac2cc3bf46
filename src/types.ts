/** Domain types shared by the stages. Names follow docs/cli.md. */

/** The two fields the API lets us write (vorel-api.md §1). */
export const WRITABLE_FIELDS = ['customer_name', 'customer_language'] as const;
export type WritableField = (typeof WRITABLE_FIELDS)[number];

/** A PATCH body: only writable fields; `null` clears, absence leaves untouched. */
export type ConversationPatch = Partial<Record<WritableField, string | null>>;

export type { Conversation } from './conversation.js';

export type WritableValues = Record<WritableField, string | null>;

export type InputEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | 'latin1';
export type DetectedDelimiter = ',' | ';' | '\t';
/** A detected delimiter, or one parseDelimiterArg checked. */
export type Delimiter = DetectedDelimiter | (string & { readonly __checkedDelimiter: true });
export type LineEnding = '\n' | '\r\n' | '\r';

/** Physical line span of one CSV record (1-based, inclusive). */
export interface LineSpan {
  line: number;
  endLine: number;
  /** Where the record's bytes start when before `line` (an unclosed quote): failed.csv copies from here. */
  copyFrom?: number;
}

/** results.csv `error_code`s, as lists for the journal's schema. */
export const INVALID_CODES = [
  'invalid_uuid',
  'name_too_long',
  'bad_language',
  'no_fields',
  'bad_encoding',
  'ragged_row',
  'unclosed_quote',
  'field_too_large',
  'missing_id',
  'ambiguous',
  'bad_request',
  'not_text',
  'cell_error',
] as const;
export type InvalidCode = (typeof INVALID_CODES)[number];

export const FAILED_CODES = [
  'not_found',
  'rate_limited',
  'server_error',
  'network',
  'timeout',
  'mismatch',
  'unauthorized',
  'forbidden',
  'unexpected_status',
  'proxy_auth',
  'certificate',
] as const;
export type FailedCode = (typeof FAILED_CODES)[number];

export const NOT_ATTEMPTED_CODES = ['aborted', 'interrupted', 'clears_guard', 'declined'] as const;
export type NotAttemptedCode = (typeof NOT_ATTEMPTED_CODES)[number];

export type RowErrorCode = InvalidCode | FailedCode | NotAttemptedCode | 'superseded';

/** What happened to one data row. */
export type RowOutcome =
  | { kind: 'updated'; httpStatus: number | null; attempts: number }
  | { kind: 'unchanged'; httpStatus: number | null; attempts: number }
  | { kind: 'valid' }
  | { kind: 'would_update'; httpStatus: number | null; attempts: number }
  | { kind: 'invalid'; code: InvalidCode; message: string; httpStatus: number | null; attempts: number }
  | { kind: 'failed'; code: FailedCode; message: string; httpStatus: number | null; attempts: number }
  | { kind: 'not_attempted'; code: NotAttemptedCode; message: string; attempts: number };

export type OutcomeKind = RowOutcome['kind'];

export const OUTCOME_KINDS: readonly OutcomeKind[] = [
  'updated',
  'unchanged',
  'valid',
  'would_update',
  'invalid',
  'failed',
  'not_attempted',
];

/** One settled row, as the report writers see it. */
export interface RowResult extends LineSpan {
  /** Lower-case when a valid UUID, else the raw cell. */
  id: string | null;
  patch: ConversationPatch;
  before: WritableValues | null;
  outcome: RowOutcome;
}

/** A record as the reader yields it (the header first). */
export type SourceRecord =
  | (LineSpan & {
      kind: 'record';
      cells: string[];
      /** The text held U+FFFD or a NUL. */
      badEncoding: boolean;
      /** A workbook row's cells that are not text (`cells` holds what a person sees). */
      typed?: readonly TypedCell[];
      /** A workbook row's first value beyond the header's columns (`F7`). */
      stray?: string;
    })
  | (LineSpan & { kind: 'broken'; code: 'unclosed_quote' | 'field_too_large'; message: string });

/** A workbook cell that is not text. */
export interface TypedCell {
  column: number;
  ref: string;
  kind: 'number' | 'date' | 'boolean' | 'error' | 'no_result';
}

/** One results.csv line as data (what `onRow` receives), `null` for an empty cell. */
export interface ResultFields {
  line: number;
  id: string | null;
  outcome: OutcomeKind;
  http_status: number | null;
  error_code: RowErrorCode | null;
  message: string | null;
  attempts: number;
  customer_name: string | null;
  customer_language: string | null;
  before_customer_name: string | null;
  before_customer_language: string | null;
}
