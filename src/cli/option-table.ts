/**
 * One table per command of its options: yargs gets its definitions from it (`.options()`), the
 * CLI checks a parsed command line against it (unknown names, choices), and a job file is read
 * with it (`--config`). yargs' own strict checks are not used: they only say what went wrong in
 * English sentences, and the usage codes come from our checks instead (CONTRIBUTING.md).
 */
import type { Options } from 'yargs';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { closestOption } from './suggest.js';

/** One option of a command. */
export interface CliOption {
  /** As yargs' `.options()` takes it; `describe` starts with the value's name (`<run-folder>`). */
  yargs: Options;
  /** Its value in a job file (`--config`); absent: not allowed there. */
  json?: z.ZodType;
  /** The values it takes, checked here (not by yargs, whose message would be our only clue). */
  choices?: readonly string[];
  /** A path: in a job file relative to the file's folder. */
  path?: true;
}

export type OptionTable = Readonly<Record<string, CliOption>>;

/** JSON types of job-file values, by what the option takes. */
export const JSON_TYPE = {
  flag: z.boolean(),
  text: z.string(),
  count: z.number().int(),
  list: z.array(z.string()),
} as const;

/** A choice option's JSON type: one of its values. */
export const oneOf = (choices: readonly [string, ...string[]]): z.ZodType => z.enum(choices);

/** `dry-run` → `dryRun`: the form yargs adds beside each kebab-case name. */
export const camelCase = (name: string): string => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** `dryRun` → `dry-run`. */
export const kebabCase = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The table as yargs' `.options()` takes it. */
export function yargsOptions(table: OptionTable): Record<string, Options> {
  return Object.fromEntries(Object.entries(table).map(([name, option]) => [name, option.yargs]));
}

/** Every key a parse of this table may hold: names, their camelCase forms, aliases. */
function knownKeys(table: OptionTable, extra: readonly string[]): Set<string> {
  // yargs adds a camelCase twin of every dashed name, positionals (`run-folder`) included.
  const keys = new Set(['_', '$0', ...extra, ...extra.map(camelCase)]);
  for (const [name, option] of Object.entries(table)) {
    keys.add(name).add(camelCase(name));
    const aliases = option.yargs.alias;
    for (const alias of aliases === undefined ? [] : Array.isArray(aliases) ? aliases : [aliases]) keys.add(alias);
  }
  return keys;
}

/** Argv as yargs parsed it. */
export type ParsedArgs = Record<string, unknown> & { _: (string | number)[] };

/** What a command takes besides its options: its named positionals (`file`). */
export interface CommandShape {
  positionals: readonly string[];
}

/**
 * Refuses what the table does not allow: an unknown option (with the nearest name), a stray
 * positional, a value outside an option's choices.
 */
export function checkAgainstTable(args: ParsedArgs, table: OptionTable, argv: readonly string[], shape: CommandShape): void {
  const known = knownKeys(table, ['help', 'h', ...shape.positionals]);
  const unknown = Object.keys(args).filter((key) => !known.has(key));
  // yargs adds `dryRunn` beside `dry-runn`: keep the form that was typed.
  const typed = unknown.filter((key) => !(/[A-Z]/.test(key) && unknown.includes(kebabCase(key))));
  const problems = typed.map((name) => unknownOption(name, Object.keys(table), argv));
  // args._ holds the command's name, then any positional it does not name.
  for (const stray of args._.slice(1)) problems.push(`unexpected argument ${JSON.stringify(String(stray))}`);
  if (problems.length > 0) throw new UsageError(problems.join('; '), 'unknown_option');
  for (const [name, option] of Object.entries(table)) {
    const value = args[name];
    if (option.choices === undefined || value === undefined) continue;
    if (!option.choices.includes(String(value))) {
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
