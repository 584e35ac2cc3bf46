/** The machine's faults a run watches for while it sends (a write failing, the folder gone, the input saved again): each stops it. */
import { type InputWatch, inputChangedMessage } from '../input/input-watch.js';
import { RunFolderWrites, writeFaultMessage } from '../report/run-folder-writes.js';
import type { RunStop } from '../report/summary.js';
import type { RowResult } from '../types.js';
import { Journal } from './journal/journal.js';
import type { StopSwitch } from './stop.js';

export class RunFaults {
  readonly writes: RunFolderWrites;
  private journal: Journal | null = null;
  private folderWatch: { check(): void; stop(): void } | null = null;
  private sending = true;
  private faultWhileSending = false;
  /** Journaled or not. */
  private settledRows = 0;

  constructor(
    private readonly input: InputWatch,
    private readonly inputPath: string,
    private readonly stop: StopSwitch,
    /** False for a plan: a resume refuses it, so a write error does not point there. */
    private readonly resumable: boolean,
  ) {
    this.writes = new RunFolderWrites((fault) => {
      this.faultWhileSending = this.sending;
      stop.halt(
        { reason: 'write_failed', message: fault.message },
        this.sending ? `${fault.message}: stopping; no new request is sent, the ones in flight finish` : null,
      );
    });
  }

  /** The run's first write: a folder that cannot take it rejects. */
  openJournal(path: string): Journal {
    this.journal = new Journal(path, this.writes);
    this.folderWatch = this.writes.watch(path);
    return this.journal;
  }

  checkInput(): void {
    const change = this.input.check();
    if (change !== null) this.stop.halt({ reason: 'aborted', message: inputChangedMessage(this.inputPath, change) });
  }

  inputUnchanged(): boolean {
    return this.input.check() === null;
  }

  rowSettled(row: RowResult): void {
    if (row.outcome.kind !== 'not_attempted') this.settledRows++;
  }

  /** The last request is answered: a fault from here on happened after it. */
  stoppedSending(): void {
    this.sending = false;
    this.folderWatch?.stop();
  }

  /** A folder removed or an input saved again during the last second. */
  lastLooks(): void {
    this.folderWatch?.check();
    this.checkInput();
  }

  get journaledRows(): number {
    return this.journal?.journaledRows ?? 0;
  }

  /** A write error adds what is safe and how to go on. */
  finalStop(stopped: RunStop | null): RunStop | null {
    const fault = this.writes.fault;
    if (stopped === null || fault === null) return stopped;
    const told = writeFaultMessage(
      fault,
      { settled: this.settledRows, journaled: this.journaledRows },
      this.faultWhileSending,
      this.resumable,
    );
    return { reason: stopped.reason, message: stopped.message === fault.message ? told : `${stopped.message}; then ${told}` };
  }
}
