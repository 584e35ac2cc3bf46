import { readFileSync, statSync } from 'node:fs';
import { checkApiKey } from '../credentials.js';
import { UsageError } from '../errors.js';

const KEY_FLAG = /^--?api[-_]?key(=|$)/i;

export function refuseKeyOnCommandLine(argv: readonly string[]): void {
  if (argv.some((arg) => KEY_FLAG.test(arg))) {
    throw new UsageError(
      'the API key cannot be given as a command-line option (it would show in `ps` and shell history); ' +
        'set VOREL_API_KEY or pass --api-key-file <path>',
      'key_on_command_line',
    );
  }
}

/** `--api-key-file` first, then `VOREL_API_KEY`; `hint` is said when there is none. */
export function loadApiKey(source: { env: string | undefined; file: string | undefined; hint?: string }): {
  key: string;
  warnings: string[];
} {
  const warnings: string[] = [];
  let raw: string;
  let origin: string;
  if (source.file !== undefined) {
    origin = `--api-key-file ${source.file}`;
    try {
      raw = readFileSync(source.file, 'utf8');
      // A common leak; warn only: the user may be on a single-user box.
      if ((statSync(source.file).mode & 0o077) !== 0) {
        warnings.push(`${source.file} is readable by other users; run: chmod 600 ${source.file}`);
      }
    } catch (error) {
      throw new UsageError(`cannot read the API key file ${source.file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, 'key_file', {
        cause: error,
      });
    }
  } else if (source.env !== undefined && source.env !== '') {
    origin = 'VOREL_API_KEY';
    raw = source.env;
  } else {
    throw new UsageError(
      `no API key: set VOREL_API_KEY or pass --api-key-file <path>${source.hint === undefined ? '' : ` (${source.hint})`}`,
      'missing_key',
    );
  }
  return { key: checkApiKey(raw, origin), warnings };
}
