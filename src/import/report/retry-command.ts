import type { InputSource } from '../../input/source.js';
import type { ImportOptions } from '../../options.js';
import { DEFAULTS } from '../../options.js';
import { formatLimit } from '../first-pass/clears-guard.js';

/** For a POSIX shell, only when it needs it. */
function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Re-imports failed.csv (after a dry run: checks the input again), with the options that change what is sent. */
export function retryCommand(failedCsv: string, opts: ImportOptions, source: InputSource): string {
  // A real import of a dry run's failed.csv would send the fixed rows and never the valid ones.
  const rehearse = opts.mode === 'dry-run';
  const words = ['vorel-sync', 'import', rehearse && source.displayPath !== '-' ? source.displayPath : failedCsv];
  if (rehearse) words.push('--dry-run');
  // Pasted into another shell, the command must not fall back to production.
  if (opts.baseUrl !== DEFAULTS.baseUrl) words.push('--base-url', opts.baseUrl);
  // A plan's failures are re-planned, an --only-changed run's re-imported the same way.
  if (opts.mode === 'plan' || opts.mode === 'only-changed') words.push(`--${opts.mode}`);
  // A workbook's failed.csv is plain UTF-8 CSV; a rehearsal reads the workbook again: the same sheet.
  if (source.workbook !== null) {
    if (words[2] === source.displayPath) words.push('--sheet', source.workbook.sheet);
  } else {
    // Only a forced encoding needs repeating: UTF-8 and BOM-marked UTF-16 are detected again.
    if (opts.encoding !== undefined) words.push('--encoding', opts.encoding);
    words.push('--delimiter', source.delimiter === '\t' ? 'tab' : source.delimiter);
  }
  for (const map of opts.mapArgs) words.push('--map', map);
  if (opts.empty !== DEFAULTS.empty) words.push('--empty', opts.empty);
  if (opts.matchBy !== DEFAULTS.matchBy) words.push('--match-by', opts.matchBy);
  if (opts.allowClears) words.push('--allow-clears');
  const maxClears = formatLimit(opts.maxClears);
  if (maxClears !== DEFAULTS.maxClears) words.push('--max-clears', maxClears);
  return commandLine(words, opts);
}

/** A rollback restores empty values on purpose: it lifts the clears guard. */
export function undoCommand(rollbackCsv: string, opts: ImportOptions): string {
  const words = ['vorel-sync', 'import', rollbackCsv];
  if (opts.baseUrl !== DEFAULTS.baseUrl) words.push('--base-url', opts.baseUrl);
  words.push('--empty', 'null', '--allow-clears');
  return commandLine(words, opts);
}

/** Options come from the journal: few are needed. */
export function resumeCommand(file: string, runDir: string, opts: ImportOptions): string {
  const words = ['vorel-sync', 'import', file, '--resume', runDir];
  return commandLine(words, opts);
}

function commandLine(words: string[], opts: ImportOptions): string {
  if (opts.reportDir !== DEFAULTS.reportDir) words.push('--report-dir', opts.reportDir);
  if (opts.network.caCertFile !== undefined) words.push('--ca-cert', opts.network.caCertFile);
  // Pasted into a fresh shell it still finds the key (a key from VOREL_API_KEY is not repeated).
  if (opts.apiKeyFile !== undefined) words.push('--api-key-file', opts.apiKeyFile);
  return words.map(shellQuote).join(' ');
}
