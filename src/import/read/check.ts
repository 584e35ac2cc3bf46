import type { EmptyCells, MappableField, MatchBy } from '../../options.js';
import type { ConversationPatch, InvalidCode, LineSpan, SourceRecord, TypedCell } from '../../types.js';
import { cleanCell, codePointLength, LANGUAGE, MAX_NAME_CODE_POINTS, UUID } from '../../values.js';
import type { HeaderMap } from './header.js';
import { normaliseIdentifier } from './identifier.js';

export type RowTarget = { by: 'id'; id: string } | { by: 'customer_identifier'; identifier: string; channel: string | null };

export type CheckedRow =
  | (LineSpan & { kind: 'valid'; target: RowTarget; patch: ConversationPatch })
  | (LineSpan & { kind: 'invalid'; id: string | null; patch: ConversationPatch; code: InvalidCode; message: string });

export interface ValidateOptions {
  empty: EmptyCells;
  matchBy: MatchBy;
}

type InvalidRow = Extract<CheckedRow, { kind: 'invalid' }>;

export function checkRecords(records: readonly SourceRecord[], header: HeaderMap, opts: ValidateOptions): CheckedRow[] {
  const rows = new Array<CheckedRow>(records.length);
  for (let i = 0; i < records.length; i++) rows[i] = checkRecord(records[i] as SourceRecord, header, opts);
  return rows;
}

export function checkRecord(record: SourceRecord, header: HeaderMap, opts: ValidateOptions): CheckedRow {
  if (record.kind === 'broken') {
    return { ...spanOf(record), kind: 'invalid', id: null, patch: {}, code: record.code, message: record.message };
  }
  const { cells } = record;
  const { columns } = header;
  const rawId = columns.id === undefined ? undefined : cells[columns.id];
  const idText = rawId === undefined ? null : cleanCell(rawId);

  if (record.badEncoding) {
    return invalid(
      record,
      idText,
      'bad_encoding',
      'the row holds bytes that are not valid in the file encoding (or a NUL byte); nothing was sent. Wrong encoding? Try --encoding windows-1252',
    );
  }
  if (cells.length !== header.width) {
    return invalid(record, idText, 'ragged_row', `the row has ${cells.length} cells, the header has ${header.width}`);
  }
  if (record.stray !== undefined) {
    return invalid(record, idText, 'ragged_row', `cell ${record.stray} holds a value beyond the header's ${header.width} columns`);
  }
  if (record.typed !== undefined) {
    const problem = typedCellProblem(record.typed, cells, header);
    if (problem !== null) return invalid(record, idText, problem.code, problem.message);
  }

  // Two plain lookups, not a loop over a field list: the hot path.
  const patch: ConversationPatch = {};
  const rawName = columns.customer_name === undefined ? undefined : cells[columns.customer_name];
  if (rawName !== undefined) {
    const value = cleanCell(rawName);
    if (value !== '') patch.customer_name = value;
    else if (opts.empty === 'null') patch.customer_name = null;
  }
  const rawLanguage = columns.customer_language === undefined ? undefined : cells[columns.customer_language];
  if (rawLanguage !== undefined) {
    const value = cleanCell(rawLanguage);
    if (value !== '') patch.customer_language = value;
    else if (opts.empty === 'null') patch.customer_language = null;
  }

  let target: RowTarget;
  if (opts.matchBy === 'id') {
    if (idText === null || idText === '') return invalid(record, idText, 'invalid_uuid', 'the id cell is empty', patch);
    if (!UUID.test(idText)) {
      return invalid(record, idText, 'invalid_uuid', `id ${JSON.stringify(idText)} is not a UUID (expected 8-4-4-4-12 hex digits)`, patch);
    }
    target = { by: 'id', id: idText.toLowerCase() };
  } else {
    const rawIdentifier = columns.customer_identifier === undefined ? undefined : cells[columns.customer_identifier];
    const identifier = cleanCell(rawIdentifier ?? '');
    if (identifier === '') return invalid(record, idText, 'missing_id', 'the customer_identifier cell is empty', patch);
    const rawChannel = columns.channel === undefined ? undefined : cells[columns.channel];
    const channel = cleanCell(rawChannel ?? '');
    target = { by: 'customer_identifier', identifier, channel: channel === '' ? null : channel };
  }

  const name = patch.customer_name;
  // UTF-16 units are never fewer than code points: only a long name needs counting.
  if (typeof name === 'string' && name.length > MAX_NAME_CODE_POINTS && codePointLength(name) > MAX_NAME_CODE_POINTS) {
    return invalid(
      record,
      idText,
      'name_too_long',
      `customer_name has ${codePointLength(name)} characters; the API allows ${MAX_NAME_CODE_POINTS}`,
      patch,
    );
  }
  const language = patch.customer_language;
  if (typeof language === 'string' && !LANGUAGE.test(language)) {
    return invalid(
      record,
      idText,
      'bad_language',
      `customer_language ${JSON.stringify(language)} must be a two-letter lower-case code, optionally with an upper-case region (en, en-US)`,
      patch,
    );
  }
  if (patch.customer_name === undefined && patch.customer_language === undefined) {
    return invalid(record, idText, 'no_fields', 'every field is empty and --empty keep leaves empty cells out: nothing to send', patch);
  }
  if (record.copyFrom !== undefined) return { ...spanOf(record), kind: 'valid', target, patch };
  return { line: record.line, endLine: record.endLine, kind: 'valid', target, patch };
}

