/** What the stages of one run share: its callbacks and services, its folder, and what the row loop works with. */
import type { InputSource } from '../input/source.js';
import type { CheckedRow } from './read/check.js';
import type { Logger } from '../log.js';
import type { ImportCsvOptions, ImportOptions } from '../options.js';
import type { FileScan } from './first-pass/first-pass.js';
import type { Journal } from './journal/journal.js';
import type { ImportTally } from './progress.js';
import type { RunRequests } from './send/requests.js';
import type { RunJournal } from './journal/run-journal.js';
import type { RunFaults } from './run-faults.js';
import type { Settler } from './send/settle.js';
import type { StopSwitch } from './stop.js';

/** The callbacks and services of one run (ImportCsvOptions minus the options proper). */
export type RunEnvironment = Pick<ImportCsvOptions, 'onRow' | 'onSuperseded' | 'onProgress' | 'confirm'> & {
  log: Logger;
  signal: AbortSignal;
  now: () => Date;
};

export interface RunFolder {
  runId: string;
  dir: string;
  startedAt: Date;
}

/** Everything the row loop works with. */
export interface RunParts {
  opts: ImportOptions;
  env: RunEnvironment;
  source: InputSource;
  /** A fresh pass over the file's rows (the gate's count), a resume's carried rows left out. */
  reread: () => Promise<AsyncIterable<CheckedRow>>;
  scan: FileScan | null;
  requests: RunRequests;
  journal: Journal;
  stop: StopSwitch;
  faults: RunFaults;
  settler: Settler;
  tally: ImportTally;
  resume: RunJournal | null;
  runDir: string;
}
