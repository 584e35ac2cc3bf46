import { FORMULA_START } from '../values.js';

type Cell = string | number | null | undefined;

/** RFC 4180 quoting: only when the cell holds a quote, the delimiter, CR or LF. `null` is an empty cell. */
export function csvCell(value: Cell, delimiter = ','): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  return needsQuotes(value, delimiter.charCodeAt(0)) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One pass over the cell for a quote, CR, LF or the delimiter (results.csv has one line per row). */
function needsQuotes(text: string, delimiter: number): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 || c === 0x0d || c === 0x0a || c === delimiter) return true;
  }
  return false;
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
