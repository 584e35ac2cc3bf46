/**
 * What `--resume` needs from a journal, in typed arrays rather than a Map of parsed rows: per line
 * its record's place in the file (offset, length), what kind it is and its id's hash, about 21 bytes a row. A
 * record is read back from the journal (one positional read) only when the resumed run reaches
 * its line, so a resume of a million rows holds no million objects.
 */
import { closeSync, openSync, statSync } from 'node:fs';
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

/** A row settled `unchanged` or `invalid`: never sent again. */
const SETTLED = 1;
/** A row that failed or was not attempted: sent again, unless a later row of its id was updated. */
const UNSETTLED = 2;
/** Before-values journaled ahead of a PATCH. */
const BEFORE = 3;
/** A row with an id settled `updated`: never sent again, and it supersedes earlier failed rows of its id. */
const UPDATED = 4;

/** Fewer bytes than any journal record takes, with its newline (a short one is ~110). */
const MIN_RECORD_BYTES = 64;

/** The journal's size, bytes (0 when there is none: the scan says so). */
function journalBytes(runDir: string): number {
  try {
    return statSync(journalPath(runDir)).size;
  } catch {
    return 0;
  }
}

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

/**
 * Per input line, 1 + the journal entry that speaks for it (0: none): one pass in journal order,
 * no sort. The last row record of a line speaks for it, and a row record outranks before-values
 * of the same line (its PATCH settled). Four bytes per physical line of the input.
 */
class EntryByLine {
  array: Uint32Array<ArrayBuffer>;

  constructor(
    private readonly kinds: Column<Uint8Array<ArrayBuffer>>,
    lines: number,
  ) {
    this.array = new Uint32Array(lines);
  }

  note(line: number, entry: number, isRow: boolean): void {
    if (line >= this.array.length) {
      const bigger = new Uint32Array(Math.max(line + 1, this.array.length * 2));
      bigger.set(this.array);
      this.array = bigger;
    }
    const slot = this.array[line] ?? 0;
    if (isRow || slot === 0 || !this.isRow(slot - 1)) this.array[line] = entry + 1;
  }

  private isRow(entry: number): boolean {
    return this.kinds.array[entry] !== BEFORE;
  }
}

const isSettled = (kind: number | undefined): boolean => kind === SETTLED || kind === UPDATED;

/** The compact index of one journal; `close()` releases its file. */
export class JournalIndex {
  /** By input line, 1 + the journal entry that speaks for it (0: none). */
  private readonly entryOfLine: Uint32Array;
  private readonly offsets: Float64Array;
  private readonly lengths: Uint32Array;
  private readonly kinds: Uint8Array;
  /** Per entry, the hash of its row's id (0 without one): a failed row looks for a later update without a read. */
  private readonly idHashes: Uint32Array;
  /** `updated` rows with an id, sorted by the id's hash: which later row supersedes a failed one. */
  private readonly updatedHash: Uint32Array;
  private readonly updatedEntry: Uint32Array;
  private fd: number | null;

  readonly carried: CarriedRows;
  private carriedCount: number | null = null;
  readonly befores: LineLookup<WritableValues>;

  private constructor(
    private readonly file: string,
    parts: IndexParts & UpdatedByHash,
  ) {
    this.entryOfLine = parts.entryOfLine;
    this.offsets = parts.offsets;
    this.lengths = parts.lengths;
    this.kinds = parts.kinds;
    this.idHashes = parts.idHashes;
    this.updatedHash = parts.updatedHash;
    this.updatedEntry = parts.updatedEntry;
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

  /** Journal entries held in memory (a resume of an early interruption holds next to none). */
  get heldEntries(): number {
    return this.kinds.length;
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
    // Room for the most records the journal's size allows: the pages of a typed array cost memory
    // only once written, while growing by doubling would leave each outgrown copy to the GC.
    const capacity = Math.max(1024, Math.ceil(journalBytes(runDir) / MIN_RECORD_BYTES));
    const offsets = new Column(new Float64Array(capacity));
    const lengths = new Column(new Uint32Array(capacity));
    const kinds = new Column(new Uint8Array(capacity));
    const idHashes = new Column(new Uint32Array(capacity));
    const byLine = new EntryByLine(kinds, capacity);
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
      if (record.type === 'requests' || record.type === 'facts') return;
      const entry = offsets.length;
      offsets.push(offset);
      lengths.push(length);
      if (record.type === 'row') {
        const outcome = record.outcome.kind;
        kinds.push(
          outcome === 'updated' && record.id !== null
            ? UPDATED
            : outcome === 'updated' || outcome === 'unchanged' || outcome === 'invalid'
              ? SETTLED
              : UNSETTLED,
        );
        idHashes.push(record.id === null ? 0 : idHash(record.id));
      } else {
        kinds.push(BEFORE);
        idHashes.push(0);
      }
      byLine.note(record.line, entry, record.type === 'row');
    });
    const n = offsets.length;
    const scanned: IndexParts = {
      entryOfLine: byLine.array,
      offsets: offsets.array.subarray(0, n),
      lengths: lengths.array.subarray(0, n),
      kinds: kinds.array.subarray(0, n),
      idHashes: idHashes.array.subarray(0, n),
    };
    const index = new JournalIndex(journalPath(runDir), withoutResent(scanned, updatedByHash(scanned)));
    return { index, run, clearsGuard, tornLastLine };
  }

  /** The journal entry that speaks for a line, or -1. */
  private entryAt(line: number): number {
    return (this.entryOfLine[line] ?? 0) - 1;
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
    if (isSettled(this.kinds[entry])) return true;
    if (!this.mayBeUpdated(entry)) return false;
    const row = this.row(entry);
    return row.id !== null && this.updatedLater(row.id, row.line);
  }

  /** Counted once, when first asked (the confirmation's preview). */
  private countCarried(): number {
    if (this.carriedCount === null) {
      let n = 0;
      for (const slot of this.entryOfLine) if (slot !== 0 && this.isCarried(slot - 1)) n++;
      this.carriedCount = n;
    }
    return this.carriedCount;
  }

  private carriedRow(line: number): RowResult | undefined {
    const entry = this.entryAt(line);
    if (entry < 0 || this.kinds[entry] === BEFORE) return undefined;
    if (this.kinds[entry] === UNSETTLED && !this.mayBeUpdated(entry)) return undefined;
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

  /** Whether some `updated` row has this entry's id hash: false spares reading the entry back. */
  private mayBeUpdated(entry: number): boolean {
    return mayBeUpdated(this.idHashes[entry] ?? 0, this.updatedHash);
  }

  private firstUpdated(hash: number): number {
    return firstWithHash(hash, this.updatedHash);
  }

  /** Whether a row after `line` with this id ended `updated` (hash first, then the records compared). */
  private updatedLater(id: string, line: number): boolean {
    const hash = idHash(id);
    for (let i = this.firstUpdated(hash); i < this.updatedHash.length && this.updatedHash[i] === hash; i++) {
      const other = this.row(this.updatedEntry[i] ?? 0);
      if (other.id === id && other.line > line) return true;
    }
    return false;
  }
}

