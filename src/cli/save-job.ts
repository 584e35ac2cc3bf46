/** `--save-config <file>`: the job of a command line, written as a job file that `--config` reads back. */
import { writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { checkJob } from './job-file.js';
import type { OptionTable, ParsedArgs } from './option-table.js';

/**
 * The options given (typed or from a `--config`) that a job file may hold, those left at their
 * defaults dropped, the input as `"file"`, paths relative to the job file's folder. Never the key
 * (no option holds it), never `config` / `save-config` (a job file cannot hold them).
 */
export function jobOf(args: ParsedArgs, table: OptionTable, jobFile: string): Record<string, unknown> {
  const folder = path.dirname(path.resolve(jobFile));
  const relative = (value: string): string => (value === '-' ? value : path.relative(folder, path.resolve(value)) || '.');
  const job: Record<string, unknown> = {};
  if (typeof args.file === 'string' && args.file !== '') job.file = relative(args.file);
  for (const [name, option] of Object.entries(table)) {
    const value = args[name];
    if (option.json === undefined || value === undefined || isDeepStrictEqual(value, option.yargs.default)) continue;
    if (option.path === true && typeof value === 'string') job[name] = relative(value);
    // `--rate 200` is parsed as text; the job file holds the number, as a person would write it.
    else if (typeof value === 'string' && /^\d+$/.test(value) && option.json.safeParse(Number(value)).success) job[name] = Number(value);
    else job[name] = value;
  }
  return job;
}

/** Writes the job of this command line to `jobFile`; what the CLI prints next. */
export function saveJob(args: ParsedArgs, table: OptionTable, jobFile: string, command: string): string {
  const job = jobOf(args, table, jobFile);
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
