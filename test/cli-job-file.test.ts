/** Job files (`--config`, `--save-config`): precedence, relative paths, refusals, the shipped schema. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { IMPORT_OPTIONS } from '../src/cli/import-command.js';
import { readJobFile } from '../src/cli/job-file.js';
import { jobJsonSchemas } from '../src/cli/job-schemas.js';
import { parseArgv } from '../src/cli/main.js';
import { cli, ROOT, tempDir } from './helpers/cli.js';
import { testId } from './helpers/emulator.js';

const KEY = `vapk_live_${'0123456789abcdef'.repeat(3)}`;

/** A job file at <dir>/jobs/weekly.json, next to <dir>/a.csv. */
function job(content: unknown): { dir: string; file: string } {
  const dir = tempDir('vorel-job-');
  writeFileSync(path.join(dir, 'a.csv'), `id,name\n${testId(1)},A\n`);
  mkdirSync(path.join(dir, 'jobs'));
  const file = path.join(dir, 'jobs', 'weekly.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return { dir, file };
}

describe('a job file (--config)', () => {
  it('gives any option by its long name, and "file"; paths are relative to the job file; "$schema" is ignored', async () => {
    const { dir, file } = job({
      $schema: '../schema/import-job.schema.json',
      file: '../a.csv',
      'dry-run': true,
      map: ['Full Name=customer_name'],
      rate: 120,
      'report-dir': 'runs',
      'api-key-file': '../key',
    });
    const { args } = await parseArgv(['import', '--config', file]);
    expect(args).toMatchObject({
      file: path.join(dir, 'a.csv'),
      'dry-run': true,
      map: ['Full Name=customer_name'],
      rate: 120,
      'report-dir': path.join(dir, 'jobs', 'runs'),
      'api-key-file': path.join(dir, 'key'),
    });
    expect(args).not.toHaveProperty('$schema');
  });

  it('yields to the command line: a flag overrides, a list replaces the file’s list, a file argument replaces "file"', async () => {
    const { file } = job({ file: '../a.csv', map: ['A=id', 'B=customer_name'], retries: 2, 'report-dir': 'runs' });
    const { args } = await parseArgv(['import', 'other.csv', '--config', file, '--map', 'C=id', '--retries', '7', '--report-dir', 'here']);
    expect(args).toMatchObject({ file: 'other.csv', map: ['C=id'], retries: 7, 'report-dir': 'here' });
  });

  it('runs a dry run from the job file alone', async () => {
    const { dir, file } = job({ file: '../a.csv', 'dry-run': true, 'report-dir': '../reports', json: true });
    const r = await cli(['import', '--config', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ mode: 'dry-run', input: { path: path.join(dir, 'a.csv') } });
    expect(existsSync(path.join(dir, 'reports'))).toBe(true);
  });

  it.each([
    [{ dryrun: true }, 'unknown key $.dryrun (did you mean "dry-run"?)'],
    [{ dryRun: true }, 'unknown key $.dryRun (did you mean "dry-run"?)'],
    [{ reportDir: 'x' }, 'unknown key $.reportDir (did you mean "report-dir"?)'],
    [{ 'rate-window-ms': 10 }, 'unknown key $.rate-window-ms'],
    [{ rate: 'fast' }, '$.rate must be a whole number or "auto"'],
    [{ 'dry-run': 'yes' }, '$.dry-run must be true or false'],
    [{ map: ['A=id', 3] }, '$.map[1] must be a string'],
    [{ 'match-by': 'phone' }, '$.match-by must be one of "id", "customer_identifier"'],
    [{ concurrency: 2.5 }, '$.concurrency must be a whole number'],
    [[1], 'must be a JSON object'],
    ['{"dry-run": tru', 'is not valid JSON'],
  ])('refuses %j with exit 2: %s', async (content, message) => {
    const { file } = job(content);
    const r = await cli(['import', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: job file ${file}: ${message}`);
    await expect(parseArgv(['import', '--config', file])).rejects.toMatchObject({ code: 'bad_job_file', exitCode: 2 });
  });

  it.each([
    [{ map: ['Name=customer_name', `x=${KEY}`] }, '$.map[1]'],
    [{ 'api-key-file': KEY }, '$.api-key-file'],
    [{ note: { deep: [KEY.slice(0, 30)] } }, '$.note.deep[0]'],
    [{ [KEY]: true }, '$'],
    [`{"api-key": ${KEY}}`, null],
  ])('refuses a key-like value anywhere (%#) without echoing it', async (content, at) => {
    const { file } = job(content);
    const r = await cli(['import', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(at === null ? 'holds what looks like an API key' : `${at} holds what looks like an API key`);
    expect(r.stderr + r.stdout).not.toMatch(/vapk_live_0123/);
  });

  it('is read by export too', async () => {
    const { file } = job({ channel: ['whatsapp'], limit: 3, 'bogus-key': 1 });
    const r = await cli(['export', 'out.csv', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown key $.bogus-key');
    const ok = job({ channel: ['whatsapp'], limit: 3 });
    expect((await parseArgv(['export', '--config', ok.file])).args).toMatchObject({ channel: ['whatsapp'], limit: 3 });
  });
});

describe('--save-config', () => {
  it('writes the job of the command line (no key, no config), paths relative to the job file, and exits 0 running nothing', async () => {
    const { dir, file } = job({ 'dry-run': true, retries: 2 });
    const saved = path.join(dir, 'jobs', 'saved.json');
    const argv = [
      'import',
      path.join(dir, 'a.csv'),
      '--config',
      file,
      '--map',
      'N=customer_name',
      '--rate',
      '150',
      '-y',
      '--timeout',
      '30000',
    ];
    const r = await cli([...argv, '--report-dir', path.join(dir, 'runs'), '--save-config', saved], { env: { VOREL_API_KEY: KEY } });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path.join(dir, 'runs'))).toBe(false);
    expect(JSON.parse(readFileSync(saved, 'utf8'))).toEqual({
      file: '../a.csv',
      'dry-run': true,
      map: ['N=customer_name'],
      rate: 150,
      retries: 2,
      timeout: 30000,
      yes: true,
      'report-dir': '../runs',
    });
    expect(readFileSync(saved, 'utf8')).not.toContain('vapk_');
    // Read back, it is the same job.
    const { args } = await parseArgv(['import', '--config', saved]);
    expect(args).toMatchObject({ file: path.join(dir, 'a.csv'), 'report-dir': path.join(dir, 'runs'), rate: 150, retries: 2 });
  });
});

describe('the JSON Schemas shipped for editors', () => {
  it('are those of the option tables (regenerate: node scripts/make-job-schemas.mjs)', () => {
    for (const [name, schema] of Object.entries(jobJsonSchemas())) {
      expect(JSON.parse(readFileSync(path.join(ROOT, 'schema', `${name}.schema.json`), 'utf8'))).toEqual(schema);
    }
  });

  it('accept the shipped example job file, which the CLI reads too; and refuse a mistyped one', () => {
    const example = path.join(ROOT, 'docs/examples/weekly-import.json');
    const schema = z.fromJSONSchema(JSON.parse(readFileSync(path.join(ROOT, 'schema/import-job.schema.json'), 'utf8')));
    expect(schema.safeParse(JSON.parse(readFileSync(example, 'utf8'))).success).toBe(true);
    expect(schema.safeParse({ 'only-changed': 'yes' }).success).toBe(false);
    expect(schema.safeParse({ onlyChanged: true }).success).toBe(false);
    expect(readJobFile(example, IMPORT_OPTIONS)).toMatchObject({
      file: path.join(ROOT, 'docs/examples/contacts.csv'),
      'only-changed': true,
    });
  });
});
