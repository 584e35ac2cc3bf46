/** --plan, --only-changed, rollback.csv, --read strategies, --match-by customer_identifier: end to end against the emulator. */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { makeConversation, startEmulator, type Emulator } from '../src/emulator/index.js';
import type { Conversation } from '../src/types.js';
import { cli, onlyRunDir, readRun, tempDir } from './helpers/cli.js';
import { emulatorWith, testId } from './helpers/emulator.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** A work dir with a fresh report dir per run, and the CLI bound to the emulator. */
function workspace(em: Emulator) {
  const work = tempDir();
  let runs = 0;
  return {
    dir: work,
    file(name: string, content: string): string {
      const file = path.join(work, name);
      writeFileSync(file, content);
      return file;
    },
    async run(file: string, ...args: string[]) {
      const reports = path.join(work, `reports-${++runs}`);
      const r = await cli(['import', file, '--base-url', em.baseUrl, '--report-dir', reports, '--rate', '100000', ...args], {
        env: { VOREL_API_KEY: em.apiKey },
      });
      return { ...r, runDir: existsSync(reports) ? onlyRunDir(reports) : '' };
    },
  };
}

/** A workspace holding a.csv, which names ids 1 and 2. */
function twoRows(em: Emulator) {
  const ws = workspace(em);
  return {
    ws,
    file: ws.file(
      'a.csv',
      csv('id,name', [
        [testId(1), 'X'],
        [testId(2), 'Y'],
      ]),
    ),
  };
}

