/**
 * The plain text of a string item (a shared string `<si>`, an inline string `<is>`): its `<t>`, or
 * the `<t>` of each rich-text run `<r>` joined; phonetic guides (`<rPh>`, furigana) are not part of it.
 */
import { UsageError } from '../errors.js';

/** Excel's own limit for one cell; anything longer was not written by a spreadsheet. */
export const MAX_CELL_CHARS = 32_767;

export class RichText {
  private value = '';
  private inT = false;
  private phonetic = 0;
  private active = false;

  constructor(private readonly where: string) {}

  get capturing(): boolean {
    return this.inT && this.phonetic === 0;
  }

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
    // An escape `_xHHHH_` is 7 characters for one.
    this.value += text;
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

/**
 * ECMA-376 §22.9.2.19 (ST_Xstring): a character XML cannot carry (a CR, a control character) is
 * written `_xHHHH_`, and a literal `_x` that looks like one as `_x005F_x…`.
 */
export function decodeEscapes(text: string): string {
  if (!text.includes('_x')) return text;
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}
