/** One table per command: yargs' options, our checks of a command line, job files, and the library's camelCase options. */
import type { Options } from 'yargs';
import { UsageError } from '../errors.js';

/** yargs' definition (`describe` starts with the value's name, `<run-folder>`), and ours. */
export interface CliOption extends Omit<Options, 'choices'> {
  /** Its job-file type when not its yargs type's; false: not allowed there. A word, so zod loads only for job files. */
  json?: 'text-or-list' | 'count-or-text' | 'count-or-auto' | false;
  choices?: readonly [string, ...string[]];
  /** A path: in a job file relative to the file's folder. */
  path?: true;
  /** Not an option of the library. */
  cliOnly?: true;
}

export type OptionTable = Readonly<Record<string, CliOption>>;

/** Rows of a table: `describe` starts with the value's name (`<dir>  where run folders go`); `more` adds any other key. */
export function text(group: string, describe: string, more?: Partial<CliOption>): CliOption {
  return { group, type: 'string', describe, ...more };
}

export function number(group: string, dflt: number, describe: string): CliOption {
  return { group, type: 'number', default: dflt, describe };
}

export function flag(group: string, describe: string, more?: Partial<CliOption>): CliOption {
  return { group, type: 'boolean', default: false, describe, ...more };
}

/** The form yargs adds beside each kebab-case name, and the library's. */
export const camelCase = (name: string): string => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export const kebabCase = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export function yargsOptions(table: OptionTable): Record<string, Options> {
  return Object.fromEntries(Object.entries(table).map(([name, { json, choices, path, cliOnly, ...yargs }]) => [name, yargs as Options]));
}

export function libraryOptions(args: ParsedArgs, table: OptionTable): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(table)
      .filter(([, option]) => option.cliOnly !== true)
      .map(([name]) => [camelCase(name), args[name]]),
  );
}

export type ParsedArgs = Record<string, unknown> & { _: (string | number)[] };

export function checkAgainstTable(args: ParsedArgs, table: OptionTable, argv: readonly string[], positionals: readonly string[]): void {
  // yargs adds a camelCase twin of every dashed name, positionals (`run-folder`) included.
  const known = new Set(['_', '$0', 'help', 'h']);
  for (const name of [...Object.keys(table), ...positionals]) known.add(name).add(camelCase(name));
  for (const option of Object.values(table)) for (const alias of [option.alias ?? []].flat()) known.add(alias);
  const unknown = Object.keys(args).filter((key) => !known.has(key));
  // yargs adds `dryRunn` beside `dry-runn`: keep the form that was typed.
  const typed = unknown.filter((key) => !(/[A-Z]/.test(key) && unknown.includes(kebabCase(key))));
  const problems = typed.map((name) => unknownOption(name, Object.keys(table), argv));
  for (const stray of args._.slice(1)) problems.push(`unexpected argument ${JSON.stringify(String(stray))}`);
  if (problems.length > 0) throw new UsageError(problems.join('; '), 'unknown_option');
  for (const [name, option] of Object.entries(table)) {
    const value = args[name];
    if (option.choices !== undefined && value !== undefined && !option.choices.includes(String(value))) {
      throw new UsageError(`--${name} ${JSON.stringify(value)}: use ${option.choices.join(' or ')}`, 'bad_argument');
    }
  }
}

export function unknownOption(name: string, known: readonly string[], argv: readonly string[]): string {
  if (!typedAsFlag(name, argv)) return `unexpected argument ${JSON.stringify(name)}`;
  const flag = name.length === 1 ? `-${name}` : `--${name}`;
  const suggestion = closestOption(name, known);
  return suggestion === null ? `unknown option ${flag}` : `unknown option ${flag} (did you mean --${suggestion}?)`;
}

/** `--name`, `--no-name`, `--name=…` or `-n`, not a value. */
export function typedAsFlag(name: string, argv: readonly string[]): boolean {
  const forms = name.length === 1 ? [`-${name}`] : [`--${name}`, `--no-${name}`];
  return argv.some(
    (arg) =>
      forms.some((form) => arg === form || arg.startsWith(`${form}=`)) || (name.length === 1 && /^-[^-]/.test(arg) && arg.includes(name)),
  );
}

/** In the order people look for them (yargs prints groups as first used). */
export const GROUP = {
  run: 'What to run:',
  input: 'Input:',
  filter: 'Which conversations:',
  api: 'API and key:',
  pace: 'Pace and retries:',
  safety: 'Safety:',
  output: 'Output:',
} as const;

export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** "Did you mean": the nearest known name, when close enough to be what was meant. */
export function closestOption(unknown: string, known: readonly string[]): string | null {
  const wanted = unknown.toLowerCase();
  let best: { name: string; distance: number } | null = null;
  for (const name of known) {
    // camelCase aliases yargs adds (dryRun) are not what we document.
    if (name.length < 2 || /[A-Z]/.test(name)) continue;
    const distance = name.startsWith(wanted) && wanted.length >= 3 ? 1 : levenshtein(wanted, name);
    if (best === null || distance < best.distance) best = { name, distance };
  }
  if (best === null) return null;
  return best.distance <= Math.max(2, Math.floor(wanted.length / 3)) ? best.name : null;
}
