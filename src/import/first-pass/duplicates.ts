/** Exact duplicate keys in memory that does not grow with the file: a Bloom filter and a key log (CONTRIBUTING.md, "Reading the file"). */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { FILE_MODE } from '../../report/files.js';
import { BloomFilter } from './bloom-filter.js';
import { hashText, hashWords, second, uuidText, uuidWords } from './key-hash.js';

/** Probes per key: near the optimum (ln 2 · bits per key) at the default sizing's ~14 bits per row. */
const PROBES = 7;
/** Filter bits per byte of input: a CSV row holding a UUID takes 40 bytes or more, so at least ~10 bits per row. */
const BITS_PER_INPUT_BYTE = 1 / 4;
const MIN_BITS = 2 ** 16;
/** 64 MiB: past ~2 GB of input the filter stops growing and only gives more (checked) false positives. */
const MAX_BITS = 2 ** 29;
const LOG_BUFFER_BYTES = 64 * 1024;
const READ_BUFFER_BYTES = 1024 * 1024;

export function bloomBitsForInput(bytes: number): number {
  return Math.min(MAX_BITS, Math.max(MIN_BITS, Math.ceil(bytes * BITS_PER_INPUT_BYTE)));
}

export class DuplicateFinder {
  private readonly seen: BloomFilter;
  private readonly candidates = new Set<string>();
  private readonly uuids: KeyLog;
  private readonly texts: KeyLog;
  private readonly words = new Uint32Array(4);

  /** `logPath`: removed by `finish()` and `discard()`. */
  constructor(opts: { logPath: string; bloomBits: number }) {
    this.seen = new BloomFilter(opts.bloomBits, PROBES);
    this.uuids = new KeyLog(opts.logPath);
    this.texts = new KeyLog(`${opts.logPath}-text`);
  }

  /** Roughly: the filter, the log buffers and the candidates. */
  get memoryBytes(): number {
    let candidateChars = 0;
    for (const key of this.candidates) candidateChars += key.length;
    return this.seen.byteLength + 2 * LOG_BUFFER_BYTES + candidateChars * 2;
  }

  /** An upper bound of the duplicates: true repeats plus false positives. */
  get candidateCount(): number {
    return this.candidates.size;
  }

  add(key: string): void {
    const words = this.words;
    if (uuidWords(key, words)) {
      const h1 = hashWords(words);
      this.uuids.addWords(words);
      // A new string, not `key`: a slice would keep its whole chunk of text alive.
      if (this.seen.add(h1, second(h1))) this.candidates.add(uuidText(words));
    } else {
      const h1 = hashText(key);
      this.texts.addText(key);
      if (this.seen.add(h1, second(h1))) this.candidates.add(key);
    }
  }

  /** The keys added more than once; removes the logs. */
  async finish(): Promise<Set<string>> {
    this.uuids.close();
    this.texts.close();
    try {
      return this.candidates.size === 0 ? new Set() : await this.countCandidates();
    } finally {
      this.discard();
    }
  }

  discard(): void {
    this.uuids.remove();
    this.texts.remove();
  }

  /** The candidates' hashes are checked first: no string is built for any other key. */
  private async countCandidates(): Promise<Set<string>> {
    const words = this.words;
    const wanted = new Set<number>();
    for (const key of this.candidates) wanted.add(uuidWords(key, words) ? hashWords(words) : hashText(key));
    const counts = new Map<string, number>();
    const count = (key: string): void => {
      if (this.candidates.has(key)) counts.set(key, (counts.get(key) ?? 0) + 1);
    };
    await this.uuids.readWords((w) => {
      if (wanted.has(hashWords(w))) count(uuidText(w));
    });
    await this.texts.readTexts((key) => {
      if (wanted.has(hashText(key))) count(key);
    });
    const repeated = new Set<string>();
    for (const key of this.candidates) if ((counts.get(key) ?? 0) > 1) repeated.add(key);
    return repeated;
  }
}

/** An append-only file of keys: UUIDs as four 32-bit words, other keys as a length and UTF-8 bytes; created on the first key. */
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

  remove(): void {
    this.used = 0;
    this.close();
    rmSync(this.path, { force: true });
  }

  readWords(each: (words: Uint32Array) => void): Promise<void> {
    const key = new Uint32Array(4);
    return this.read((buffer, filled) => {
      const whole = filled - (filled % 16);
      const chunk = new Uint32Array(buffer.buffer, buffer.byteOffset, whole >>> 2);
      for (let at = 0; at < chunk.length; at += 4) {
        key[0] = chunk[at] ?? 0;
        key[1] = chunk[at + 1] ?? 0;
        key[2] = chunk[at + 2] ?? 0;
        key[3] = chunk[at + 3] ?? 0;
        each(key);
      }
      return whole;
    });
  }

  readTexts(each: (key: string) => void): Promise<void> {
    return this.read((buffer, filled) => {
      let at = 0;
      while (filled - at >= 4) {
        const length = buffer.readUInt32LE(at);
        if (filled - at < 4 + length) break;
        each(buffer.toString('utf8', at + 4, at + 4 + length));
        at += 4 + length;
      }
      return at;
    });
  }

  /** `take` gets the bytes read so far and returns how many it used (whole records). */
  private async read(take: (buffer: Buffer, filled: number) => number): Promise<void> {
    if (this.fd === null) return;
    const file = await open(this.path, 'r');
    try {
      // Not from the shared pool: a Uint32Array view needs an aligned offset.
      let buffer = Buffer.alloc(READ_BUFFER_BYTES);
      let filled = 0;
      for (;;) {
        const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, null);
        filled += bytesRead;
        const used = take(buffer, filled);
        buffer.copy(buffer, 0, used, filled);
        filled -= used;
        if (bytesRead === 0) break;
        // A key longer than the buffer: make room for the whole record.
        if (filled === buffer.length) buffer = Buffer.concat([buffer, Buffer.alloc(buffer.length)]);
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