/** The index's columns: by line, the entry that speaks for it; by entry, where it is and what. */
interface IndexParts {
  entryOfLine: Uint32Array;
  offsets: Float64Array;
  lengths: Uint32Array;
  kinds: Uint8Array;
  idHashes: Uint32Array;
}

/** `updated` rows with an id, sorted by the id's hash, and their entries. */
interface UpdatedByHash {
  updatedHash: Uint32Array;
  updatedEntry: Uint32Array;
}

/** The `updated` rows by id hash, from the columns alone (no record read back). */
function updatedByHash(parts: IndexParts): UpdatedByHash {
  let count = 0;
  for (const slot of parts.entryOfLine) if (slot !== 0 && parts.kinds[slot - 1] === UPDATED) count++;
  const pairs = new BigUint64Array(count);
  let at = 0;
  for (const slot of parts.entryOfLine) {
    const entry = slot - 1;
    if (slot !== 0 && parts.kinds[entry] === UPDATED) pairs[at++] = (BigInt(parts.idHashes[entry] ?? 0) << 32n) | BigInt(entry);
  }
  // Hash and entry packed in one 64-bit number sort without a comparator, which would copy the
  // array into a temporary one of boxed numbers.
  const sorted = pairs.sort();
  return {
    updatedHash: Uint32Array.from(sorted, (pair) => Number(pair >> 32n)),
    updatedEntry: Uint32Array.from(sorted, (pair) => Number(pair & 0xffffffffn)),
  };
}

/**
 * The columns without the entries of failed or not-attempted rows that no updated row can
 * supersede: such a line is sent again, exactly as a line with no entry, so only its speaking for
 * the line matters (its before-values are not kept either). A run interrupted early journals
 * nearly every row `not_attempted`; its resume then holds none of them.
 */
function withoutResent(parts: IndexParts, updated: UpdatedByHash): IndexParts & UpdatedByHash {
  const { entryOfLine, kinds, idHashes } = parts;
  const newEntry = new Uint32Array(kinds.length);
  let kept = 0;
  for (let line = 0; line < entryOfLine.length; line++) {
    const slot = entryOfLine[line] ?? 0;
    if (slot === 0) continue;
    const entry = slot - 1;
    if (kinds[entry] === UNSETTLED && !mayBeUpdated(idHashes[entry] ?? 0, updated.updatedHash)) {
      entryOfLine[line] = 0;
      continue;
    }
    newEntry[entry] = kept + 1;
    entryOfLine[line] = ++kept;
  }
  const offsets = new Float64Array(kept);
  const lengths = new Uint32Array(kept);
  const keptKinds = new Uint8Array(kept);
  const keptHashes = new Uint32Array(kept);
  for (let entry = 0; entry < kinds.length; entry++) {
    const to = (newEntry[entry] ?? 0) - 1;
    if (to < 0) continue;
    offsets[to] = parts.offsets[entry] ?? 0;
    lengths[to] = parts.lengths[entry] ?? 0;
    keptKinds[to] = kinds[entry] ?? 0;
    keptHashes[to] = idHashes[entry] ?? 0;
  }
  return {
    entryOfLine,
    offsets,
    lengths,
    kinds: keptKinds,
    idHashes: keptHashes,
    updatedHash: updated.updatedHash,
    updatedEntry: updated.updatedEntry.map((entry) => (newEntry[entry] ?? 0) - 1),
  };
}

/** Whether an entry of this id hash (0: no id) may be superseded by an `updated` row. */
function mayBeUpdated(hash: number, updatedHash: Uint32Array): boolean {
  return hash !== 0 && updatedHash[firstWithHash(hash, updatedHash)] === hash;
}

/** Where the entries of this hash start in a sorted list of hashes. */
function firstWithHash(hash: number, sorted: Uint32Array): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? 0) < hash) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** FNV-1a over UTF-16 code units. */
function idHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
