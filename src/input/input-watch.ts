import { type BigIntStats, statSync } from 'node:fs';

/** What identifies one version of a file: saving it again changes the size, the times, or the inode. */
function versionOf(path: string): BigIntStats | null {
  try {
    return statSync(path, { bigint: true });
  } catch {
    return null;
  }
}

/**
 * Notices the input file being saved again under a run (a spreadsheet open in another window).
 * The run reads the file three times (the checks, the rows, failed.csv) and matches rows by line
 * number, so a new version read half-way would pair values with the wrong lines. The version is
 * taken before the first pass; ctime is in it because a tool that keeps the mtime (`cp -p`,
 * `rsync -t`) cannot keep the ctime.
 */
export class InputWatch {
  private change: string | null = null;

  private constructor(
    private readonly path: string,
    private readonly first: BigIntStats | null,
  ) {}

  /** Takes the version of `path` now (before the run reads it); stdin (`-`) is never watched. */
  static before(path: string): InputWatch {
    return new InputWatch(path, path === '-' ? null : versionOf(path));
  }

  /** How the file changed since the run started, or null while it is the same; once changed, it stays changed. */
  check(): string | null {
    if (this.change !== null || this.first === null) return this.change;
    const now = versionOf(this.path);
    this.change = describeChange(this.first, now);
    return this.change;
  }
}

function describeChange(first: BigIntStats, now: BigIntStats | null): string | null {
  if (now === null) return 'it was removed';
  if (now.dev !== first.dev || now.ino !== first.ino) return 'it was replaced by another file';
  if (now.size !== first.size) return `its size went from ${first.size} to ${now.size} bytes`;
  if (now.mtimeNs !== first.mtimeNs || now.ctimeNs !== first.ctimeNs) return 'it was written to';
  return null;
}

/** The stop message: what happened, that no row went to the wrong line, and the way on. */
export function inputChangedMessage(displayPath: string, change: string): string {
  return (
    `${displayPath} changed while the run was reading it (${change}): no further row is sent, so none is matched to the wrong line. ` +
    'The rows already sent came from the file as it was when the run started. Start a new run with the file as it is now ' +
    '(--only-changed sends only what differs), or put the original file back and resume'
  );
}
