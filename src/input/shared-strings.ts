/**
 * The shared strings table (xl/sharedStrings.xml): every text cell of an Excel- or
 * LibreOffice-saved sheet is an index into it, so it is read before the sheet and held while the
 * sheet is read. Held as UTF-8 in a few large buffers with an offset and a length per string:
 * a million strings as JS strings would cost several times their text in headers and pointers,
 * and a string cut from saxes' input can keep that whole input chunk alive.
 */
import { UsageError } from '../errors.js';
import { RichText } from './rich-text.js';
import { parsePart } from './xml-events.js';

/** Text and index together at most this much; a larger table is refused, not held. */
export const MAX_TABLE_BYTES = 192 * 1024 ** 2;
/** One buffer of text; a string (32,767 characters, 3 bytes each at most) never spans two. */
const CHUNK_BYTES = 4 * 1024 ** 2;
/** A string's offset and length. */
const INDEX_BYTES_PER_STRING = 12;

export class SharedStrings {
  private readonly chunks: Buffer[] = [];
  private used = CHUNK_BYTES;
  private starts = new Float64Array(1024);
  private lengths = new Uint32Array(1024);
  private bytes = 0;
  count = 0;

  constructor(private readonly label: string) {}

  add(text: string): void {
    const length = Buffer.byteLength(text);
    this.bytes += length + INDEX_BYTES_PER_STRING;
    if (this.bytes > MAX_TABLE_BYTES) {
      throw new UsageError(
        `${this.label}: its shared strings take over ${MAX_TABLE_BYTES / 1024 ** 2} MiB, more than is read into memory; save the sheet as CSV UTF-8 and import that`,
        'workbook_limit',
      );
    }
    if (this.used + length > CHUNK_BYTES) {
      this.chunks.push(Buffer.allocUnsafe(CHUNK_BYTES));
      this.used = 0;
    }
    const chunk = this.chunks.length - 1;
    (this.chunks[chunk] as Buffer).write(text, this.used, 'utf8');
    if (this.count === this.starts.length) this.grow();
    this.starts[this.count] = chunk * CHUNK_BYTES + this.used;
    this.lengths[this.count] = length;
    this.count++;
    this.used += length;
  }

  /** The string at `index`, or undefined past the end. */
  get(index: number): string | undefined {
    if (!(index >= 0 && index < this.count)) return undefined;
    const start = this.starts[index] as number;
    const chunk = this.chunks[Math.floor(start / CHUNK_BYTES)] as Buffer;
    const from = start % CHUNK_BYTES;
    return chunk.toString('utf8', from, from + (this.lengths[index] as number));
  }

  private grow(): void {
    const starts = new Float64Array(this.starts.length * 2);
    starts.set(this.starts);
    this.starts = starts;
    const lengths = new Uint32Array(this.lengths.length * 2);
    lengths.set(this.lengths);
    this.lengths = lengths;
  }
}

/** Reads the table from its part's text (null: the workbook has none): each `<si>` is one string, rich text runs joined, phonetic runs left out. */
export async function readSharedStrings(xml: AsyncIterable<string> | null, label: string, where: string): Promise<SharedStrings> {
  const table = new SharedStrings(label);
  if (xml === null) return table;
  const text = new RichText(where);
  await parsePart(
    xml,
    {
      open: (name) => {
        if (name === 'si') text.start();
        else text.open(name);
      },
      close: (name) => {
        if (name === 'si') table.add(text.finish());
        else text.close(name);
      },
      text: (t) => text.append(t),
      wantsText: () => text.capturing,
    },
    where,
  );
  return table;
}
