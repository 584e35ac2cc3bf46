import { UsageError } from '../errors.js';
import type { Delimiter } from '../types.js';

const NAMED: Readonly<Record<string, Delimiter>> = { comma: ',', semicolon: ';', tab: '\t', '\\t': '\t' };

const FORBIDDEN = new Set(['"', '\r', '\n']);

/** Any one code point (`€`, an emoji) but `"`, CR and LF, or a name (docs/cli.md `--delimiter`). */
export function parseDelimiterArg(arg: string): Delimiter {
  const named = NAMED[arg.toLowerCase()];
  if (named !== undefined) return named;
  const codePoints = [...arg];
  if (codePoints.length !== 1) {
    throw new UsageError(`--delimiter ${JSON.stringify(arg)}: give one character (e.g. --delimiter '|'), or tab`, 'bad_delimiter');
  }
  if (FORBIDDEN.has(arg)) {
    throw new UsageError(`--delimiter ${JSON.stringify(arg)}: a quote or a line break cannot separate cells`, 'bad_delimiter');
  }
  return arg as Delimiter;
}

/** `export --delimiter`: `,` `;` or tab only. */
export function parseExportDelimiter(arg: string): Delimiter {
  const delimiter = NAMED[arg.toLowerCase()] ?? arg;
  if (delimiter !== ',' && delimiter !== ';' && delimiter !== '\t') {
    throw new UsageError(`--delimiter ${JSON.stringify(arg)}: use , ; or tab`, 'bad_delimiter');
  }
  return delimiter;
}

/** The delimiter Excel's `sep=<c>` line names, given the first non-blank line; else undefined. */
export function sepLineDelimiter(line: string): Delimiter | undefined {
  const m = /^sep=(.)[ \t]*$/isu.exec(line);
  const named = m?.[1];
  if (named === undefined || FORBIDDEN.has(named) || (named.trim() === '' && named !== '\t')) return undefined;
  return named as Delimiter;
}

/** Separators of database and mainframe exports, in the order they are suggested. */
const LIKELY_SEPARATORS = ['|', '^', '~', ';', ',', '\t', ':', '#', '!'];

/** A one-column header holding a likely separator was split with the wrong delimiter (detection knows `,` `;` tab only). */
export function delimiterHint(headerCells: readonly string[], delimiter: Delimiter): string | null {
  if (headerCells.length !== 1) return null;
  const cell = headerCells[0] ?? '';
  let best: string | null = null;
  let bestCount = 0;
  for (const candidate of LIKELY_SEPARATORS) {
    if (candidate === delimiter) continue;
    const count = cell.split(candidate).length - 1;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  if (best === null) return null;
  const word = best === '\t' ? 'tab' : `'${best}'`;
  return `the header was read as one column holding ${JSON.stringify(best)}: if that separates the cells, pass --delimiter ${word}`;
}

/** A `missing_column` error with the `--delimiter` hint, when one applies. */
export function withDelimiterHint(error: unknown, headerCells: readonly string[], delimiter: Delimiter): unknown {
  if (!(error instanceof UsageError) || error.code !== 'missing_column') return error;
  const hint = delimiterHint(headerCells, delimiter);
  if (hint === null) return error;
  return new UsageError(`${error.message}; ${hint}`, error.code, { cause: error });
}
