// A worksheet's `<row r><c r t s><f/><v/><is/></c></row>` → the records the CSV reader yields,
// `line` = the row number. The header's last non-empty cell sets the width; a value beyond it marks
// the row `stray`. Cells that are not text are listed in `typed`: the checks decide.
import { UsageError } from '../errors.js';
import type { SourceRecord, TypedCell } from '../types.js';
import { type CellContext, type CellKind, cellRef, cellValue, columnOf, type RawCell } from './cell-values.js';
import { MAX_CELL_CHARS, RichText } from './rich-text.js';
import type { XmlHandlers } from './xml-events.js';

/** Excel's grid, to column XFD. */
const MAX_ROWS = 1_048_576;
const MAX_COLUMNS = 16_384;

export class SheetRows implements XmlHandlers {
  private records: SourceRecord[] = [];
  private width = -1;
  private row = 0;
  private inRow = false;
  private lastColumn = -1;
  private readonly columns: number[] = [];
  private readonly texts: string[] = [];
  private readonly kinds: CellKind[] = [];
  private cell: (RawCell & { column: number }) | null = null;
  private inValue = false;
  private inInline = false;
  private readonly rich: RichText;

  constructor(private readonly ctx: CellContext) {
    this.rich = new RichText(ctx.where);
  }

  take(): SourceRecord[] {
    const records = this.records;
    this.records = [];
    return records;
  }

  text(text: string): void {
    if (this.inInline) {
      this.rich.append(text);
    } else if (this.inValue) {
      const cell = this.cell as RawCell;
      cell.value += text;
      if ((cell.value as string).length > MAX_CELL_CHARS * 7)
        this.fail(`a cell value of over ${MAX_CELL_CHARS} characters`, 'workbook_limit');
    }
  }

  open(name: string, a: Readonly<Record<string, string>>): void {
    const cell = this.cell;
    if (this.inInline) this.rich.open(name);
    else if (name === 'row') this.openRow(a.r);
    else if (!this.inRow) return;
    else if (name === 'c') this.openCell(a);
    else if (cell === null) return;
    else if (name === 'v') {
      this.inValue = true;
      cell.value = '';
    } else if (name === 'f') cell.formula = true;
    else if (name === 'is') {
      this.inInline = true;
      this.rich.start();
    }
  }

  close(name: string): void {
    if (this.inInline && name !== 'is') this.rich.close(name);
    else if (this.inInline) {
      this.inInline = false;
      (this.cell as RawCell).inline = this.rich.finish();
    } else if (name === 'v') this.inValue = false;
    else if (name === 'c') this.closeCell();
    else if (name === 'row') this.closeRow();
  }

  private openRow(r: string | undefined): void {
    const row = r === undefined ? this.row + 1 : Number(r);
    if (!Number.isInteger(row) || row <= this.row || row > MAX_ROWS) {
      this.fail(`row number ${r ?? row} after row ${this.row} (rows go up, to ${MAX_ROWS} at most)`, 'damaged_workbook');
    }
    this.row = row;
    this.inRow = true;
    this.lastColumn = -1;
    this.columns.length = 0;
    this.texts.length = 0;
    this.kinds.length = 0;
  }

  private openCell(a: Readonly<Record<string, string>>): void {
    const column = a.r === undefined ? this.lastColumn + 1 : columnOf(a.r);
    if (column <= this.lastColumn || column >= MAX_COLUMNS) {
      this.fail(`cell ${a.r ?? `number ${column + 1}`} of row ${this.row} is out of order or beyond column XFD`, 'damaged_workbook');
    }
    this.lastColumn = column;
    this.cell = { column, type: a.t ?? 'n', style: a.s === undefined ? 0 : Number(a.s), value: null, inline: null, formula: false };
  }

  private closeCell(): void {
    const cell = this.cell;
    this.cell = null;
    this.inValue = false;
    if (cell === null) return;
    const value = cellValue(cell, this.ctx, this.row);
    if (value === null) return;
    this.columns.push(cell.column);
    this.texts.push(value.text);
    this.kinds.push(value.kind);
  }

  private closeRow(): void {
    this.inRow = false;
    const { columns, texts, kinds } = this;
    let blank = true;
    for (let i = 0; i < texts.length && blank; i++) blank = kinds[i] === 'text' && (texts[i] as string).trim() === '';
    if (blank) return;
    // Object literals, not spreads: a spread per row cost half the reader's time (measured).
    const row = this.row;
    const header = this.width < 0;
    if (header) this.width = (columns[columns.length - 1] as number) + 1;
    const cells = new Array<string>(this.width).fill('');
    let typed: TypedCell[] | undefined;
    let stray: string | undefined;
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i] as number;
      const kind = kinds[i] as CellKind;
      if (column >= this.width) {
        if (kind !== 'text' || (texts[i] as string).trim() !== '') stray ??= cellRef(column, row);
        continue;
      }
      cells[column] = texts[i] as string;
      // The header's cells are names, whatever their kind.
      if (kind === 'text' || header) continue;
      typed ??= [];
      typed.push({ column, ref: cellRef(column, row), kind });
    }
    const record: SourceRecord = { line: row, endLine: row, kind: 'record', cells, badEncoding: false };
    if (typed !== undefined) record.typed = typed;
    if (stray !== undefined) record.stray = stray;
    this.records.push(record);
  }

  private fail(what: string, code: 'damaged_workbook' | 'workbook_limit'): never {
    const advice =
      code === 'damaged_workbook'
        ? 'the workbook is damaged: open it in Excel or LibreOffice and save it again as .xlsx'
        : 'the workbook is not read';
    throw new UsageError(`${this.ctx.where}: ${what}; ${advice}`, code);
  }
}
