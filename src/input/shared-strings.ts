// The shared strings table, read before the sheet and held while it is read: as UTF-8 in a few
// large buffers, not JS strings (why: CONTRIBUTING.md, "Shared strings").
import { UsageError } from '../errors.js';
import { RichText } from './rich-text.js';
import { parsePart } from './xml-events.js';

/** Text and index; a larger table is refused, not held. */
const MAX_TABLE_BYTES = 192 * 1024 ** 2;
/** A string (32,767 characters, 3 bytes each at most) never spans two. */
const CHUNK_BYTES = 4 * 1024 ** 2;
const INDEX_BYTES_PER_STRING = 8;

export class SharedStrings {
  private readonly chunks: Buffer[] = [];
  private used = CHUNK_BYTES;
  /** Each string's offset in all the text and its length: under 4 GiB, as the table is. */
  private index = new Uint32Array(2048);
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
    if (2 * this.count === this.index.length) {
      const index = new Uint32Array(this.index.length * 2);
      index.set(this.index);
      this.index = index;
    }
    this.index[2 * this.count] = chunk * CHUNK_BYTES + this.used;
    this.index[2 * this.count + 1] = length;
    this.count++;
    this.used += length;
  }

  get(index: number): string | undefined {
    if (!(index >= 0 && index < this.count)) return undefined;
    const start = this.index[2 * index] as number;
    const chunk = this.chunks[Math.floor(start / CHUNK_BYTES)] as Buffer;
    const from = start % CHUNK_BYTES;
    return chunk.toString('utf8', from, from + (this.index[2 * index + 1] as number));
  }
}

/** `xml` null: the workbook has no table. */
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
    },
    where,
  );
  return table;
}
