/**
 * Exact duplicate detection in memory that does not grow with the file: a Bloom filter says which
 * keys may have been seen before (the candidates), and every key also goes, 16 bytes for a UUID,
 * to a log file in the run folder; `finish()` reads the log back once and counts the candidates
 * exactly. Only the candidates (true repeats plus the filter's few false positives) are held as
 * strings. Why this and not an external sort: one sequential write and one sequential read of a
 * small binary file, no sorting, and the first pass over the CSV is the only pass over the CSV.
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { FILE_MODE } from '../../report/files.js';
import { BloomFilter } from './bloom-filter.js';

/** Probes per key: near the optimum (ln 2 · bits per key) at the default sizing's ~14 bits per row. */
const PROBES = 7;
/** Filter bits per byte of input: a CSV row holding a UUID takes 40 bytes or more, so at least ~10 bits per row. */
const BITS_PER_INPUT_BYTE = 1 / 4;
const MIN_BITS = 2 ** 16;
/** 64 MiB: past ~2 GB of input the filter stops growing and only gives more (checked) false positives. */
const MAX_BITS = 2 ** 29;
const LOG_BUFFER_BYTES = 64 * 1024;
const READ_BUFFER_BYTES = 1024 * 1024;

/** The filter size for an input of this many bytes. */
export function bloomBitsForInput(bytes: number): number {
  return Math.min(MAX_BITS, Math.max(MIN_BITS, Math.ceil(bytes * BITS_PER_INPUT_BYTE)));
}

export interface DuplicateFinderOptions {
  /** The key log, created private; removed by `finish()` and `discard()`. */
  logPath: string;
  /** Size of the Bloom filter, in bits (tests use tiny ones: every check a false positive). */
  bloomBits: number;
}

/** Finds the keys that occur more than once among those added, exactly. */
export class DuplicateFinder {
  private readonly seen: BloomFilter;
  private readonly candidates = new Set<string>();
  private readonly uuids: KeyLog;
  private readonly texts: KeyLog;
  private readonly words = new Uint32Array(4);

  constructor(opts: DuplicateFinderOptions) {
    this.seen = new BloomFilter(opts.bloomBits, PROBES);
    this.uuids = new KeyLog(opts.logPath);
    this.texts = new KeyLog(`${opts.logPath}-text`);
  }

  /** Bytes held in memory: the filter, the log buffers, and the candidates (roughly, as strings). */
  get memoryBytes(): number {
    let candidateChars = 0;
    for (const key of this.candidates) candidateChars += key.length;
    return this.seen.byteLength + 2 * LOG_BUFFER_BYTES + candidateChars * 2;
  }

  /** Keys the filter could not rule out as repeats (an upper bound of the duplicates). */
  get candidateCount(): number {
    return this.candidates.size;
  }

  add(key: string): void {
    const words = this.words;
    if (uuidWords(key, words)) {
      const h1 = hashWords(words, SEED_1);
      this.uuids.addWords(words);
      // A new string, not `key`: that may be a slice of the chunk of text it was read from, which
      // a candidate kept to the end of the pass would keep alive with it.
      if (this.seen.add(h1, second(h1))) this.candidates.add(uuidText(words));
    } else {
      const h1 = hashText(key, SEED_1);
      this.texts.addText(key);
      if (this.seen.add(h1, second(h1))) this.candidates.add(key);
    }
  }

  /** The keys added more than once (in the order the filter first flagged them); removes the logs. */
  async finish(): Promise<Set<string>> {
    this.uuids.close();
    this.texts.close();
    try {
      return this.candidates.size === 0 ? new Set() : await this.countCandidates();
    } finally {
      this.discard();
    }
  }

  /** Drops the logs without counting (the run stopped before the scan ended). */
  discard(): void {
    this.uuids.remove();
    this.texts.remove();
  }

  /** One read of each log: a small filter of the candidates spares building a string for every other key. */
  private async countCandidates(): Promise<Set<string>> {
    const words = this.words;
    const wanted = new BloomFilter(this.candidates.size * 16, PROBES);
    for (const key of this.candidates) {
      const h1 = uuidWords(key, words) ? hashWords(words, SEED_1) : hashText(key, SEED_1);
      wanted.add(h1, second(h1));
    }
    const counts = new Map<string, number>();
    const count = (key: string): void => {
      if (this.candidates.has(key)) counts.set(key, (counts.get(key) ?? 0) + 1);
    };
    await this.uuids.readWords((w) => {
      const h1 = hashWords(w, SEED_1);
      if (wanted.has(h1, second(h1))) count(uuidText(w));
    });
    await this.texts.readTexts((key) => {
      const h1 = hashText(key, SEED_1);
      if (wanted.has(h1, second(h1))) count(key);
    });
    const repeated = new Set<string>();
    for (const key of this.candidates) if ((counts.get(key) ?? 0) > 1) repeated.add(key);
    return repeated;
  }
}

const SEED_1 = 0x9747b28c;
const SEED_2 = 0x85ebca6b;

/**
 * An append-only file of keys: UUIDs as four 32-bit words (16 bytes), other keys as a length and
 * their UTF-8 bytes. Written through a fixed buffer; created on the first key.
 */
class KeyLog {
  private fd: number | null = null;
  private readonly words = new Uint32Array(LOG_BUFFER_BYTES / 4);
  private readonly bytes = Buffer.from(this.words.buffer);
  private used = 0;
  private closed = false;

  constructor(private readonly path: string) {}

  addWords(key: Uint32Array): void {
    if (this.used + 16 > this.bytes.length) this.flush();
    const at = this.used >>> 2;
    this.words[at] = key[0] ?? 0;
    this.words[at + 1] = key[1] ?? 0;
    this.words[at + 2] = key[2] ?? 0;
    this.words[at + 3] = key[3] ?? 0;
    this.used += 16;
  }

