/** The package entry: never reads env or argv, prints only through a given `logger`, never exits, no signal handlers. */
export { importCsv } from './import/run.js';
export { reportRun } from './import/report/run-reports.js';
export type { ReportRunOptions } from './import/report/run-reports.js';
export { exportCsv } from './export/run.js';
export type { ExportSummary } from './export/run.js';
export { startEmulator } from './emulator/index.js';
export type { Emulator, EmulatorOptions } from './emulator/index.js';
export { DEFAULTS } from './options.js';
export type {
  Confirm,
  ConfirmPreview,
  CsvInput,
  EmptyCells,
  ExportCsvOptions,
  ImportCsvOptions,
  MatchBy,
  ReadStrategy,
  RunMode,
  Supersession,
} from './options.js';
export type { ExportProgress, ImportProgress, ProgressState } from './progress.js';
export type { ClearsGuardSummary, Confirmation, RunStop, RunSummary } from './report/summary.js';
export { CallbackError } from './import/callbacks.js';
export { UsageError, VorelSyncError } from './errors.js';
export type { FaultCode, UsageCode } from './errors.js';
export { HangUp } from './exit-code.js';
export type { Logger } from './log.js';
export type { OutcomeKind, ResultFields, RowErrorCode } from './types.js';
