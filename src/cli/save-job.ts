/** `--save-config <file>`: the job of a command line, written as a job file that `--config` reads back. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { checkJob } from './job-file.js';
import type { OptionTable, ParsedArgs } from './option-table.js';

/** Where to write the job, for which command, and which options were given (typed, or from a `--config`). */
export interface SaveTarget {
  file: string;
  command: string;
  given: (name: string) => boolean;
}

/**
 * The options given that a job file may hold (a default is written only when typed: a relative
 * `--report-dir reports` must stay next to the job), the input as `"file"`, paths relative to the
 * job file's folder. Never the key (no option holds it), never `config` / `save-config`.
 */
export function jobOf(args: ParsedArgs, table: OptionTable, target: SaveTarget): Record<string, unknown> {
  const folder = path.dirname(path.resolve(target.file));
  const relative = (value: string): string => (value === '-' ? value : path.relative(folder, path.resolve(value)) || '.');
  const job: Record<string, unknown> = {};
  if (typeof args.file === 'string' && args.file !== '') job.file = relative(args.file);
  for (const [name, option] of Object.entries(table)) {
    const value = args[name];
    if (option.json === undefined || value === undefined || !target.given(name)) continue;
    if (option.path === true && typeof value === 'string') job[name] = relative(value);
    // `--rate 200` is parsed as text; the job file holds the number, as a person would write it.
    else if (typeof value === 'string' && /^\d+$/.test(value) && option.json.safeParse(Number(value)).success) job[name] = Number(value);
    else job[name] = value;
  }
  return job;
}

/** Writes the job of this command line to `jobFile`; what the CLI prints next. */
export function saveJob(args: ParsedArgs, table: OptionTable, target: SaveTarget): string {
  const { file: jobFile, command } = target;
  const job = jobOf(args, table, target);
  checkJob(job, table, jobFile);
  try {
    writeFileSync(jobFile, `${JSON.stringify(job, null, 2)}\n`);
  } catch (error) {
    throw new UsageError(`cannot write the job file ${jobFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, 'bad_output', {
      cause: error,
    });
  }
  return `Wrote ${jobFile}; run the job with: vorel-sync ${command} --config ${jobFile}\n`;
}
