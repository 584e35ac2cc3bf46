import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import ts from 'typescript';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
// By the package's name: resolved through package.json "exports" to the built entry, as a user's script would.
import {
  CallbackError,
  type Emulator,
  exportCsv,
  HangUp,
  importCsv,
  type ResultFields,
  startEmulator,
  type Supersession,
  UsageError,
} from 'vorel-csv-sync';
import { ROOT, tempDir } from './helpers/cli.js';
import { testId } from './helpers/emulator.js';

/** The README's "Use as a library" example, exactly as printed. */
function readmeExample(): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use as a library'));
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  if (code === undefined) throw new Error('README has no js example under "Use as a library"');
  return code;
}

describe('the README library example', () => {
  // Inside the package folder (git-ignored .tmp/), so the bare name resolves by self-reference.
  mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
  const dir = mkdtempSync(path.join(ROOT, '.tmp', 'library-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('type-checks against the published types (strict, as a checked JS file)', () => {
    const file = path.join(dir, 'typed.mjs');
    writeFileSync(file, readmeExample());
    const program = ts.createProgram([file], {
      allowJs: true,
      checkJs: true,
      noEmit: true,
      strict: true,
      exactOptionalPropertyTypes: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      types: ['node'],
      skipLibCheck: true,
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);
  });

  it('runs against the emulator: the changes of people.csv go through, and it prints the summary line', async () => {
    // The emulator's default data (seed 1) holds the ids the README's examples use.
    const api = await startEmulator({});
    try {
      writeFileSync(
        path.join(dir, 'people.csv'),
        'id,customer_name,customer_language\n0af05593-6d68-4763-9723-4e9dcc76919a,Olivia Jones,en\n3d0df4ce-fd47-47d2-b7e2-d83566fcfeac,María Novák,es\n',
      );
      writeFileSync(path.join(dir, 'example.mjs'), readmeExample());
      const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const env = { ...process.env, VOREL_BASE_URL: api.baseUrl, VOREL_API_KEY: api.apiKey };
        const child = spawn(process.execPath, ['example.mjs'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^exit 0: 2 updated, report in reports\/\S+\n$/);
      expect(run.stderr).toBe('');
      expect(api.get('0af05593-6d68-4763-9723-4e9dcc76919a')).toMatchObject({ customer_name: 'Olivia Jones', customer_language: 'en' });
    } finally {
      await api.close();
    }
  });
});

describe('importCsv', () => {
  let emulator: Emulator;
  let work: string;
  beforeEach(async () => {
    emulator = await startEmulator({ count: 0, rateLimit: null });
    emulator.insert([1, 2, 3].map(conversation));
    work = tempDir();
  });
  afterEach(() => emulator.close());

  const conversation = (n: number) => ({
    id: testId(n),
    channel: 'whatsapp',
    customer_identifier: `+4470000000${n}`,
    status: 'active',
    created_at: '2025-01-01T00:00:00Z',
    customer_name: `Before ${n}`,
    customer_language: 'en',
    first_message_at: null,
    last_message_at: null,
  });
  const common = () => ({ baseUrl: emulator.baseUrl, apiKey: emulator.apiKey, rate: 100_000, reportDir: path.join(work, 'reports') });
  const csv = (text: string): string => {
    const file = path.join(work, `${Math.random().toString(16).slice(2)}.csv`);
    writeFileSync(file, text);
    return file;
  };

  it('calls onRow once per data row in input order with the results.csv fields, then onSuperseded', async () => {
    const events: (ResultFields | Supersession)[] = [];
    const file = csv(`id,name,language\n${testId(1)},Old,EN\n${testId(2)},Two,en\n${testId(1)},New,en\n`);
    const summary = await importCsv({ file, ...common(), onRow: (row) => events.push(row), onSuperseded: (s) => events.push(s) });
    expect(summary.exit_code).toBe(1);
    expect(events).toEqual([
      expect.objectContaining({
        line: 2,
        id: testId(1),
        outcome: 'invalid',
        error_code: 'bad_language',
        customer_language: 'EN',
        attempts: 0,
      }),
      expect.objectContaining({ line: 3, id: testId(2), outcome: 'updated', http_status: 200, error_code: null, customer_name: 'Two' }),
      expect.objectContaining({ line: 4, id: testId(1), outcome: 'updated', before_customer_name: null }),
      { line: 2, by: 4 },
    ]);
    expect(summary.superseded).toBe(1);
  });

  it('reads a stream given as input, and never writes to stdout or stderr without a logger', async () => {
    const stdout = vi.spyOn(process.stdout, 'write');
    const stderr = vi.spyOn(process.stderr, 'write');
    try {
      const input = Readable.from([Buffer.from(`id,name\n${testId(1)},A\n`), Buffer.from(`${testId(2)},B\nbad,C\n`)]);
      const summary = await importCsv({ input, ...common() });
      expect(summary.input.path).toBe('-');
      expect(summary.totals).toMatchObject({ updated: 2, invalid: 1 });
      expect(stdout).not.toHaveBeenCalled();
      expect(stderr).not.toHaveBeenCalled();
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  });

  it('resolves with exit_code 130 when its signal aborts, and the run folder resumes', async () => {
    const file = csv(`id,name\n${testId(1)},A\n${testId(2)},B\n`);
    const stop = new AbortController();
    stop.abort();
    const interrupted = await importCsv({ file, ...common(), signal: stop.signal });
    expect(interrupted.exit_code).toBe(130);
    expect(interrupted.totals.not_attempted).toBe(2);
    expect(emulator.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0);
    const resumed = await importCsv({ file, ...common(), resume: interrupted.report_dir });
    expect(resumed.exit_code).toBe(0);
    expect(resumed.totals.updated).toBe(2);
  });

  it('stops the run when onRow throws, writes the reports and rejects with CallbackError: nothing escapes uncaught', async () => {
    const rows = Array.from({ length: 3 }, (_, k) => `${testId(k + 1)},Name ${k}`).join('\n');
    const file = csv(`id,name\n${rows}\n`);
    const uncaught: unknown[] = [];
    const catchIt = (error: unknown): number => uncaught.push(error);
    process.on('uncaughtException', catchIt);
    process.on('unhandledRejection', catchIt);
    let calls = 0;
    try {
      const failing = importCsv({
        file,
        ...common(),
        concurrency: 1,
        onRow: () => {
          calls++;
          throw new Error('boom');
        },
      });
      const error = await failing.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CallbackError);
      const failure = error as CallbackError;
      expect(failure).toMatchObject({ code: 'callback_failed', exitCode: 3, callback: 'onRow' });
      expect((failure.cause as Error).message).toBe('boom');
      expect(calls).toBe(1);
      expect(readFileSync(path.join(failure.summary.report_dir, 'summary.json'), 'utf8')).toContain('"exit_code"');
      // The lock is released and the run resumes: what was settled is not sent again.
      const patchesBefore = emulator.requests.filter((r) => r.method === 'PATCH').length;
      expect(patchesBefore).toBeLessThan(3);
      const resumed = await importCsv({ file, ...common(), resume: failure.summary.report_dir });
      expect(resumed.exit_code).toBe(0);
      expect(emulator.requests.filter((r) => r.method === 'PATCH').length).toBe(3);
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', catchIt);
      process.off('unhandledRejection', catchIt);
    }
  });

  it('resolves with exit_code 129 when its signal aborts with a HangUp; any other reason is 130', async () => {
    const file = csv(`id,name\n${testId(1)},A\n`);
    const hangUp = new AbortController();
    hangUp.abort(new HangUp());
    const hungUp = await importCsv({ file, ...common(), signal: hangUp.signal });
    expect(hungUp.exit_code).toBe(129);
    expect(hungUp.stopped?.reason).toBe('hangup');
    expect(hungUp.totals.not_attempted).toBe(1);
    const other = new AbortController();
    other.abort(new Error('shutting down'));
    const interrupted = await importCsv({ file, ...common(), reportDir: path.join(work, 'other'), signal: other.signal });
    expect(interrupted.exit_code).toBe(130);
    expect(interrupted.stopped?.reason).toBe('interrupted');
    // A library has no Ctrl-C: the words name what stopped it.
    expect(interrupted.stopped?.message).toBe("stopped by the caller's AbortSignal");
  });

  it('asks confirm before the first PATCH; false sends nothing and resolves with exit_code 2', async () => {
    const file = csv(`id,name\n${testId(1)},A\n`);
    const previews: unknown[] = [];
    const confirm = (preview: unknown): boolean => {
      previews.push(preview);
      return false;
    };
    const declined = await importCsv({ file, ...common(), confirm });
    expect(declined.exit_code).toBe(2);
    expect(declined.stopped?.reason).toBe('declined');
    expect(previews).toEqual([expect.objectContaining({ mode: 'import', rows: 1, baseUrl: emulator.baseUrl })]);
    expect(JSON.stringify(previews)).not.toContain(emulator.apiKey);
    expect(emulator.requests).toHaveLength(0);
    const confirmed = await importCsv({ file, ...common(), confirm: async () => true });
    expect(confirmed.exit_code).toBe(0);
  });

  it('resolves with exit_code 3 and stopped.reason write_failed when its run folder goes away mid-run', async () => {
    const rows = 40;
    emulator.insert(Array.from({ length: rows }, (_, k) => conversation(k + 1)));
    // Slow answers, one at a time: the run outlasts the once-a-second look at its folder.
    emulator.setFaults({ latencyMs: 60 });
    const file = csv(`id,name\n${Array.from({ length: rows }, (_, k) => `${testId(k + 1)},After ${k}`).join('\n')}\n`);
    const reportDir = path.join(work, 'reports');
    const moved = path.join(work, 'moved');
    let first = true;
    const summary = await importCsv({
      file,
      ...common(),
      concurrency: 1,
      onRow: () => {
        if (!first) return;
        first = false;
        const [runId] = readdirSync(reportDir).filter((n) => !n.startsWith('.'));
        renameSync(path.join(reportDir, runId!), moved);
      },
    });
    expect(summary.exit_code).toBe(3);
    expect(summary.stopped?.reason).toBe('write_failed');
    expect(summary.stopped?.message).toMatch(/cannot write \S+journal\.ndjson: ENOENT/);
    expect(summary.totals.not_attempted).toBeGreaterThan(0);
    expect(summary.totals.updated + summary.totals.not_attempted).toBe(rows);
  });

  it('a plan whose run folder goes away mid-run says to run it again, not to resume it', async () => {
    const rows = 40;
    emulator.insert(Array.from({ length: rows }, (_, k) => conversation(k + 1)));
    emulator.setFaults({ latencyMs: 60 });
    const file = csv(`id,name\n${Array.from({ length: rows }, (_, k) => `${testId(k + 1)},After ${k}`).join('\n')}\n`);
    const reportDir = path.join(work, 'reports');
    let first = true;
    const summary = await importCsv({
      file,
      ...common(),
      plan: true,
      read: 'get',
      concurrency: 1,
      onRow: () => {
        if (!first) return;
        first = false;
        const [runId] = readdirSync(reportDir).filter((n) => !n.startsWith('.'));
        renameSync(path.join(reportDir, runId!), path.join(work, 'moved'));
      },
    });
    expect(summary.exit_code).toBe(3);
    expect(summary.stopped?.reason).toBe('write_failed');
    expect(summary.stopped?.message).toMatch(/A plan is not resumed: run it again/);
    expect(summary.stopped?.message).not.toMatch(/resume it/);
    expect(summary.resume_command).toBeNull();
  });

  it('gives a resume command for a stopped import, none for a stopped plan (a resume refuses plans)', async () => {
    const file = csv(`id,name\n${testId(1)},New\n`);
    const plan = await importCsv({ file, ...common(), apiKey: emulator.createKey(['conversations:write']), plan: true });
    expect(plan.exit_code).toBe(3);
    expect(plan.resume_command).toBeNull();
    await expect(importCsv({ file, ...common(), resume: plan.report_dir })).rejects.toMatchObject({ code: 'bad_resume' });
    const run = await importCsv({ file, ...common(), apiKey: emulator.createKey(['read']) });
    expect(run.exit_code).toBe(3);
    expect(run.resume_command).toContain(`--resume ${run.report_dir}`);
  });

  it('rejects usage errors with a stable code and exitCode 2, before any request', async () => {
    const noId = csv('name\nA\n');
    await expect(importCsv({ file: noId, ...common() })).rejects.toMatchObject({ code: 'missing_column', exitCode: 2 });
    await expect(importCsv({ file: noId, ...common(), apiKey: 'nope' })).rejects.toMatchObject({ code: 'malformed_key', exitCode: 2 });
    await expect(importCsv({ file: noId, ...common(), dryRun: true, plan: true })).rejects.toBeInstanceOf(UsageError);
    expect(emulator.requests).toHaveLength(0);
  });

  it('rejects a journal damaged before its last line, naming the line (journal_corrupt)', async () => {
    const runDir = path.join(work, 'damaged');
    mkdirSync(runDir);
    writeFileSync(path.join(runDir, 'journal.ndjson'), '{"type":"run"}\n{"type":"row","line":2}\n');
    const file = csv(`id,name\n${testId(1)},A\n`);
    await expect(importCsv({ file, ...common(), resume: runDir })).rejects.toMatchObject({
      code: 'journal_corrupt',
      exitCode: 2,
      message: expect.stringMatching(/line 1 /),
    });
  });
});

describe('exportCsv', () => {
  it('writes the CSV to a Writable and resolves with its summary', async () => {
    const emulator = await startEmulator({ count: 5, rateLimit: null });
    try {
      let text = '';
      const output = new Writable({
        write(chunk: Buffer, _encoding, done) {
          text += chunk.toString();
          done();
        },
      });
      const states: string[] = [];
      const summary = await exportCsv({
        output,
        baseUrl: emulator.baseUrl,
        apiKey: emulator.apiKey,
        onProgress: (s) => states.push(`${s.command}${s.done ? ' done' : ''}`),
      });
      expect(summary).toMatchObject({ exit_code: 0, written: 5, output: null });
      expect(text.split('\r\n')[0]).toBe('id,channel,customer_identifier,status,customer_name,customer_language,created_at');
      expect(text.trimEnd().split('\r\n')).toHaveLength(6);
      expect(states.at(-1)).toBe('export done');
    } finally {
      await emulator.close();
    }
  });

  it('takes a filter as a list or as one comma list; anything else rejects as a usage error', async () => {
    const emulator = await startEmulator({ count: 40, rateLimit: null });
    const written = async (filters: Record<string, unknown>): Promise<number> => {
      const output = new Writable({ write: (_chunk, _encoding, done) => done() });
      const summary = await exportCsv({ output, baseUrl: emulator.baseUrl, apiKey: emulator.apiKey, ...filters });
      return summary.written;
    };
    try {
      const both = emulator.dump().filter((c) => c.channel === 'whatsapp' || c.channel === 'voice').length;
      expect(both).toBeGreaterThan(0);
      expect(await written({ channel: 'whatsapp,voice' })).toBe(both);
      expect(await written({ channel: ['whatsapp', 'voice'] })).toBe(both);
      const noName = emulator.dump().filter((c) => c.customer_name === null).length;
      expect(await written({ missing: 'name' })).toBe(noName);
      await expect(written({ status: 7 })).rejects.toMatchObject({ code: 'bad_filter', exitCode: 2 });
    } finally {
      await emulator.close();
    }
  });

  it('resolves with exit_code 3 when its output cannot take the CSV (a closed pipe), saying so', async () => {
    const emulator = await startEmulator({ count: 5, rateLimit: null });
    try {
      const output = new Writable({
        write(_chunk: Buffer, _encoding, done) {
          done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
        },
      });
      output.on('error', () => undefined);
      const summary = await exportCsv({ output, baseUrl: emulator.baseUrl, apiKey: emulator.apiKey });
      expect(summary.exit_code).toBe(3);
      expect(summary.stopped?.reason).toBe('write_failed');
      expect(summary.stopped?.message).toBe(
        'cannot write stdout: EPIPE (the reader of the pipe went away): the CSV on stdout is incomplete',
      );
    } finally {
      await emulator.close();
    }
  });
});
