// A cell as the text a person sees, and its kind: a number, date or boolean in an id or a phone
// column is named, not guessed at.
import { UsageError } from '../errors.js';
import { decodeEscapes } from './rich-text.js';
import type { TypedCell } from '../types.js';
import type { SharedStrings } from './shared-strings.js';

/** `no_result`: a formula saved without its cached result. */
export type CellKind = 'text' | TypedCell['kind'];

export interface CellContext {
  strings: SharedStrings;
  dateStyles: readonly boolean[];
  date1904: boolean;
  where: string;
}

/** One `<c>`: its `t` and `s`, what `<v>` and `<is>` held, and whether it had `<f>`. */
export interface RawCell {
  type: string;
  style: number;
  value: string | null;
  inline: string | null;
  formula: boolean;
}

const NO_RESULT = Object.freeze({ text: '', kind: 'no_result' as const });

/** Null for an empty cell. `row` names the cell in an error only. */
export function cellValue(cell: RawCell & { column: number }, ctx: CellContext, row: number): { text: string; kind: CellKind } | null {
  const { value } = cell;
  const missing = cell.formula ? NO_RESULT : null;
  switch (cell.type) {
    case 's': {
      const text = ctx.strings.get(Number(value));
      if (text === undefined) {
        throw new UsageError(
          `${ctx.where}: cell ${cellRef(cell.column, row)} refers to shared string ${value}, and the table holds ${ctx.strings.count}; the workbook is damaged: save it again from Excel or LibreOffice`,
          'damaged_workbook',
        );
      }
      return text === '' ? null : { text, kind: 'text' };
    }
    case 'inlineStr': {
      const text = cell.inline ?? (value === null ? '' : decodeEscapes(value));
      return text === '' ? null : { text, kind: 'text' };
    }
    case 'str':
      if (value === null) return missing;
      return value === '' ? null : { text: decodeEscapes(value), kind: 'text' };
    case 'e':
      return { text: value ?? '#N/A', kind: 'error' };
    case 'b':
      return value === null ? missing : { text: value === '1' || value === 'true' ? 'TRUE' : 'FALSE', kind: 'boolean' };
    case 'd':
      return value === null ? missing : { text: value, kind: 'date' };
    default: {
      if (value === null || value === '') return missing;
      if (ctx.dateStyles[cell.style] === true) {
        const iso = serialToIso(Number(value), ctx.date1904);
        if (iso !== null) return { text: iso, kind: 'date' };
      }
      return { text: value, kind: 'number' };
    }
  }
}

const DAY_MS = 86_400_000;
const EPOCH_1900 = Date.UTC(1899, 11, 30);
const EPOCH_1904 = Date.UTC(1904, 0, 1);

/**
 * ISO 8601, a date alone when there is no time of day. Excel's 1900 system counts a 29 February
 * 1900 that never was (serial 60): serials before it are one day off.
 */
export function serialToIso(serial: number, date1904: boolean): string | null {
  if (!Number.isFinite(serial) || serial < 0 || serial > 2_958_466) return null;
  const epoch = date1904 ? EPOCH_1904 : serial < 61 ? EPOCH_1900 + DAY_MS : EPOCH_1900;
  const seconds = Math.round(serial * 86_400);
  const iso = new Date(epoch + seconds * 1000).toISOString();
  return seconds % 86_400 === 0 ? iso.slice(0, 10) : iso.slice(0, 19);
}

/** 0-based, from a reference such as `B12`; -1 if it has no letters. */
export function columnOf(ref: string): number {
  let column = 0;
  let i = 0;
  for (; i < ref.length; i++) {
    const c = ref.charCodeAt(i) | 0x20; // lower case
    if (c < 0x61 || c > 0x7a) break;
    column = column * 26 + (c - 0x60);
    if (column > 1_000_000) break;
  }
  return i === 0 ? -1 : column - 1;
}

export function cellRef(column: number, row: number): string {
  let letters = '';
  for (let n = column + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(0x41 + ((n - 1) % 26)) + letters;
  return `${letters}${row}`;
}
