import { FORMULA_START } from '../pipeline/validate.js';

type Cell = string | number | null | undefined;

/** Characters that make a cell need quotes (RFC 4180), besides the delimiter. */
const NEEDS_QUOTES = /["\r\n]/;

/** RFC 4180 quoting: only when the cell holds a quote, the delimiter, CR or LF. `null` is an empty cell. */
export function csvCell(value: Cell, delimiter = ','): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  const needsQuotes = NEEDS_QUOTES.test(text) || text.includes(delimiter);
  return needsQuotes ? `"${text.replaceAll('"', '""')}"` : text;
}

/** For files people open in a spreadsheet: a leading `=`, `+`, `-`, `@`, tab or CR gets a `'` so it stays text. */
export function neutralise(value: Cell): Cell {
  return typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : value;
}

/** One line: a loop, not map/join, since results.csv writes one per input row. */
export function csvLine(cells: readonly Cell[], opts: { neutralise: boolean; delimiter?: string }): string {
  const delimiter = opts.delimiter ?? ',';
  let line = '';
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (i > 0) line += delimiter;
    line += csvCell(opts.neutralise ? neutralise(cell) : cell, delimiter);
  }
  return `${line}\r\n`;
}