  addText(key: string): void {
    const length = Buffer.byteLength(key, 'utf8');
    if (this.used + 4 + length > this.bytes.length) this.flush();
    if (4 + length > this.bytes.length) {
      const record = Buffer.allocUnsafe(4 + length);
      record.writeUInt32LE(length, 0);
      record.write(key, 4, 'utf8');
      this.writeOut(record, record.length);
      return;
    }
    this.bytes.writeUInt32LE(length, this.used);
    this.bytes.write(key, this.used + 4, 'utf8');
    this.used += 4 + length;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.flush();
    } finally {
      if (this.fd !== null) closeSync(this.fd);
    }
  }

  /** Closes (dropping what is still buffered) and deletes the file. */
  remove(): void {
    this.used = 0;
    this.close();
    rmSync(this.path, { force: true });
  }

  async readWords(each: (words: Uint32Array) => void): Promise<void> {
    if (this.fd === null) return;
    const chunk = new Uint32Array(READ_BUFFER_BYTES / 4);
    const bytes = Buffer.from(chunk.buffer);
    const key = new Uint32Array(4);
    const file = await open(this.path, 'r');
    try {
      let filled = 0;
      for (;;) {
        const { bytesRead } = await file.read(bytes, filled, bytes.length - filled, null);
        filled += bytesRead;
        const whole = filled - (filled % 16);
        for (let at = 0; at < whole >>> 2; at += 4) {
          key[0] = chunk[at] ?? 0;
          key[1] = chunk[at + 1] ?? 0;
          key[2] = chunk[at + 2] ?? 0;
          key[3] = chunk[at + 3] ?? 0;
          each(key);
        }
        bytes.copy(bytes, 0, whole, filled);
        filled -= whole;
        if (bytesRead === 0) break;
      }
      if (filled > 0) throw new Error(`internal: the key log ${this.path} ends inside a key`);
    } finally {
      await file.close();
    }
  }

  async readTexts(each: (key: string) => void): Promise<void> {
    if (this.fd === null) return;
    const file = await open(this.path, 'r');
    try {
      let buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
      let filled = 0;
      for (;;) {
        const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, null);
        filled += bytesRead;
        let at = 0;
        while (filled - at >= 4) {
          const length = buffer.readUInt32LE(at);
          if (filled - at < 4 + length) break;
          each(buffer.toString('utf8', at + 4, at + 4 + length));
          at += 4 + length;
        }
        buffer.copy(buffer, 0, at, filled);
        filled -= at;
        if (bytesRead === 0) break;
        // A key longer than the buffer: make room for the whole record.
        if (filled === buffer.length) buffer = Buffer.concat([buffer, Buffer.allocUnsafe(buffer.length)]);
      }
      if (filled > 0) throw new Error(`internal: the key log ${this.path} ends inside a key`);
    } finally {
      await file.close();
    }
  }

  private flush(): void {
    if (this.used === 0) return;
    this.writeOut(this.bytes, this.used);
    this.used = 0;
  }

  private writeOut(bytes: Buffer, length: number): void {
    this.fd ??= openSync(this.path, 'wx', FILE_MODE);
    let from = 0;
    while (from < length) from += writeSync(this.fd, bytes, from, length - from);
  }
}

/** Hex digit values by character code (lower case only: ids are lower-cased before they get here); -1 for others. */
const HEX = Int8Array.from({ length: 128 }, (_, c) => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1));

/** Eight hex digits starting at `from`, skipping the dash at `skip` (or -1): a 32-bit word, or -1 when not hex. */
function hexWord(s: string, from: number, skip: number): number {
  let word = 0;
  let digits = 0;
  for (let i = from; digits < 8; i++) {
    if (i === skip) continue;
    const c = s.charCodeAt(i);
    const v = c < 128 ? (HEX[c] ?? -1) : -1;
    if (v < 0) return -1;
    word = (word << 4) | v;
    digits++;
  }
  return word >>> 0;
}

/** A canonical lower-case UUID as four 32-bit words (no allocation); false for any other text. */
function uuidWords(s: string, out: Uint32Array): boolean {
  if (s.length !== 36 || s.charCodeAt(8) !== 45 || s.charCodeAt(13) !== 45 || s.charCodeAt(18) !== 45 || s.charCodeAt(23) !== 45)
    return false;
  const w0 = hexWord(s, 0, -1);
  const w1 = hexWord(s, 9, 13);
  const w2 = hexWord(s, 19, 23);
  const w3 = hexWord(s, 28, -1);
  if (w0 < 0 || w1 < 0 || w2 < 0 || w3 < 0) return false;
  out[0] = w0;
  out[1] = w1;
  out[2] = w2;
  out[3] = w3;
  return true;
}

function uuidText(words: Uint32Array): string {
  const hex = (w: number | undefined): string => (w ?? 0).toString(16).padStart(8, '0');
  const a = hex(words[0]);
  const b = hex(words[1]);
  const c = hex(words[2]);
  const d = hex(words[3]);
  return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
}

/** murmur3's finaliser: spreads sequential ids (…0001, …0002) over the whole filter. */
function mix(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** The probe step, from the first hash re-mixed: good enough for double hashing, half the work of a second hash. */
function second(h1: number): number {
  return mix((h1 ^ SEED_2) >>> 0);
}

function hashWords(words: Uint32Array, seed: number): number {
  let h = seed;
  for (let i = 0; i < 4; i++) h = Math.imul(mix((h ^ (words[i] ?? 0)) >>> 0), 0x9e3779b1);
  return mix(h >>> 0);
}

/** FNV-1a over UTF-16 code units, then mixed. */
function hashText(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix(h >>> 0);
}
