import { EXIT } from './exit-code.js';

/** Usage error codes (exit 2, nothing sent): stable, for scripts. */
export type UsageCode =
  // the command line and the options
  | 'unknown_option'
  | 'bad_argument'
  | 'bad_number'
  | 'conflicting_options'
  | 'bad_delimiter'
  | 'unknown_encoding'
  | 'bad_map'
  | 'bad_filter'
  | 'bad_date'
  | 'bad_emulator_option'
  | 'bad_job_file'
  // the key and the API origin
  | 'key_on_command_line'
  | 'key_file'
  | 'missing_key'
  | 'malformed_key'
  | 'bad_base_url'
  | 'insecure_base_url'
  // the proxy and the certificates trusted
  | 'bad_proxy'
  | 'ca_cert'
  // the input file and its header
  | 'no_input'
  | 'unreadable_input'
  | 'empty_input'
  | 'encoding_mismatch'
  | 'no_header'
  | 'bad_header'
  | 'bad_encoding'
  | 'empty_header'
  | 'duplicate_header'
  | 'duplicate_field'
  | 'missing_column'
  // a workbook: refused formats (.xls, encrypted, .ods, a ZIP of something else), damage, limits, --sheet
  | 'unsupported_input'
  | 'damaged_workbook'
  | 'workbook_limit'
  | 'unknown_sheet'
  // the report dir, the output and resume
  | 'report_dir'
  | 'lock_held'
  | 'bad_output'
  | 'bad_resume'
  | 'journal_corrupt'
  | 'resume_mismatch'
  | 'resume_conflict'
  | 'already_resumed'
  // vorel-sync report
  | 'not_a_run'
  | 'input_changed';

/** Errors that stop a run after it started (exit 3). */
export type FaultCode = 'write_failed' | 'callback_failed';

/** One error base with a stable string code. */
export class VorelSyncError extends Error {
  constructor(
    message: string,
    readonly code: UsageCode | FaultCode,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Exit 2: nothing was sent. */
export class UsageError extends VorelSyncError {
  constructor(message: string, code: UsageCode, options?: { cause?: unknown }) {
    super(message, code, EXIT.usage, options);
  }
}
