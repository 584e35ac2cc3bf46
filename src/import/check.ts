import { z } from 'zod';
import type { EmptyCells, MatchBy } from '../options.js';
import type { ConversationPatch, InvalidCode, LineSpan, SourceRecord, WritableField } from '../types.js';
import { cleanCell, codePointLength, LANGUAGE, MAX_NAME_CODE_POINTS, UUID } from '../values.js';
import type { HeaderMap } from './header.js';

const uuidSchema = z.string().regex(UUID);
const nameSchema = z.string().refine((s) => codePointLength(s) <= MAX_NAME_CODE_POINTS);
const languageSchema = z.string().regex(LANGUAGE);

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
  const span: LineSpan = {
    line: record.line,
    endLine: record.endLine,
    ...(record.copyFrom !== undefined ? { copyFrom: record.copyFrom } : {}),
  };
  if (record.kind === 'broken') {
    return { ...span, kind: 'invalid', id: null, patch: {}, code: record.code, message: record.message };
  }
  const cell = (index: number | undefined): string | undefined => (index === undefined ? undefined : record.cells[index]);
  const rawId = cell(header.columns.id);
  const idText = rawId === undefined ? null : cleanCell(rawId);
  const invalid = (code: InvalidCode, message: string, patch: ConversationPatch = {}): InvalidRow => ({
    ...span,
    kind: 'invalid',
    id: idText === null || idText === '' ? null : UUID.test(idText) ? idText.toLowerCase() : idText,
    patch,
    code,
    message,
  });

  if (record.badEncoding) {
    return invalid(
      'bad_encoding',
      'the row holds bytes that are not valid in the file encoding (or a NUL byte); nothing was sent. Wrong encoding? Try --encoding windows-1252',
    );
  }
  if (record.cells.length !== header.width) {
    return invalid('ragged_row', `the row has ${record.cells.length} cells, the header has ${header.width}`);
  }

  const patch: ConversationPatch = {};
  const fields: [WritableField, number | undefined][] = [
    ['customer_name', header.columns.customer_name],
    ['customer_language', header.columns.customer_language],
  ];
  for (const [field, index] of fields) {
    const raw = cell(index);
    if (raw === undefined) continue;
    const value = cleanCell(raw);
    if (value !== '') patch[field] = value;
    else if (opts.empty === 'null') patch[field] = null;
  }

  let target: RowTarget;
  if (opts.matchBy === 'id') {
    if (idText === null || idText === '') return invalid('invalid_uuid', 'the id cell is empty', patch);
    if (!uuidSchema.safeParse(idText).success) {
      return invalid('invalid_uuid', `id ${JSON.stringify(idText)} is not a UUID (expected 8-4-4-4-12 hex digits)`, patch);
    }
    target = { by: 'id', id: idText.toLowerCase() };
  } else {
    const identifier = cleanCell(cell(header.columns.customer_identifier) ?? '');
    if (identifier === '') return invalid('missing_id', 'the customer_identifier cell is empty', patch);
    const channel = cleanCell(cell(header.columns.channel) ?? '');
    target = { by: 'customer_identifier', identifier, channel: channel === '' ? null : channel };
  }

  const name = patch.customer_name;
  if (typeof name === 'string' && !nameSchema.safeParse(name).success) {
    return invalid('name_too_long', `customer_name has ${codePointLength(name)} characters; the API allows ${MAX_NAME_CODE_POINTS}`, patch);
  }
  const language = patch.customer_language;
  if (typeof language === 'string' && !languageSchema.safeParse(language).success) {
    return invalid(
      'bad_language',
      `customer_language ${JSON.stringify(language)} must be a two-letter lower-case code, optionally with an upper-case region (en, en-US)`,
      patch,
    );
  }
  if (Object.keys(patch).length === 0) {
    return invalid('no_fields', 'every field is empty and --empty keep leaves empty cells out: nothing to send', patch);
  }
  return { ...span, kind: 'valid', target, patch };
}
