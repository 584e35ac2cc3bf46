/** Job files (`--config`): a command's options by long name, plus `"file"`; one zod schema per command. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { type CliOption, closestOption, kebabCase, type OptionTable, type ParsedArgs } from './option-table.js';

/** Long enough not to catch a word that merely starts like a key. */
const KEY_LIKE = /vapk_[a-z]+_[0-9a-f]{16,}/;

const FILE_KEY = 'file';
const SCHEMA_KEY = '$schema';

function jobType(option: CliOption): z.ZodType | undefined {
  if (option.json === false || option.hidden === true) return undefined;
  if (option.json === 'text-or-list') return z.string().or(z.array(z.string()));
  if (option.json === 'count-or-text') return z.union([z.number().int(), z.string()]);
  if (option.json === 'count-or-auto') return z.union([z.number().int().min(1), z.literal('auto')]);
  if (option.choices !== undefined) return z.enum(option.choices);
  if (option.array === true) return z.array(z.string());
  return option.type === 'boolean' ? z.boolean() : option.type === 'number' ? z.number().int() : z.string();
}

export function jobSchema(table: OptionTable, fileMeaning: string): z.ZodObject {
  const shape: Record<string, z.ZodType> = {
    [SCHEMA_KEY]: z.string().optional().describe('the JSON Schema of this file, for editors; ignored'),
    [FILE_KEY]: z.string().optional().describe(fileMeaning),
  };
  for (const [name, option] of Object.entries(table)) {
    const type = jobType(option);
    if (type !== undefined) shape[name] = type.optional().describe(String(option.describe ?? '').replace(/^<\S*> {2}/, ''));
  }
  return z.strictObject(shape);
}

/** `$.map[1]`: where a value sits in the file. */
function jsonPath(at: readonly PropertyKey[]): string {
  return `$${at.map((k) => (typeof k === 'number' ? `[${k}]` : /^[\w$-]+$/.test(String(k)) ? `.${String(k)}` : `[${JSON.stringify(String(k))}]`)).join('')}`;
}

function keyLikeAt(value: unknown, at: PropertyKey[] = []): string | null {
  if (typeof value === 'string') return KEY_LIKE.test(value) ? jsonPath(at) : null;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = keyLikeAt(item, [...at, i]);
      if (found !== null) return found;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (KEY_LIKE.test(key)) return jsonPath(at);
      const found = keyLikeAt(item, [...at, key]);
      if (found !== null) return found;
    }
  }
  return null;
}

interface JsonSchemaNode {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchemaNode[];
}

/** What a value must be, in words, from the JSON Schema editors see. */
function expected(node: JsonSchemaNode): string {
  if (node.anyOf !== undefined) return node.anyOf.map(expected).join(' or ');
  if (node.const !== undefined) return JSON.stringify(node.const);
  if (node.enum !== undefined) return `one of ${node.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  const words: Record<string, string> = { boolean: 'true or false', integer: 'a whole number', array: 'a list of strings' };
  return words[node.type ?? ''] ?? `a ${node.type ?? 'value'}`;
}

/** A job file's options, paths made absolute. Refusals name the JSON path, never echo a value. */
export function readJobFile(file: string, table: OptionTable): Record<string, unknown> {
  const refuse = refuser(file);
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    refuse(`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // The parser's message quotes the text around the fault, which may be the key.
    refuse(KEY_LIKE.test(text) ? `holds what looks like an API key; ${KEY_ADVICE}` : 'is not valid JSON');
  }
  const job = checkJob(json, table, file);
  const folder = path.dirname(path.resolve(file));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(job)) {
    if (key === SCHEMA_KEY) continue;
    const isPath = key === FILE_KEY || table[key]?.path === true;
    out[key] = isPath && typeof value === 'string' && value !== '-' ? path.resolve(folder, value) : value;
  }
  return out;
}

const KEY_ADVICE = 'an API key does not belong in a job file: put it in a file of its own (chmod 600) named by "api-key-file"';

function refuser(file: string): (why: string) => never {
  return (why) => {
    throw new UsageError(`job file ${file}: ${why}`, 'bad_job_file');
  };
}

function checkJob(json: unknown, table: OptionTable, file: string): Record<string, unknown> {
  const refuse = refuser(file);
  const keyAt = keyLikeAt(json);
  if (keyAt !== null) refuse(`${keyAt} holds what looks like an API key; ${KEY_ADVICE}`);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) refuse('must be a JSON object: { "option-name": value, … }');
  const job = json as Record<string, unknown>;
  const names = [FILE_KEY, ...Object.keys(table).filter((name) => jobType(table[name] ?? {}) !== undefined)];
  for (const key of Object.keys(job)) {
    if (key === SCHEMA_KEY || names.includes(key)) continue;
    const kebab = kebabCase(key);
    const near = names.includes(kebab) ? kebab : closestOption(key, names);
    refuse(`unknown key ${jsonPath([key])}${near === null ? '' : ` (did you mean "${near}"?)`}`);
  }
  const schema = jobSchema(table, '');
  const checked = schema.safeParse(job);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    const field = table[key] === undefined ? undefined : jobType(table[key]);
    // Deeper than the key is an item of a list, and every list holds strings.
    const words = field === undefined || (issue?.path.length ?? 0) > 1 ? 'a string' : expected(z.toJSONSchema(field) as JsonSchemaNode);
    refuse(`${jsonPath(issue?.path ?? [])} must be ${words}`);
  }
  return job;
}

/** `.config()`'s parser: a refusal is thrown after the parse, since yargs would keep only its message. */
export class JobFiles {
  refusal: UsageError | null = null;
  readonly keys = new Set<string>();

  reader(table: OptionTable): (file: string) => Record<string, unknown> {
    return (file) => {
      try {
        const job = readJobFile(file, table);
        for (const key of Object.keys(job)) this.keys.add(key);
        return job;
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        this.refusal ??= error;
        return {};
      }
    };
  }
}

interface SaveTarget {
  file: string;
  command: string;
  given: (name: string) => boolean;
}

/** `--save-config`: the options given (a default only when typed), paths relative to the job file. */
export function saveJob(args: ParsedArgs, table: OptionTable, target: SaveTarget): string {
  const folder = path.dirname(path.resolve(target.file));
  const relative = (value: string): string => (value === '-' ? value : path.relative(folder, path.resolve(value)) || '.');
  const job: Record<string, unknown> = {};
  if (typeof args.file === 'string' && args.file !== '') job.file = relative(args.file);
  for (const [name, option] of Object.entries(table)) {
    const value = args[name];
    const type = jobType(option);
    if (type === undefined || value === undefined || !target.given(name)) continue;
    if (option.path === true && typeof value === 'string') job[name] = relative(value);
    // `--rate 200` is parsed as text; the job file holds the number, as a person would write it.
    else if (typeof value === 'string' && /^\d+$/.test(value) && type.safeParse(Number(value)).success) job[name] = Number(value);
    else job[name] = value;
  }
  checkJob(job, table, target.file);
  try {
    writeFileSync(target.file, `${JSON.stringify(job, null, 2)}\n`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError(`cannot write the job file ${target.file}: ${code}`, 'bad_output', { cause: error });
  }
  return `Wrote ${target.file}; run the job with: vorel-sync ${target.command} --config ${target.file}\n`;
}
