import { type BigIntStats, statSync } from 'node:fs';

function versionOf(path: string): BigIntStats | null {
  try {
    return statSync(path, { bigint: true });
  } catch {
    return null;
  }
}

export interface InputWatch {
  /** How the file changed, or null; once changed, it stays changed. */
  check(): string | null;
}

/**
 * Taken before the run reads `path` (stdin, `-`, is never watched). Rows are matched by line over
 * several reads, so a new version would pair values with wrong lines. ctime too: `cp -p` and
 * `rsync -t` keep the mtime, not the ctime.
 */
export function watchInput(path: string): InputWatch {
  const first = path === '-' ? null : versionOf(path);
  let change: string | null = null;
  return {
    check: () => {
      if (change === null && first !== null) change = describeChange(first, versionOf(path));
      return change;
    },
  };
}

function describeChange(first: BigIntStats, now: BigIntStats | null): string | null {
  if (now === null) return 'it was removed';
  if (now.dev !== first.dev || now.ino !== first.ino) return 'it was replaced by another file';
  if (now.size !== first.size) return `its size went from ${first.size} to ${now.size} bytes`;
  if (now.mtimeNs !== first.mtimeNs || now.ctimeNs !== first.ctimeNs) return 'it was written to';
  return null;
}

export function inputChangedMessage(displayPath: string, change: string): string {
  return (
    `${displayPath} changed while the run was reading it (${change}): no further row is sent, so none is matched to the wrong line. ` +
    'The rows already sent came from the file as it was when the run started. Start a new run with the file as it is now ' +
    '(--only-changed sends only what differs), or put the original file back and resume'
  );
}
