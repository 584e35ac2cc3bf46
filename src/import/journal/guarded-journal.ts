import type { RunFolderWrites } from '../../report/run-folder-writes.js';
import { RunFolderWriteError, writeFault } from '../../report/write-fault.js';
import { Journal } from './journal.js';
import type { JournalBefore, JournalRecord } from './journal-records.js';

/** The run's journal, written through {@link RunFolderWrites}: counts what it holds, never throws. */
export class GuardedJournal {
  /** Rows with a final outcome (not `not_attempted`) that reached the journal. */
  journaledRows = 0;
  private readonly journal: Journal;

  constructor(
    readonly path: string,
    private readonly writes: RunFolderWrites,
  ) {
    // Creating it is the run's first write: a folder that cannot take it fails before any request.
    try {
      this.journal = new Journal(path);
    } catch (error) {
      throw writeFault(path, error);
    }
  }

  /** Appends a record (a row with a final outcome is counted); false when it is not in the journal. */
  append(record: JournalRecord): boolean {
    const written = this.writes.write(this.path, () => this.journal.append(record));
    if (written && record.type === 'row' && record.outcome.kind !== 'not_attempted') this.journaledRows++;
    return written;
  }

  /** Appends and forces to disk (before-values, before their PATCH); throws the fault when it cannot, so the PATCH is not sent. */
  appendDurably(record: JournalBefore): void {
    if (!this.append(record) || !this.writes.write(this.path, () => this.journal.sync())) {
      throw this.writes.faultOf(this.path) ?? new RunFolderWriteError(this.path, 'EIO');
    }
  }

  sync(): boolean {
    return this.writes.write(this.path, () => this.journal.sync());
  }

  async close(): Promise<void> {
    // A journal that failed is still closed (its file descriptor), but its error was told already.
    if (this.writes.isBroken(this.path)) await this.journal.close().catch(() => undefined);
    else await this.writes.writeAsync(this.path, () => this.journal.close());
  }
}