const KIND_WORDS = { number: 'a number', date: 'a date', boolean: 'TRUE/FALSE (a boolean)' } as const;

/** A number, date or boolean is never guessed back into text: Excel may have dropped a leading 0 or rounded the digits. */
function typedCellProblem(
  typed: readonly TypedCell[],
  cells: readonly string[],
  header: HeaderMap,
): { code: InvalidCode; message: string } | null {
  let notText: { cell: TypedCell; field: string } | null = null;
  for (const cell of typed) {
    const field = (Object.keys(header.columns) as MappableField[]).find((f) => header.columns[f] === cell.column);
    if (field === undefined) continue;
    if (cell.kind === 'error')
      return {
        code: 'cell_error',
        message: `cell ${cell.ref} (${field}) holds the error ${cells[cell.column]}: fix its formula or type the value`,
      };
    if (cell.kind === 'no_result') {
      return {
        code: 'cell_error',
        message: `cell ${cell.ref} (${field}) is a formula saved without its result: save the workbook from Excel or LibreOffice, or paste the values`,
      };
    }
    notText ??= { cell, field };
  }
  if (notText === null) return null;
  const { cell, field } = notText;
  return {
    code: 'not_text',
    message: `cell ${cell.ref} (${field}) is ${KIND_WORDS[cell.kind as keyof typeof KIND_WORDS]}, not text: re-enter the column's values as text (format the column as Text, then type them again: the Text format alone does not convert numbers already typed)`,
  };
}

function spanOf(record: SourceRecord): LineSpan {
  return { line: record.line, endLine: record.endLine, ...(record.copyFrom !== undefined ? { copyFrom: record.copyFrom } : {}) };
}

function invalid(
  record: SourceRecord,
  idText: string | null,
  code: InvalidCode,
  message: string,
  patch: ConversationPatch = {},
): InvalidRow {
  return {
    ...spanOf(record),
    kind: 'invalid',
    id: idText === null || idText === '' ? null : UUID.test(idText) ? idText.toLowerCase() : idText,
    patch,
    code,
    message,
  };
}

/** Identifiers keyed normalised and without the channel: two spellings of one phone never race. */
export function targetKey(target: RowTarget): string {
  return target.by === 'id' ? target.id : `\u0000${normaliseIdentifier(target.identifier)}`;
}
