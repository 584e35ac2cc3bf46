import { readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../src/emulator/index.js';
import { cli, onlyRunDir, readResults, readRun, tempDir, writeCsv } from './helpers/cli.js';
import { emulatorWith, testId } from './helpers/emulator.js';

let emulator: Emulator;
let work: string;
let reports: string;

beforeEach(async () => {
  emulator = await emulatorWith(50);
  work = tempDir();
  reports = path.join(work, 'reports');
});
afterEach(async () => {
  await emulator.close();
});

const csvFile = (name: string, content: string | Buffer): string => writeCsv(work, name, content);

const env = () => ({ VOREL_API_KEY: emulator.apiKey });
const run = (file: string, ...args: string[]) =>
  cli(['import', file, '--base-url', emulator.baseUrl, '--report-dir', reports, ...args], { env: env() });

const results = readResults;

describe('import against the emulator', () => {
  it('updates every valid row and accounts for each row once, on the line where it starts', async () => {
    const file = csvFile(
      'mixed.csv',
      'id,customer_name,customer_language\r\n' +
        `${testId(1)},Ana,pt-BR\r\n` +
        `${testId(2)},"Multi\r\nLine, Name",en\r\n` +
        '\r\n' +
        `${testId(3)},,fr\r\n` +
        `bad-id,X,en\r\n` +
        `${testId(4)},"He said ""hi""",EN\r\n` +
        `${testId(5)},Last,de-CH`,
    );
    // The empty name of line 5 clears it on purpose: one row of five is above the default --max-clears.
    const r = await run(file, '--allow-clears');
    expect(r.code).toBe(1);
    const runDir = onlyRunDir(reports);
    const rows = results(runDir);
    expect(rows.map((x) => [x.line, x.outcome, x.error_code])).toEqual([
      ['2', 'updated', ''],
      ['3', 'updated', ''],
      ['6', 'updated', ''],
      ['7', 'invalid', 'invalid_uuid'],
      ['8', 'invalid', 'bad_language'],
      ['9', 'updated', ''],
    ]);
    expect(emulator.get(testId(1))).toMatchObject({ customer_name: 'Ana', customer_language: 'pt-BR' });
    expect(emulator.get(testId(2))?.customer_name).toBe('Multi\r\nLine, Name');
    expect(emulator.get(testId(3))).toMatchObject({ customer_name: null, customer_language: 'fr' });
    expect(emulator.get(testId(4))?.customer_name).toBe('Before 4');
    const { summary } = readRun(runDir);
    const totals = summary.totals as Record<string, number>;
    expect(Object.values(totals).reduce((a, b) => a + b, 0)).toBe(summary.input.rows);
    expect(totals).toEqual({ updated: 4, unchanged: 0, valid: 0, would_update: 0, invalid: 2, failed: 0, not_attempted: 0 });
    expect(summary.requests).toEqual({ total: 4, retries: 0, rate_limited: 0 });
    expect(r.stdout).toContain('updated');
    expect(r.stdout).toContain(runDir);
  });

  it('keeps empty cells out of the body with --empty keep', async () => {
    const file = csvFile('keep.csv', `id,name,language\n${testId(1)},,fr\n`);
    expect((await run(file, '--empty', 'keep')).code).toBe(0);
    expect(emulator.get(testId(1))).toMatchObject({ customer_name: 'Before 1', customer_language: 'fr' });
  });

  it('applies rows with the same id in file order, one at a time, and names the id', async () => {
    emulator.setFaults({ latencyMs: 30 });
    const lines = ['id,customer_name'];
    for (let i = 1; i <= 6; i++) lines.push(`${testId(7)},Version ${i}`);
    const r = await run(csvFile('dups.csv', lines.join('\n')), '--concurrency', '8');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(testId(7));
    expect(emulator.get(testId(7))?.customer_name).toBe('Version 6');
    const patches = emulator.requests.filter((q) => q.method === 'PATCH');
    for (let i = 1; i < patches.length; i++) expect(patches[i]!.startedAt).toBeGreaterThanOrEqual(patches[i - 1]!.endedAt);
  });

  it('marks an earlier row superseded when a later row with its id is updated, and leaves it out of failed.csv', async () => {
    const file = csvFile(
      'supersede.csv',
      `id,customer_name,customer_language\n${testId(8)},Old,EN\n${testId(9)},Z,zz-ZZZ\n${testId(8)},New,en\n`,
    );
    const r = await run(file);
    expect(r.code).toBe(1);
    const runDir = onlyRunDir(reports);
    const rows = results(runDir);
    expect(rows[0]).toMatchObject({ outcome: 'invalid', error_code: 'superseded' });
    expect(rows[0]!.message).toContain('customer_language');
    expect(readRun(runDir).failed.toString()).toBe(`id,customer_name,customer_language\n${testId(9)},Z,zz-ZZZ\n`);
  });

  it('never marks a later row superseded by an earlier update: a later invalid row stays in failed.csv', async () => {
    emulator.setFaults({ latencyMs: 50 });
    const file = csvFile('later.csv', `id,customer_name,customer_language\n${testId(8)},Old,en\n${testId(8)},Newer,EN\n`);
    expect((await run(file)).code).toBe(1);
    const runDir = onlyRunDir(reports);
    expect(results(runDir).map((x) => [x.outcome, x.error_code])).toEqual([
      ['updated', ''],
      ['invalid', 'bad_language'],
    ]);
    expect(readRun(runDir).failed.toString()).toBe(`id,customer_name,customer_language\n${testId(8)},Newer,EN\n`);
    expect(readRun(runDir).summary.superseded).toBe(0);
  });

  it('reports an unclosed quote at the line where it opened, and copies the whole record to failed.csv', async () => {
    const content = `id,customer_name,customer_language\n${testId(1)},A,en\n${testId(2)},"two\nlines","en\n${testId(1)},D,de\n`;
    const r = await cli(['import', csvFile('unclosed.csv', content), '--dry-run', '--report-dir', reports]);
    expect(r.code).toBe(1);
    const runDir = onlyRunDir(reports);
    const rows = results(runDir);
    expect(rows.map((x) => [x.line, x.outcome, x.error_code])).toEqual([
      ['2', 'valid', ''],
      ['4', 'invalid', 'unclosed_quote'],
    ]);
    expect(rows[1]!.message).toMatch(/quote opened on line 4/);
    expect(readRun(runDir).failed.toString()).toBe(
      `id,customer_name,customer_language\n${testId(2)},"two\nlines","en\n${testId(1)},D,de\n`,
    );
  });

  it('writes failed.csv that re-imports to the same failures', async () => {
    const file = csvFile(
      'fail.csv',
      `\uFEFFid,customer_name,customer_language\r\n${testId(1)},Fine,en\r\nnope,Bad,en\r\n${testId(999)},"Gone\r\nAway",en\r\n${testId(2)},Also fine,fr`,
    );
    const first = await run(file);
    expect(first.code).toBe(1);
    const firstDir = onlyRunDir(reports);
    const failed = readRun(firstDir).failed;
    expect(failed.toString()).toBe(`\uFEFFid,customer_name,customer_language\r\nnope,Bad,en\r\n${testId(999)},"Gone\r\nAway",en\r\n`);
    const retryReports = path.join(work, 'retry');
    const second = await cli(['import', path.join(firstDir, 'failed.csv'), '--base-url', emulator.baseUrl, '--report-dir', retryReports], {
      env: env(),
    });
    expect(second.code).toBe(1);
    const again = results(onlyRunDir(retryReports)).map((x) => [x.id, x.outcome, x.error_code]);
    expect(again).toEqual([
      ['nope', 'invalid', 'invalid_uuid'],
      [testId(999), 'failed', 'not_found'],
    ]);
    expect(first.stdout).toContain(`vorel-sync import ${path.join(firstDir, 'failed.csv')}`);
  });

  it('sends nothing on a dry run and needs no key', async () => {
    const file = csvFile('dry.csv', `id,name\n${testId(1)},A\nbad,B\n`);
    const r = await cli(['import', file, '--dry-run', '--report-dir', reports]);
    expect(r.code).toBe(1);
    expect(emulator.requests).toHaveLength(0);
    const rows = results(onlyRunDir(reports));
    expect(rows.map((x) => x.outcome)).toEqual(['valid', 'invalid']);
    const { summary } = readRun(onlyRunDir(reports));
    expect(summary.mode).toBe('dry-run');
    expect(summary.key_fingerprint).toBeNull();
    // The way on after a rehearsal is another rehearsal of the fixed file, never a real import of failed.csv.
    expect(summary.retry_command).toBe(`vorel-sync import ${file} --dry-run --delimiter , --report-dir ${reports}`);
    expect(r.stdout).toContain(`then check the file again:\n  vorel-sync import ${file} --dry-run`);
    expect(r.stdout).not.toContain('To retry');
    // A dry run is run again, never resumed: neither its summary nor its journal holds a resume command.
    expect(summary.resume_command).toBeNull();
    const journal = readFileSync(path.join(onlyRunDir(reports), 'journal.ndjson'), 'utf8');
    const facts = journal.split('\n').filter((line) => line.includes('"commands"'));
    expect(facts.map((line) => JSON.parse(line).commands.resume)).toEqual([null]);
  });

  it('warns about duplicate ids on a dry run too, and counts them in the summary', async () => {
    const file = csvFile('dry-dups.csv', `id,name\n${testId(1)},A\n${testId(2)},B\n${testId(1).toUpperCase()},C\n`);
    const r = await cli(['import', file, '--dry-run', '--report-dir', reports]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`1 ids appear on more than one row (applied in file order, one at a time): ${testId(1)}`);
    expect(readRun(onlyRunDir(reports)).summary.duplicate_ids).toBe(1);
  });

  it('reads stdin with -', async () => {
    const r = await cli(['import', '-', '--base-url', emulator.baseUrl, '--report-dir', reports], {
      env: env(),
      stdin: `id,name\n${testId(3)},From stdin\n`,
    });
    expect(r.code).toBe(0);
    expect(emulator.get(testId(3))?.customer_name).toBe('From stdin');
    const runDir = onlyRunDir(reports);
    // Kept (contract, revision 3): report and resume read the run's bytes there.
    expect(statSync(path.join(runDir, 'stdin.csv')).mode & 0o777).toBe(0o600);
    expect(readRun(runDir).summary.input.path).toBe('-');
    const results = readFileSync(path.join(runDir, 'results.csv'), 'utf8');
    const report = await cli(['report', runDir]);
    expect(report.code, report.stderr).toBe(0);
    expect(readFileSync(path.join(runDir, 'results.csv'), 'utf8')).toBe(results);
  });

  it('exits 0 with zero rows for a header-only file', async () => {
    const r = await run(csvFile('header.csv', 'id,customer_name\n'));
    expect(r.code).toBe(0);
    expect(readRun(onlyRunDir(reports)).summary.input.rows).toBe(0);
  });

  it('creates the run folder 0700 and its files 0600', async () => {
    await run(csvFile('perm.csv', `id,name\n${testId(1)},A\n`));
    const runDir = onlyRunDir(reports);
    expect(statSync(runDir).mode & 0o777).toBe(0o700);
    for (const f of ['summary.json', 'results.csv', 'failed.csv', 'report.html', 'journal.ndjson']) {
      expect(statSync(path.join(runDir, f)).mode & 0o777, f).toBe(0o600);
    }
  });

  it('neutralises formula-like cells in results.csv but sends them as they are', async () => {
    const file = csvFile('formula.csv', `id,name\n${testId(1)},=SUM(A1)\n${testId(2)},'-minus\n`);
    expect((await run(file)).code).toBe(0);
    expect(emulator.get(testId(1))?.customer_name).toBe('=SUM(A1)');
    expect(emulator.get(testId(2))?.customer_name).toBe('-minus');
    const text = readRun(onlyRunDir(reports)).results;
    expect(text).toContain(",'=SUM(A1),");
    expect(text).toContain(",'-minus,");
  });

  it('stops with exit 3 on a key the API does not know, sending at most --concurrency requests', async () => {
    const stranger = `vapk_live_${'ab'.repeat(24)}`;
    const lines = ['id,name', ...Array.from({ length: 30 }, (_, i) => `${testId(i + 1)},N${i}`)];
    const r = await cli(['import', csvFile('k.csv', lines.join('\n')), '--base-url', emulator.baseUrl, '--report-dir', reports], {
      env: { VOREL_API_KEY: stranger },
    });
    expect(r.code).toBe(3);
    expect(emulator.requests.length).toBeLessThanOrEqual(4);
    const rows = results(onlyRunDir(reports));
    expect(rows).toHaveLength(30);
    expect(rows.filter((x) => x.outcome === 'not_attempted').length).toBeGreaterThanOrEqual(26);
    expect(r.stderr + r.stdout).not.toContain(stranger);
  });

  it('stops with exit 3 and names the scope when the key cannot write', async () => {
    const readOnly = emulator.createKey(['read']);
    const r = await cli(
      ['import', csvFile('s.csv', `id,name\n${testId(1)},A\n${testId(2)},B\n`), '--base-url', emulator.baseUrl, '--report-dir', reports],
      {
        env: { VOREL_API_KEY: readOnly },
      },
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('conversations:write');
    expect(emulator.get(testId(1))?.customer_name).toBe('Before 1');
  });

  it('fails a row 404 as not_found and stops after --max-errors consecutive failures', async () => {
    const lines = ['id,name', ...Array.from({ length: 10 }, (_, i) => `${testId(500 + i)},N${i}`)];
    const r = await run(csvFile('gone.csv', lines.join('\n')), '--max-errors', '3', '--concurrency', '1');
    expect(r.code).toBe(3);
    const rows = results(onlyRunDir(reports));
    expect(rows.slice(0, 3).map((x) => x.error_code)).toEqual(['not_found', 'not_found', 'not_found']);
    expect(rows.slice(3).every((x) => x.outcome === 'not_attempted')).toBe(true);
    expect(emulator.requests).toHaveLength(3);
  });
});

describe('reading what the server answered', () => {
  let server: http.Server;
  let baseUrl: string;
  beforeEach(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const id = req.url?.split('/').pop() ?? '';
        if (id === testId(3)) {
          // The values sent, but on another conversation: the write is not confirmed.
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              customer_language: null,
              ...JSON.parse(body),
              id: testId(99),
              channel: 'webform',
              customer_identifier: 'a@b.c',
              status: 'active',
              created_at: '2025-01-01T00:00:00Z',
              first_message_at: null,
              last_message_at: null,
            }),
          );
        } else if (id === testId(1)) {
          // A 200 whose body is not what was sent: the reconciliation must catch it.
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              ...JSON.parse(body),
              id,
              customer_name: 'Something Else',
              channel: 'webform',
              customer_identifier: 'a@b.c',
              status: 'active',
              created_at: '2025-01-01T00:00:00Z',
              customer_language: 'en',
              first_message_at: null,
              last_message_at: null,
            }),
          );
        } else {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'bad_request', message: 'customer_name: nope' } }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reports a 200 with other values as failed/mismatch and a 400 as invalid/bad_request with the server message', async () => {
    const file = csvFile('m.csv', `id,name\n${testId(1)},Mine\n${testId(2)},Other\n${testId(3)},Third\n`);
    const r = await cli(['import', file, '--base-url', baseUrl, '--report-dir', reports], {
      env: { VOREL_API_KEY: `vapk_live_${'0'.repeat(48)}` },
    });
    expect(r.code).toBe(1);
    const rows = results(onlyRunDir(reports));
    expect(rows[0]).toMatchObject({ outcome: 'failed', error_code: 'mismatch', http_status: '200', attempts: '1' });
    expect(rows[1]).toMatchObject({ outcome: 'invalid', error_code: 'bad_request', http_status: '400' });
    expect(rows[1]!.message).toContain('customer_name: nope');
    expect(rows[2]).toMatchObject({ outcome: 'failed', error_code: 'mismatch' });
    expect(rows[2]!.message).toContain(`with conversation ${testId(99)}`);
  });
});
