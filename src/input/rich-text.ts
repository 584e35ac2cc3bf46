// The plain text of a string item (a shared `<si>`, an inline `<is>`): its `<t>`, or its runs' `<t>`
// joined; phonetic guides (`<rPh>`, furigana) are left out.
import { UsageError } from '../errors.js';

/** Excel's own limit: anything longer was not written by a spreadsheet. */
export const MAX_CELL_CHARS = 32_767;

export class RichText {
  private value = '';
  private inT = false;
  private phonetic = 0;
  private active = false;

  constructor(private readonly where: string) {}

  start(): void {
    this.value = '';
    this.inT = false;
    this.phonetic = 0;
    this.active = true;
  }

  open(name: string): void {
    if (!this.active) return;
    if (name === 't') this.inT = true;
    else if (name === 'rPh') this.phonetic++;
  }

  close(name: string): void {
    if (name === 't') this.inT = false;
    else if (name === 'rPh') this.phonetic--;
  }

  append(text: string): void {
    if (!this.inT || this.phonetic > 0) return;
    this.value += text;
    // An escape `_xHHHH_` is 7 characters for one.
    if (this.value.length > MAX_CELL_CHARS * 7) tooLong(this.where, this.value.length);
  }

  finish(): string {
    this.active = false;
    const text = decodeEscapes(this.value);
    this.value = '';
    if (text.length > MAX_CELL_CHARS) tooLong(this.where, text.length);
    return text;
  }
}

function tooLong(where: string, length: number): never {
  throw new UsageError(
    `${where} holds a text of ${length} characters; a cell holds ${MAX_CELL_CHARS} at most, so the workbook is not read`,
    'workbook_limit',
  );
}

/** ECMA-376 §22.9.2.19: a character XML cannot carry (a CR) is written `_xHHHH_`, a literal `_x…` as `_x005F_x…`. */
export function decodeEscapes(text: string): string {
  if (!text.includes('_x')) return text;
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}
