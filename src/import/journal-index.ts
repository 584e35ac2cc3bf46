/**
 * What `--resume` needs from a journal, in typed arrays rather than a Map of parsed rows: per line
 * its record's place in the file (offset, length) and what kind it is, about 30 bytes a row. A
 * record is read back from the journal (one positional read) only when the resumed run reaches
 * its line, so a resume of a million rows holds no million objects.
 */
import { closeSync, openSync } from 'node:fs';
import type { RowResult, WritableValues } from '../types.js';
import {
  type JournalClearsGuard,
  type JournalRecord,
  type JournalRow,
  type JournalRun,
  journalPath,
  readJournalRecordAt,
  scanJournal,
} from './journal-records.js';

/** A row settled `updated`, `unchanged` or `invalid`: never sent again. */
const SETTLED = 1;
/** A row that failed or was not attempted: sent again, unless a later row of its id was updated. */
const UNSETTLED = 2;
/** Before-values journaled ahead of a PATCH. */
const BEFORE = 3;

/** Lookups by line, in any order (the run asks in increasing line order). */
export interface LineLookup<T> {
  get(line: number): T | undefined;
}

/** The rows a resume carries over: by line, whether a line is one, and how many. */
export interface CarriedRows extends LineLookup<RowResult> {
  has(line: number): boolean;
  readonly size: number;
}

/** Numbers in a typed array that doubles when full. */
class Column<A extends Uint8Array<ArrayBuffer> | Uint32Array<ArrayBuffer> | Float64Array<ArrayBuffer>> {
  length = 0;
  constructor(public array: A) {}

  push(value: number): void {
    if (this.length === this.array.length) {
      const bigger = new (this.array.constructor as new (n: number) => A)(this.array.length * 2);
      bigger.set(this.array);
      this.array = bigger;
    }
    this.array[this.length++] = value;
  }
}

/** The compact index of one journal; `close()` releases its file. */
export class JournalIndex {
  /** Sorted lines, and for each the journal entry that speaks for it. */
  private readonly lines: Uint32Array;
  private readonly entryOf: Uint32Array;
  private readonly offsets: Float64Array;
  private readonly lengths: Uint32Array;
  private readonly kinds: Uint8Array;
  /** `updated` rows with an id, sorted by the id's hash: which later row supersedes a failed one. */
  private updatedHash: Uint32Array = new Uint32Array(0);
  private updatedEntry: Uint32Array = new Uint32Array(0);
  private fd: number | null;

  readonly carried: CarriedRows;
  private carriedCount: number | null = null;
  readonly befores: LineLookup<WritableValues>;

  private constructor(
    private readonly file: string,
    parts: {
      lines: Uint32Array;
      entryOf: Uint32Array;
      offsets: Float64Array;
      lengths: Uint32Array;
      kinds: Uint8Array;
    },
  ) {
    this.lines = parts.lines;
    this.entryOf = parts.entryOf;
    this.offsets = parts.offsets;
    this.lengths = parts.lengths;
    this.kinds = parts.kinds;
    this.fd = openSync(file, 'r');
    const index = this;
    this.carried = {
      get: (line) => this.carriedRow(line),
      has: (line) => this.isCarried(this.entryAt(line)),
      get size() {
        return index.countCarried();
      },
    };
    this.befores = { get: (line) => this.before(line) };
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /**
   * Reads a run's journal once, through the journal's schema: the first run header, the last clears
   * guard decision, and the rows and before-values indexed. A torn last line is skipped
   * (`tornLastLine`); a damaged line before it rejects (journal_corrupt).
   */
  static async read(runDir: string): Promise<{
    index: JournalIndex;
    run: JournalRun | undefined;
    clearsGuard: JournalClearsGuard | null;
    tornLastLine: boolean;
  }> {
    const lines = new Column(new Uint32Array(1024));
    const offsets = new Column(new Float64Array(1024));
    const lengths = new Column(new Uint32Array(1024));
    const kinds = new Column(new Uint8Array(1024));
    let run: JournalRun | undefined;
    let clearsGuard: JournalClearsGuard | null = null;
    const { tornLastLine } = await scanJournal(runDir, (record, offset, length) => {
      if (record.type === 'run') {
        run ??= record;
        return;
      }
      if (record.type === 'clears_guard') {
        clearsGuard = record;
        return;
      }
      const outcome = record.type === 'row' ? record.outcome.kind : null;
      lines.push(record.line);
      offsets.push(offset);
      lengths.push(length);
      kinds.push(
        outcome === null ? BEFORE : outcome === 'updated' || outcome === 'unchanged' || outcome === 'invalid' ? SETTLED : UNSETTLED,
      );
    });
    const index = JournalIndex.build(journalPath(runDir), lines, offsets, lengths, kinds);
    return { index, run, clearsGuard, tornLastLine };
  }

  private static build(
    file: string,
    lineCol: Column<Uint32Array<ArrayBuffer>>,
    offsetCol: Column<Float64Array<ArrayBuffer>>,
    lengthCol: Column<Uint32Array<ArrayBuffer>>,
    kindCol: Column<Uint8Array<ArrayBuffer>>,
  ): JournalIndex {
    const n = lineCol.length;
    const entryLines = lineCol.array;
    const kinds = kindCol.array.subarray(0, n);
    // Entries by line, then by journal order: the last row record of a line speaks for it, and a
    // row record outranks before-values of the same line (its PATCH settled).
    const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => (entryLines[a] ?? 0) - (entryLines[b] ?? 0) || a - b);
    const lines = new Column(new Uint32Array(Math.max(1, n)));
    const entryOf = new Column(new Uint32Array(Math.max(1, n)));
    for (let i = 0; i < n; ) {
      const line = entryLines[order[i] ?? 0] ?? 0;
      let chosen = -1;
      let chosenIsRow = false;
      for (; i < n && entryLines[order[i] ?? 0] === line; i++) {
        const entry = order[i] ?? 0;
        const isRow = kinds[entry] !== BEFORE;
        if (isRow || !chosenIsRow) {
          chosen = entry;
          chosenIsRow = isRow;
        }
      }
      lines.push(line);
      entryOf.push(chosen);
    }
    const index = new JournalIndex(file, {
      lines: lines.array.subarray(0, lines.length),
      entryOf: entryOf.array.subarray(0, entryOf.length),
      offsets: offsetCol.array.subarray(0, n),
      lengths: lengthCol.array.subarray(0, n),
      kinds,
    });
    return index.withUpdated();
  }

