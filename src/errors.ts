/** One error base with a stable string code; the CLI maps `exitCode` to the process exit. */
export class VorelSyncError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad option, missing column, unreadable file, bad key, lock held: exit 2, nothing was sent. */
export class UsageError extends VorelSyncError {
  constructor(message: string, code = 'usage', options?: { cause?: unknown }) {
    super(message, code, 2, options);
  }
}
