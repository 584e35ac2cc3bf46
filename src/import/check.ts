import type { EmptyCells, MatchBy } from '../options.js';
import type { ConversationPatch, InvalidCode, LineSpan, SourceRecord } from '../types.js';
import { cleanCell, codePointLength, LANGUAGE, MAX_NAME_CODE_POINTS, UUID } from '../values.js';
import type { HeaderMap } from './header.js';

/** Which conversation a row addresses. */
export type RowTarget = { by: 'id'; id: string } | { by: 'customer_identifier'; identifier: string; channel: string | null };

/** A data row after validation. */
export type CheckedRow =
  | (LineSpan & { kind: 'valid'; target: RowTarget; patch: ConversationPatch })
  | (LineSpan & { kind: 'invalid'; id: string | null; patch: ConversationPatch; code: InvalidCode; message: string });

export interface ValidateOptions {
  empty: EmptyCells;
  matchBy: MatchBy;
}

type InvalidRow = Extract<CheckedRow, { kind: 'invalid' }>;

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

  // Two plain lookups, not a loop over a field list: this runs once per row of files of millions.
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