  /** Adds the `updated` rows by id hash (reading those records once to learn their ids). */
  private withUpdated(): JournalIndex {
    const hashes = new Column(new Uint32Array(1024));
    const entries = new Column(new Uint32Array(1024));
    for (let i = 0; i < this.entryOf.length; i++) {
      const entry = this.entryOf[i] ?? 0;
      if (this.kinds[entry] !== SETTLED) continue;
      const row = this.row(entry);
      if (row.outcome.kind !== 'updated' || row.id === null) continue;
      hashes.push(idHash(row.id));
      entries.push(entry);
    }
    const order = Uint32Array.from({ length: hashes.length }, (_, i) => i).sort((a, b) => (hashes.array[a] ?? 0) - (hashes.array[b] ?? 0));
    this.updatedHash = order.map((i) => hashes.array[i] ?? 0);
    this.updatedEntry = order.map((i) => entries.array[i] ?? 0);
    return this;
  }

  /** The journal entry that speaks for a line, or -1. */
  private entryAt(line: number): number {
    let lo = 0;
    let hi = this.lines.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.lines[mid] ?? 0;
      if (at === line) return this.entryOf[mid] ?? -1;
      if (at < line) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private record(entry: number): JournalRecord {
    if (this.fd === null) throw new Error(`internal: the journal index of ${this.file} was closed`);
    return readJournalRecordAt(this.fd, this.offsets[entry] ?? 0, this.lengths[entry] ?? 0);
  }

  private row(entry: number): JournalRow {
    const record = this.record(entry);
    if (record.type !== 'row') throw new Error(`internal: journal entry ${entry} of ${this.file} is not a row`);
    return record;
  }

  /**
   * Rows settled `updated`, `unchanged` or `invalid` are not sent again, nor is a failed row whose id a
   * later row updated: re-sending it would bring back older data (contract: superseded).
   */
  private isCarried(entry: number): boolean {
    if (entry < 0 || this.kinds[entry] === BEFORE) return false;
    if (this.kinds[entry] === SETTLED) return true;
    const row = this.row(entry);
    return row.id !== null && this.updatedLater(row.id, row.line);
  }

  /** Counted once, when first asked (the confirmation's preview). */
  private countCarried(): number {
    if (this.carriedCount === null) {
      let n = 0;
      for (const entry of this.entryOf) if (this.isCarried(entry)) n++;
      this.carriedCount = n;
    }
    return this.carriedCount;
  }

  private carriedRow(line: number): RowResult | undefined {
    const entry = this.entryAt(line);
    if (entry < 0 || this.kinds[entry] === BEFORE) return undefined;
    const row = this.row(entry);
    if (this.kinds[entry] === UNSETTLED && !(row.id !== null && this.updatedLater(row.id, row.line))) return undefined;
    const copyFrom = row.copy_from === undefined ? {} : { copyFrom: row.copy_from };
    return { line: row.line, endLine: row.end_line, ...copyFrom, id: row.id, outcome: row.outcome, patch: row.patch, before: row.before };
  }

  private before(line: number): WritableValues | undefined {
    const entry = this.entryAt(line);
    if (entry < 0 || this.kinds[entry] !== BEFORE) return undefined;
    const record = this.record(entry);
    return record.type === 'before' ? record.before : undefined;
  }

  /** Whether a row after `line` with this id ended `updated` (hash first, then the records compared). */
  private updatedLater(id: string, line: number): boolean {
    const hash = idHash(id);
    let lo = 0;
    let hi = this.updatedHash.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.updatedHash[mid] ?? 0) < hash) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.updatedHash.length && this.updatedHash[i] === hash; i++) {
      const other = this.row(this.updatedEntry[i] ?? 0);
      if (other.id === id && other.line > line) return true;
    }
    return false;
  }
}

/** FNV-1a over UTF-16 code units. */
function idHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