/** RFC 4180 cell; null → empty. */
const cell = (v: string | null): string => (v === null ? '' : /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
const csv = (header: string, rows: (string | null)[][]): string =>
  `${[header, ...rows.map((r) => r.map(cell).join(','))].join('\r\n')}\r\n`;

type Row = Record<string, string>;
const readCsv = (runDir: string, name: string): Row[] => parse(readFileSync(path.join(runDir, name)), { columns: true }) as Row[];
const methods = (em: Emulator) => {
  const count = (m: string, prefix = '') => em.requests.filter((q) => q.method === m && q.path.startsWith(prefix)).length;
  return { patch: count('PATCH'), list: count('GET', '/api/v1/conversations?'), get: count('GET', '/api/v1/conversations/') };
};

describe('--plan', () => {
  it('sends no PATCH, writes plan.csv for every field that would change, and estimates the real run', async () => {
    emulator = await emulatorWith(5);
    emulator.insert([makeConversation({ id: testId(6), customer_name: null, customer_language: 'fr' })]);
    const ws = workspace(emulator);
    const file = ws.file(
      'plan.csv',
      csv('id,customer_name,customer_language', [
        [testId(1), 'Before 1', 'en'], // unchanged
        [testId(2), 'New, Name', 'en'], // name
        [testId(3), '=SUM(A1)', 'de'], // both, formula-like
        [testId(4), 'Before 4', null], // clears the language
        [testId(6), 'Named now', 'fr'], // null before
        [testId(404), 'Nobody', 'en'], // 404
      ]),
    );
    // One row of six clears a language it holds: intended here, and above the default --max-clears.
    const r = await ws.run(file, '--plan', '--allow-clears');
    expect(r.code).toBe(1); // the 404 row
    expect(methods(emulator).patch).toBe(0);
    expect(emulator.requests.every((q) => q.method === 'GET')).toBe(true);
    expect(readFileSync(path.join(r.runDir, 'plan.csv'), 'utf8')).toBe(
      'line,id,field,before,after\r\n' +
        `3,${testId(2)},customer_name,Before 2,"New, Name"\r\n` +
        `4,${testId(3)},customer_name,Before 3,'=SUM(A1)\r\n` +
        `4,${testId(3)},customer_language,en,de\r\n` +
        `5,${testId(4)},customer_language,en,\r\n` +
        `6,${testId(6)},customer_name,,Named now\r\n`,
    );
    const results = readCsv(r.runDir, 'results.csv');
    expect(results.map((x) => [x.outcome, x.error_code, x.before_customer_name])).toEqual([
      ['unchanged', '', 'Before 1'],
      ['would_update', '', 'Before 2'],
      ['would_update', '', 'Before 3'],
      ['would_update', '', 'Before 4'],
      ['would_update', '', ''],
      ['failed', 'not_found', ''],
    ]);
    const { summary } = readRun(r.runDir);
    expect(summary.mode).toBe('plan');
    expect(summary.read).toMatchObject({ strategy: 'get', requests: 6, conversations_scanned: null });
    expect(summary.plan).toEqual({
      would_change: 4,
      patch_requests: 4,
      read_requests: 6,
      requests: 10,
      estimated_minutes: 0.1,
      rate: 100000,
    });
    expect(r.stdout).toMatch(/plan: 4 rows would change/);
    expect(existsSync(path.join(r.runDir, 'rollback.csv'))).toBe(false);
    expect(emulator.get(testId(2))?.customer_name).toBe('Before 2');
  });

  it('estimates the real run at the pace the run keeps: 200/min from the rate headers under --rate auto', async () => {
    emulator = await emulatorWith(2, { rateLimit: { limit: 200, windowMs: 60_000 } });
    const ws = workspace(emulator);
    const file = ws.file(
      'plan.csv',
      csv('id,customer_name', [
        [testId(1), 'New 1'],
        [testId(2), 'New 2'],
      ]),
    );
    const reports = path.join(ws.dir, 'reports');
    const r = await cli(['import', file, '--plan', '--base-url', emulator.baseUrl, '--report-dir', reports], {
      env: { VOREL_API_KEY: emulator.apiKey },
    });
    const { summary } = readRun(onlyRunDir(reports));
    expect(summary.rate).toEqual({ mode: 'auto', per_min: 200, source: 'headers' });
    expect(summary.plan).toMatchObject({ requests: 4, rate: 200, estimated_minutes: 0.1 });
    expect(r.stdout).toMatch(/at least 0.1 min at 200 requests\/min/);
  });

  it('plans a later row of the same id against the earlier row, as the real run would apply them', async () => {
    emulator = await emulatorWith(2);
    const ws = workspace(emulator);
    const r = await ws.run(
      ws.file(
        'dup.csv',
        csv('id,name', [
          [testId(1), 'A'],
          [testId(1), 'A'],
          [testId(1), 'Before 1'],
        ]),
      ),
      '--plan',
    );
    expect(readCsv(r.runDir, 'results.csv').map((x) => [x.outcome, x.before_customer_name])).toEqual([
      ['would_update', 'Before 1'],
      ['unchanged', 'A'],
      ['would_update', 'A'],
    ]);
    expect(methods(emulator)).toEqual({ patch: 0, list: 0, get: 1 });
  });

  it('exits 4 with --detailed-exitcode when changes are pending, 0 when none, 1 when a row is invalid', async () => {
    emulator = await emulatorWith(3);
    const ws = workspace(emulator);
    const pending = ws.file(
      'pending.csv',
      csv('id,name', [
        [testId(1), 'Before 1'],
        [testId(2), 'Changed'],
      ]),
    );
    const same = ws.file(
      'same.csv',
      csv('id,name', [
        [testId(1), 'Before 1'],
        [testId(2), 'Before 2'],
      ]),
    );
    const invalid = ws.file(
      'invalid.csv',
      csv('id,name', [
        [testId(2), 'Changed'],
        ['not-a-uuid', 'X'],
      ]),
    );
    expect((await ws.run(pending, '--plan', '--detailed-exitcode')).code).toBe(4);
    expect((await ws.run(pending, '--plan')).code).toBe(0);
    expect((await ws.run(same, '--plan', '--detailed-exitcode')).code).toBe(0);
    const r = await ws.run(invalid, '--plan', '--detailed-exitcode');
    expect(r.code).toBe(1);
    expect(readRun(r.runDir).summary.exit_code).toBe(1);
    expect(methods(emulator).patch).toBe(0);
  });

  it.each(['get', 'list'])('stops with exit 3 and names the read scope when the key cannot read (--read %s)', async (read) => {
    emulator = await emulatorWith(3);
    const writeOnly = emulator.createKey(['conversations:write']);
    const { ws, file } = twoRows(emulator);
    const reports = path.join(ws.dir, 'r');
    const r = await cli(['import', file, '--only-changed', '--read', read, '--base-url', emulator.baseUrl, '--report-dir', reports], {
      env: { VOREL_API_KEY: writeOnly },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/lacks the required scope: read/);
    expect(methods(emulator).patch).toBe(0);
    expect(readCsv(onlyRunDir(reports), 'results.csv').map((x) => x.outcome)).toContain('not_attempted');
    if (read === 'list') expect(emulator.requests).toHaveLength(1);
  });

  it('stops at Ctrl-C during the scan: exit 130, nothing written, every row not_attempted', async () => {
    emulator = await emulatorWith(1000);
    emulator.setFaults({ latencyMs: 20 });
    const { ws, file } = twoRows(emulator);
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 60);
    const reports = path.join(ws.dir, 'r');
    const r = await cli(
      ['import', file, '--only-changed', '--read', 'list', '--base-url', emulator.baseUrl, '--report-dir', reports, '--rate', '100000'],
      {
        env: { VOREL_API_KEY: emulator.apiKey },
        signal: stop.signal,
      },
    );
    expect(r.code).toBe(130);
    expect(methods(emulator).patch).toBe(0);
    expect(methods(emulator).list).toBeLessThan(10);
    expect(readCsv(onlyRunDir(reports), 'results.csv').map((x) => [x.outcome, x.error_code])).toEqual([
      ['not_attempted', 'interrupted'],
      ['not_attempted', 'interrupted'],
    ]);
  });

  it('reads nothing when no row is valid', async () => {
    emulator = await emulatorWith(3);
    const ws = workspace(emulator);
    const r = await ws.run(ws.file('bad.csv', csv('id,name', [['nope', 'X']])), '--plan', '--read', 'list');
    expect(r.code).toBe(1);
    expect(emulator.requests).toHaveLength(0);
  });
});

describe('--only-changed', () => {
  const tenPercent = (n: number): (string | null)[][] =>
    Array.from({ length: n }, (_, i) => [testId(i + 1), i % 10 === 0 ? `Changed ${i + 1}` : `Before ${i + 1}`, 'en']);

  it.each([
    ['get', { list: 0, get: 100 }],
    ['list', { list: 1, get: 0 }],
  ])('with --read %s sends exactly the PATCHes of the rows that differ, plus the reads', async (read, reads) => {
    emulator = await emulatorWith(100);
    const ws = workspace(emulator);
    const r = await ws.run(
      ws.file('ten.csv', csv('id,customer_name,customer_language', tenPercent(100))),
      '--only-changed',
      '--read',
      read,
    );
    expect(r.code).toBe(0);
    expect(methods(emulator)).toEqual({ patch: 10, ...reads });
    const patched = emulator.requests.filter((q) => q.method === 'PATCH').map((q) => q.path.split('/').pop());
    expect(patched.sort()).toEqual(Array.from({ length: 10 }, (_, k) => testId(k * 10 + 1)).sort());
    expect(emulator.get(testId(11))?.customer_name).toBe('Changed 11');
    const { summary } = readRun(r.runDir);
    expect(summary.totals).toMatchObject({ updated: 10, unchanged: 90 });
    expect(summary.requests.total).toBe(10 + reads.list + reads.get);
    expect(summary.rollback).toMatchObject({ rows: 10, unrestorable: 0 });
    // Pasted elsewhere, the undo command must put the values back on this API, not on production.
    expect(summary.rollback.undo_command).toMatch(
      /^vorel-sync import \S+rollback\.csv --base-url http:\/\/127\.0\.0\.1:\d+ --empty null --allow-clears/,
    );
  });

  it('PATCHes only the differing fields and never compares a field --empty keep leaves out', async () => {
    emulator = await emulatorWith(3);
    const ws = workspace(emulator);
    const file = ws.file(
      'keep.csv',
      csv('id,name,language', [
        [testId(1), null, 'en'],
        [testId(2), null, 'fr'],
        [testId(3), 'Before 3', 'de'],
      ]),
    );
    const r = await ws.run(file, '--only-changed', '--empty', 'keep');
    expect(r.code).toBe(0);
    expect(readCsv(r.runDir, 'results.csv').map((x) => x.outcome)).toEqual(['unchanged', 'updated', 'updated']);
    expect(emulator.get(testId(2))).toMatchObject({ customer_name: 'Before 2', customer_language: 'fr' });
    expect(emulator.get(testId(3))).toMatchObject({ customer_name: 'Before 3', customer_language: 'de' });
    // With --empty null the same empty cell is a change: the name is cleared.
    const again = await ws.run(ws.file('null.csv', csv('id,name', [[testId(1), null]])), '--only-changed', '--allow-clears');
    expect(readCsv(again.runDir, 'results.csv')[0]).toMatchObject({ outcome: 'updated', before_customer_name: 'Before 1' });
    expect(emulator.get(testId(1))?.customer_name).toBeNull();
  });

  it('journals the before-values before the PATCH that changes them', async () => {
    emulator = await emulatorWith(2);
    const ws = workspace(emulator);
    const r = await ws.run(ws.file('j.csv', csv('id,name', [[testId(1), 'New']])), '--only-changed');
    const records = readFileSync(path.join(r.runDir, 'journal.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const before = records.findIndex((x) => x.type === 'before');
    const row = records.findIndex((x) => x.type === 'row');
    expect(before).toBeGreaterThan(-1);
    expect(before).toBeLessThan(row);
    expect(records[before]).toMatchObject({ id: testId(1), before: { customer_name: 'Before 1', customer_language: 'en' } });
  });

  it('fails a row the API does not know as not_found, whether read by GET or missed by the scan', async () => {
    emulator = await emulatorWith(3);
    const ws = workspace(emulator);
    for (const read of ['get', 'list']) {
      const r = await ws.run(
        ws.file(
          `${read}.csv`,
          csv('id,name', [
            [testId(1), `X ${read}`],
            [testId(77), 'Y'],
          ]),
        ),
        '--only-changed',
        '--read',
        read,
      );
      expect(r.code).toBe(1);
      expect(readCsv(r.runDir, 'results.csv').map((x) => [x.outcome, x.error_code, x.http_status])).toEqual([
        ['updated', '', '200'],
        ['failed', 'not_found', '404'],
      ]);
    }
  });
});

describe('rollback.csv', () => {
  /** A file that changes every third seeded conversation in every way the data allows, one id twice. */
  function changes(conversations: Conversation[]): (string | null)[][] {
    const rows: (string | null)[][] = [];
    conversations.forEach((c, i) => {
      if (i % 3 !== 0) rows.push([c.id, c.customer_name, c.customer_language]);
      else if (i % 2 === 0)
        rows.push([c.id, c.customer_name === null ? 'Was null' : null, c.customer_language === 'pt-BR' ? 'en' : 'pt-BR']);
      else rows.push([c.id, `Ünïcode 👋 "${i}", =x`, c.customer_language]);
    });
    const first = conversations[0]!;
    rows.push([first.id, 'Second write', 'ja']); // the rollback keeps the values from before the FIRST write
    return rows;
  }

  it('restores the emulator state exactly when imported with --empty null', async () => {
    emulator = await startEmulator({ count: 400, seed: 11, rateLimit: null });
    const before = JSON.stringify(emulator.dump());
    const ws = workspace(emulator);
    const changed = await ws.run(
      ws.file('changes.csv', csv('id,customer_name,customer_language', changes(emulator.dump()))),
      '--only-changed',
      '--read',
      'list',
      // A sixth of the rows clear a name on purpose.
      '--allow-clears',
    );
    expect(changed.code).toBe(0);
    expect(JSON.stringify(emulator.dump())).not.toBe(before);
    const rollback = readCsv(changed.runDir, 'rollback.csv');
    expect(rollback).toHaveLength(134);
    expect(new Set(rollback.map((x) => x.id)).size).toBe(rollback.length);
    expect(readRun(changed.runDir).summary.rollback).toMatchObject({ rows: 134, unrestorable: 0 });

    const undo = await ws.run(path.join(changed.runDir, 'rollback.csv'), '--empty', 'null', '--allow-clears');
    expect(undo.code).toBe(0);
    expect(JSON.stringify(emulator.dump())).toBe(before);
  });

  it('counts before-values an import cannot restore exactly (a stored name with surrounding spaces)', async () => {
    emulator = await emulatorWith(1);
    emulator.insert([makeConversation({ id: testId(2), customer_name: '  Padded  ', customer_language: 'en' })]);
    const ws = workspace(emulator);
    const r = await ws.run(
      ws.file(
        'p.csv',
        csv('id,name', [
          [testId(1), 'X'],
          [testId(2), 'Y'],
        ]),
      ),
      '--only-changed',
    );
    expect(readRun(r.runDir).summary.rollback).toMatchObject({ rows: 2, unrestorable: 1 });
    expect(readFileSync(path.join(r.runDir, 'rollback.csv'), 'utf8')).toBe(
      `id,customer_name,customer_language\r\n${testId(1)},Before 1,en\r\n${testId(2)},  Padded  ,en\r\n`,
    );
    expect(r.stdout).toMatch(/1 hold values an import cannot restore exactly/);
  });
});

describe('--read auto', () => {
  it('reads a file under 500 rows with one GET per row and says so', async () => {
    emulator = await emulatorWith(600);
    const ws = workspace(emulator);
    const rows = Array.from({ length: 499 }, (_, i) => [testId(i + 1), `Before ${i + 1}`]);
    const r = await ws.run(ws.file('small.csv', csv('id,name', rows)), '--plan');
    expect(r.code).toBe(0);
    expect(methods(emulator)).toEqual({ patch: 0, list: 0, get: 499 });
    expect(r.stderr).toContain('one GET per row: 499 requests');
  });

  it('scans the tenant for a file of 500 rows or more: one list request per 100 conversations', async () => {
    emulator = await emulatorWith(650);
    const ws = workspace(emulator);
    const rows = Array.from({ length: 500 }, (_, i) => [testId(i + 1), i === 7 ? 'Changed' : `Before ${i + 1}`]);
    const r = await ws.run(ws.file('large.csv', csv('id,name', rows)), '--only-changed');
    expect(r.code).toBe(0);
    expect(methods(emulator)).toEqual({ patch: 1, list: 7, get: 0 });
    expect(emulator.requests.filter((q) => q.method === 'GET').every((q) => /[?&]limit=100\b/.test(q.path))).toBe(true);
    expect(r.stderr).toContain('scanning the tenant');
    expect(r.stderr).toContain('scanned 650 conversations with 7 list requests');
    expect(readRun(r.runDir).summary.read).toMatchObject({ strategy: 'list', requests: 7, conversations_scanned: 650 });
  });

  it('scans for stdin', async () => {
    emulator = await emulatorWith(3);
    const work = tempDir();
    const r = await cli(
      ['import', '-', '--plan', '--base-url', emulator.baseUrl, '--report-dir', path.join(work, 'r'), '--rate', '100000'],
      {
        env: { VOREL_API_KEY: emulator.apiKey },
        stdin: csv('id,name', [[testId(1), 'X']]),
      },
    );
    expect(r.code).toBe(0);
    expect(methods(emulator)).toEqual({ patch: 0, list: 1, get: 0 });
  });
});

describe('--match-by customer_identifier', () => {
  const PHONE = '+447700900123';
  const shared = { channel: 'whatsapp', customer_identifier: PHONE };
  const conversations = [
    makeConversation({ id: testId(1), ...shared, customer_name: 'WA', customer_language: 'en' }),
    makeConversation({ id: testId(2), channel: 'voice', customer_identifier: PHONE, customer_name: 'Voice', customer_language: 'en' }),
    makeConversation({
      id: testId(3),
      channel: 'webform',
      customer_identifier: 'Anna.Smith@example.com',
      customer_name: 'Anna',
      customer_language: 'en',
    }),
    makeConversation({
      id: testId(4),
      channel: 'whatsapp',
      customer_identifier: '+4915112345678',
      customer_name: 'Jonas',
      customer_language: 'de',
    }),
  ];
  const file = csv('customer_identifier,channel,customer_name', [
    ['+44 7700 900123', null, 'Ambiguous'], // whatsapp and voice
    ['+44 (0) 7700-900123', 'Voice', 'Voice 2'],
    [' anna.smith@EXAMPLE.com ', null, 'Anna 2'],
    ['0049 151.1234.5678', null, 'Jonas'], // unchanged
    ['+1 555 0100', null, 'Nobody'],
  ]);
  const expected = [
    ['', 'invalid', 'ambiguous'],
    [testId(2), 'updated', ''],
    [testId(3), 'updated', ''],
    [testId(4), 'updated', ''],
    ['', 'failed', 'not_found'],
  ];

  it('resolves normalised phones and emails through the scan, never guesses, and reports the resolved id', async () => {
    emulator = await startEmulator({ count: 0, rateLimit: null, conversations });
    const ws = workspace(emulator);
    const r = await ws.run(ws.file('m.csv', file), '--match-by', 'customer_identifier');
    expect(r.code).toBe(1);
    const results = readCsv(r.runDir, 'results.csv');
    expect(results.map((x) => [x.id, x.outcome, x.error_code])).toEqual(expected);
    expect(results[0]!.message).toMatch(/matches 2 conversations.*channel column/);
    expect(methods(emulator)).toEqual({ patch: 3, list: 1, get: 0 });
    expect(emulator.get(testId(1))?.customer_name).toBe('WA');
    expect(emulator.get(testId(2))?.customer_name).toBe('Voice 2');
    expect(emulator.get(testId(3))?.customer_name).toBe('Anna 2');
    // Every write read its before-values from the scan: rollback.csv undoes them.
    expect(readCsv(r.runDir, 'rollback.csv').map((x) => [x.id, x.customer_name])).toEqual([
      [testId(2), 'Voice'],
      [testId(3), 'Anna'],
      [testId(4), 'Jonas'],
    ]);
  });

  it.each([
    ['--plan', 'would_update', 0],
    ['--only-changed', 'updated', 2],
  ])('works with %s', async (mode, changed, patches) => {
    emulator = await startEmulator({ count: 0, rateLimit: null, conversations });
    const ws = workspace(emulator);
    const r = await ws.run(ws.file('m.csv', file), '--match-by', 'customer_identifier', mode);
    expect(readCsv(r.runDir, 'results.csv').map((x) => [x.id, x.outcome])).toEqual([
      ['', 'invalid'],
      [testId(2), changed],
      [testId(3), changed],
      [testId(4), 'unchanged'],
      ['', 'failed'],
    ]);
    expect(methods(emulator)).toEqual({ patch: patches, list: 1, get: 0 });
  });
  it('marks an earlier row superseded when a later row with another spelling of the identifier updates the same conversation', async () => {
    emulator = await startEmulator({ count: 0, rateLimit: null, conversations });
    const ws = workspace(emulator);
    const twice = csv('customer_identifier,customer_name', [
      ['0049 151 1234 5678', 'Jonas'], // unchanged under --only-changed
      ['+4915112345678', 'Jonas Neu'],
    ]);
    const r = await ws.run(ws.file('twice.csv', twice), '--match-by', 'customer_identifier', '--only-changed');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/1 customer identifiers appear on more than one row/);
    expect(readCsv(r.runDir, 'results.csv').map((x) => [x.id, x.outcome, x.error_code])).toEqual([
      [testId(4), 'unchanged', 'superseded'],
      [testId(4), 'updated', ''],
    ]);
  });
});

describe('usage errors', () => {
  it.each([
    [['--plan', '--dry-run'], /--dry-run and --plan cannot be combined/],
    [['--plan', '--only-changed'], /--plan and --only-changed cannot be combined/],
    [['--only-changed', '--dry-run'], /cannot be combined/],
    [['--detailed-exitcode'], /--detailed-exitcode only applies to --plan/],
    [['--only-changed', '--detailed-exitcode'], /--detailed-exitcode only applies to --plan/],
    [['--plan', '--read', 'get', '--match-by', 'customer_identifier'], /--read get cannot resolve customer_identifier/],
    [['--plan', '--read', 'sometimes'], /read/],
    [['--match-by', 'phone'], /match-by/],
  ])('%j exits 2 and sends nothing', async (args, message) => {
    emulator = await emulatorWith(2);
    const ws = workspace(emulator);
    const r = await ws.run(ws.file('u.csv', csv('id,customer_identifier,name', [[testId(1), '+15550100', 'X']])), ...args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(emulator.requests).toHaveLength(0);
    expect(r.runDir).toBe('');
  });

  it('warns that --read is ignored by a plain import by id', async () => {
    emulator = await emulatorWith(2);
    const ws = workspace(emulator);
    const r = await ws.run(ws.file('w.csv', csv('id,name', [[testId(1), 'X']])), '--read', 'list');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/--read only matters/);
    expect(methods(emulator)).toEqual({ patch: 1, list: 0, get: 0 });
  });
});
