/**
 * One table per command of its options: yargs gets its definitions from it (`.options()`), the
 * CLI checks a parsed command line against it (unknown names, choices), a job file is read with it
 * (`--config`), and the library's options are its names in camelCase. yargs' own strict checks
 * are not used: they only say what went wrong in English sentences (CONTRIBUTING.md).
 */
import type { Options } from 'yargs';
import { UsageError } from '../errors.js';

/** One option: yargs' definition (`describe` starts with the value's name, `<run-folder>`), and ours. */
export interface CliOption extends Omit<Options, 'choices'> {
  /**
   * Its JSON type in a job file, when not the one its yargs type gives; false: not allowed there
   * (nor a hidden option). A word, not a zod schema: job-file.ts makes the schemas, so that zod
   * (~0.1 s of CPU to load) loads only when a job file is read or written.
   */
  json?: 'text-or-list' | 'count-or-text' | 'count-or-auto' | false;
  /** The values it takes, checked here (not by yargs, whose message would be our only clue). */
  choices?: readonly [string, ...string[]];
  /** A path: in a job file relative to the file's folder. */
  path?: true;
  /** Not an option of the library (`json`, `quiet`…): left out of `libraryOptions`. */
  cliOnly?: true;
}

export type OptionTable = Readonly<Record<string, CliOption>>;

/** `dry-run` → `dryRun`: the form yargs adds beside each kebab-case name, and the library's. */
export const camelCase = (name: string): string => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** `dryRun` → `dry-run`. */
export const kebabCase = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The table as yargs' `.options()` takes it. */
export function yargsOptions(table: OptionTable): Record<string, Options> {
  return Object.fromEntries(Object.entries(table).map(([name, { json, choices, path, cliOnly, ...yargs }]) => [name, yargs as Options]));
}

/** The parsed options the library takes, by its camelCase names (the contract: the CLI's options in camelCase). */
export function libraryOptions(args: ParsedArgs, table: OptionTable): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(table)
      .filter(([, option]) => option.cliOnly !== true)
      .map(([name]) => [camelCase(name), args[name]]),
  );
}

/** Argv as yargs parsed it. */
export type ParsedArgs = Record<string, unknown> & { _: (string | number)[] };

/** Refuses an unknown option (with the nearest name), a stray positional, a value outside an option's choices. */
export function checkAgainstTable(args: ParsedArgs, table: OptionTable, argv: readonly string[], positionals: readonly string[]): void {
  // yargs adds a camelCase twin of every dashed name, positionals (`run-folder`) included.
  const known = new Set(['_', '$0', 'help', 'h']);
  for (const name of [...Object.keys(table), ...positionals]) known.add(name).add(camelCase(name));
  for (const option of Object.values(table)) for (const alias of [option.alias ?? []].flat()) known.add(alias);
  const unknown = Object.keys(args).filter((key) => !known.has(key));
  // yargs adds `dryRunn` beside `dry-runn`: keep the form that was typed.
  const typed = unknown.filter((key) => !(/[A-Z]/.test(key) && unknown.includes(kebabCase(key))));
  const problems = typed.map((name) => unknownOption(name, Object.keys(table), argv));
  // args._ holds the command's name, then any positional it does not name.
  for (const stray of args._.slice(1)) problems.push(`unexpected argument ${JSON.stringify(String(stray))}`);
  if (problems.length > 0) throw new UsageError(problems.join('; '), 'unknown_option');
  for (const [name, option] of Object.entries(table)) {
    const value = args[name];
    if (option.choices !== undefined && value !== undefined && !option.choices.includes(String(value))) {
      throw new UsageError(`--${name} ${JSON.stringify(value)}: use ${option.choices.join(' or ')}`, 'bad_argument');
    }
  }
}

/** `unknown option --dryrun (did you mean --dry-run?)`. */
export function unknownOption(name: string, known: readonly string[], argv: readonly string[]): string {
  if (!typedAsFlag(name, argv)) return `unexpected argument ${JSON.stringify(name)}`;
  const flag = name.length === 1 ? `-${name}` : `--${name}`;
  const suggestion = closestOption(name, known);
  return suggestion === null ? `unknown option ${flag}` : `unknown option ${flag} (did you mean --${suggestion}?)`;
}

/** Whether `name` was typed as a flag (`--name`, `--no-name`, `--name=…`, `-n`), not as a value. */
export function typedAsFlag(name: string, argv: readonly string[]): boolean {
  const forms = name.length === 1 ? [`-${name}`] : [`--${name}`, `--no-${name}`];
  return argv.some(
    (arg) =>
      forms.some((form) => arg === form || arg.startsWith(`${form}=`)) || (name.length === 1 && /^-[^-]/.test(arg) && arg.includes(name)),
  );
}

/** The groups of `--help`, in the order people look for them (yargs prints groups as first used). */
export const GROUP = {
  run: 'What to run:',
  input: 'Input:',
  filter: 'Which conversations:',
  api: 'API and key:',
  pace: 'Pace and retries:',
  safety: 'Safety:',
  output: 'Output:',
} as const;

/* "Did you mean --dry-run?": the nearest known name, for options, commands and job-file keys. */

/** Edit distance (insert, delete, substitute: cost 1 each). */
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

/** The known option closest to `unknown`, when it is close enough to be what was meant. */
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
