import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { makeConversation, startEmulator, type Emulator } from '../src/emulator/index.js';
import { EXPORT_COLUMNS } from '../src/export/options.js';
import { cleanCell } from '../src/values.js';
import { csvLine } from '../src/report/csv.js';
import type { Conversation } from '../src/types.js';
import { BIN, cli, onlyRunDir, readRun, tempDir } from './helpers/cli.js';
import { testId } from './helpers/emulator.js';

/** Hard cases on top of the seeded ones (which already hold many scripts, nulls and tricky names). */
const TRICKY: Partial<Conversation>[] = [
  { customer_name: '=SUM(A1:A9)', customer_language: null },
  { customer_name: '+1 Caller', customer_language: 'en' },
  { customer_name: '-minus', customer_language: 'fr' },
  { customer_name: '@mention', customer_language: null },
  { customer_name: 'Line one\nLine two', customer_language: 'de' },
  { customer_name: 'Carriage\r\nReturn, Ltd', customer_language: 'en-GB' },
  { customer_name: '"Quoted" and ""doubled""', customer_language: 'es' },
  { customer_name: 'Semi;colon\tand tab', customer_language: 'pt-BR' },
  { customer_name: null, customer_language: null },
  { customer_name: '王伟 👩‍💻 مريم', customer_language: 'zh-TW' },
];

const emulators: Emulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});

/** A seeded tenant plus the tricky rows, no rate limit (the client's --rate is set high). */
async function tenant(count = 300, opts: Parameters<typeof startEmulator>[0] = {}): Promise<Emulator> {
  const conversations = TRICKY.map((t, i) => makeConversation({ id: testId(i + 1), ...t }));
  const e = await startEmulator({ count, seed: 11, rateLimit: null, conversations, ...opts });
  emulators.push(e);
  return e;
}

const FAST = ['--rate', '100000', '--quiet'];
const exportCli = (e: Emulator, args: string[], extra: { signal?: AbortSignal; key?: string } = {}) =>
  cli(['export', ...args, '--base-url', e.baseUrl, ...FAST], {
    env: { VOREL_API_KEY: extra.key ?? e.apiKey },
    ...(extra.signal ? { signal: extra.signal } : {}),
  });
const importCli = (e: Emulator, file: string, reports: string, ...args: string[]) =>
  cli(['import', file, '--base-url', e.baseUrl, '--report-dir', reports, '--rate', '100000', '--concurrency', '16', ...args], {
    env: { VOREL_API_KEY: e.apiKey },
  });

function records(file: string, delimiter = ','): Record<string, string>[] {
  return parse(readFileSync(file), { bom: true, delimiter, columns: true }) as Record<string, string>[];
}

/** What the export of `c` must hold, cell by cell, once import's cleaning is applied. */
function expectedCells(c: Conversation): Record<string, string> {
  return Object.fromEntries(EXPORT_COLUMNS.map((k) => [k, c[k] ?? '']));
}

describe('export: the file', () => {
  it('holds every conversation in list order with exact values, CRLF line ends, mode 0600', async () => {
    const e = await tenant();
    const dir = tempDir();
    const file = path.join(dir, 'all.csv');
    const r = await exportCli(e, [file]);
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith(`${EXPORT_COLUMNS.join(',')}\r\n`)).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = records(file).map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, cleanCell(v)])));
    expect(rows).toEqual(e.dump().map(expectedCells));
    expect(readdirSync(dir)).toEqual(['all.csv']); // no temp left beside it
    expect(text).toContain("'=SUM(A1:A9)");
    expect(text).toContain("'+1 Caller");
    expect(r.stdout).toMatch(/exported 310 rows/);
    expect(e.requests.length).toBe(4); // ceil(310 / 100)
  });

  it('writes a UTF-8 BOM with --bom, and ; or tab with --delimiter', async () => {
    const e = await tenant(50);
    const dir = tempDir();
    expect((await exportCli(e, [path.join(dir, 'bom.csv'), '--bom', '--delimiter', ';'])).code).toBe(0);
    const bytes = readFileSync(path.join(dir, 'bom.csv'));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.subarray(3, 10).toString()).toBe('id;chan');
    expect((await exportCli(e, [path.join(dir, 'tab.csv'), '--delimiter', 'tab'])).code).toBe(0);
    expect(records(path.join(dir, 'tab.csv'), '\t')).toHaveLength(60);
    expect(readFileSync(path.join(dir, 'tab.csv'), 'utf8').startsWith('id\tchannel\t')).toBe(true);
  });

  it('writes to stdout with no file or -, the summary on stderr; --json needs a file', async () => {
    const e = await tenant(20);
    for (const args of [[], ['-']]) {
      const r = await cli(['export', ...args, '--base-url', e.baseUrl, '--rate', '100000'], { env: { VOREL_API_KEY: e.apiKey } });
      expect(r.code, r.stderr).toBe(0);
      expect(parse(r.stdout, { columns: true })).toHaveLength(30);
      expect(r.stderr).toMatch(/exported 30 rows .* to stdout/);
    }
    const json = await exportCli(e, ['--json']);
    expect(json.code).toBe(2);
    expect(json.stderr).toMatch(/--json needs an output file/);
  });

  it('prints a JSON summary with --json', async () => {
    const e = await tenant(120);
    const file = path.join(tempDir(), 'out.csv');
    const r = await exportCli(e, [file, '--json', '--status', 'closed']);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({
      command: 'export',
      output: file,
      pages: 2,
      scanned: 130,
      exit_code: 0,
      stopped: null,
      requests: { total: 2 },
    });
    expect(summary.written).toBe(e.dump().filter((c) => c.status === 'closed').length);
    expect(r.stdout).not.toContain(e.apiKey);
  });
});

describe('export → import round trip', () => {
  it.each([
    ['comma', []],
    ['; with a BOM', ['--delimiter', ';', '--bom']],
    ['tab', ['--delimiter', 'tab']],
  ])('re-importing the export as is (%s) is valid, plans zero changes, warns about no column and changes nothing', async (_name, args) => {
    const e = await tenant();
    const dir = tempDir();
    const file = path.join(dir, 'export.csv');
    expect((await exportCli(e, [file, ...args])).code).toBe(0);
    const before = e.dump();

    // The export holds empty names and languages: as is, a file-level count trips the clears guard.
    const refused = await importCli(e, file, path.join(dir, 'refused'), '--dry-run');
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/clears guard/);
    const dry = await importCli(e, file, path.join(dir, 'dry'), '--dry-run', '--allow-clears');
    expect(dry.code, dry.stderr).toBe(0);
    expect(readRun(onlyRunDir(path.join(dir, 'dry'))).summary.totals).toMatchObject({ valid: 310, invalid: 0 });
    expect(dry.stderr).not.toMatch(/unknown column/);

    const plan = await importCli(e, file, path.join(dir, 'plan'), '--plan', '--detailed-exitcode');
    expect(plan.code, plan.stderr).toBe(0);
    expect(readRun(onlyRunDir(path.join(dir, 'plan'))).summary.totals).toMatchObject({ unchanged: 310, would_update: 0 });
    expect(e.requests.filter((q) => q.method === 'PATCH')).toHaveLength(0);
    // --only-changed compares first: fields already empty are no clears, and nothing differs.
    const changed = await importCli(e, file, path.join(dir, 'changed'), '--only-changed');
    expect(changed.code, changed.stderr).toBe(0);
    expect(readRun(onlyRunDir(path.join(dir, 'changed'))).summary.clears_guard).toMatchObject({ tripped: false, over_limit: [] });
    expect(e.requests.filter((q) => q.method === 'PATCH')).toHaveLength(0);

    e.resetStats();
    const run = await importCli(e, file, path.join(dir, 'run'), '--allow-clears');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/unknown column/);
    expect(readRun(onlyRunDir(path.join(dir, 'run'))).summary.totals).toMatchObject({ updated: 310, invalid: 0, failed: 0 });
    expect(e.requests.filter((q) => q.method === 'PATCH')).toHaveLength(310);
    expect(e.dump()).toEqual(before);
  });

  it('an extra column would be warned about (the check above is not vacuous)', async () => {
    const e = await tenant(5);
    const dir = tempDir();
    const file = path.join(dir, 'extra.csv');
    writeFileSync(file, `id,customer_name,notes\r\n${testId(1)},A,x\r\n`);
    expect((await importCli(e, file, path.join(dir, 'dry'), '--dry-run')).stderr).toMatch(/warning: ignoring unknown columns: notes/);
  });

  it('edits to 5 cells change exactly those 5 conversations', async () => {
    const e = await tenant();
    const dir = tempDir();
    const file = path.join(dir, 'export.csv');
    expect((await exportCli(e, [file])).code).toBe(0);
    const before = e.dump();
    const rows = parse(readFileSync(file), { columns: false }) as string[][];
    const [header, ...data] = rows;
    const col = (name: string): number => header!.indexOf(name);
    // Edits as a spreadsheet user makes them: a new name, a formula-like name guarded by ',
    // a cleared name, a new language, a cleared language; on five different rows.
    const edits: [number, string, string, Partial<Conversation>][] = [
      [3, 'customer_name', 'Renamed Ltd', { customer_name: 'Renamed Ltd' }],
      [40, 'customer_name', "'=1+1", { customer_name: '=1+1' }],
      [77, 'customer_name', '', { customer_name: null }],
      [150, 'customer_language', 'pt-BR', { customer_language: 'pt-BR' }],
      [299, 'customer_language', '', { customer_language: null }],
    ];
    const expected = new Map(before.map((c) => [c.id, c]));
    for (const [index, field, value, change] of edits) {
      const row = data[index]!;
      const id = row[col('id')]!;
      // Pick rows where the edit is a real change.
      expect(expected.get(id)![field as keyof Conversation]).not.toBe(change[field as keyof Conversation]);
      row[col(field)] = value;
      expected.set(id, { ...expected.get(id)!, ...change });
    }
    writeFileSync(file, [header!, ...data].map((cells) => csvLine(cells, { neutralise: false })).join(''));

    // The plan shows exactly those 5 changes first.
    const plan = await importCli(e, file, path.join(dir, 'plan'), '--plan', '--detailed-exitcode');
    expect(plan.code, plan.stderr).toBe(4);
    const planned = parse(readFileSync(path.join(onlyRunDir(path.join(dir, 'plan')), 'plan.csv')), { columns: true }) as Record<
      string,
      string
    >[];
    expect(planned.map((p) => p.id).sort()).toEqual(edits.map(([i]) => data[i]![col('id')]!).sort());

    const run = await importCli(e, file, path.join(dir, 'run'), '--only-changed');
    expect(run.code, run.stderr).toBe(0);
    expect(readRun(onlyRunDir(path.join(dir, 'run'))).summary.totals).toMatchObject({ updated: 5, unchanged: 305 });
    const after = e.dump();
    const changed = after.filter((c, i) => JSON.stringify(c) !== JSON.stringify(before[i]));
    expect(changed.map((c) => c.id).sort()).toEqual(edits.map(([i]) => data[i]![col('id')]!).sort());
    expect(after).toEqual(before.map((c) => expected.get(c.id)));
  });
});

describe('export filters against a seeded tenant', () => {
  const cases: [string, string[], (c: Conversation) => boolean][] = [
    ['--channel whatsapp,voice', ['--channel', 'whatsapp,voice'], (c) => c.channel === 'whatsapp' || c.channel === 'voice'],
    [
      '--channel webform --status closed',
      ['--channel', 'webform', '--status', 'closed'],
      (c) => c.channel === 'webform' && c.status === 'closed',
    ],
    ['--status repeated', ['--status', 'active', '--status', 'handoff_requested'], (c) => c.status !== 'closed'],
    ['--missing name', ['--missing', 'name'], (c) => c.customer_name === null],
    [
      '--missing name --missing language',
      ['--missing', 'name', '--missing', 'language'],
      (c) => c.customer_name === null || c.customer_language === null,
    ],
    [
      '--missing language --channel WhatsApp',
      ['--missing', 'language', '--channel', 'WhatsApp'],
      (c) => c.customer_language === null && c.channel === 'whatsapp',
    ],
  ];
  it.each(cases)('%s keeps exactly the matching rows, in list order', async (_name, args, keep) => {
    const e = await tenant(400);
    const file = path.join(tempDir(), 'f.csv');
    const r = await exportCli(e, [file, ...args]);
    expect(r.code, r.stderr).toBe(0);
    const want = e
      .dump()
      .filter(keep)
      .map((c) => c.id);
    expect(want.length).toBeGreaterThan(0);
    expect(records(file).map((row) => row.id)).toEqual(want);
    expect(e.requests).toHaveLength(5); // the whole tenant is read: 410 rows
  });

  it('--created-after/--created-before keep a half-open range and the scan stops at older rows', async () => {
    const e = await tenant(1000);
    const all = e.dump();
    const after = all[420]!.created_at; // inclusive: this row is in
    const before = all[130]!.created_at; // exclusive: this row is out
    const file = path.join(tempDir(), 'range.csv');
    const r = await exportCli(e, [file, '--created-after', after, '--created-before', before]);
    expect(r.code, r.stderr).toBe(0);
    const inRange = (c: Conversation): boolean =>
      Date.parse(c.created_at) >= Date.parse(after) && Date.parse(c.created_at) < Date.parse(before);
    expect(records(file).map((row) => row.id)).toEqual(all.filter(inRange).map((c) => c.id));
    expect(records(file)[0]!.id).toBe(all[131]!.id);
    // Rows 0..421 are enough to know: pages 1..5 of 11.
    expect(e.requests).toHaveLength(5);
  });

  it('--limit stops requesting pages once n rows are written', async () => {
    const e = await tenant(1000);
    const file = path.join(tempDir(), 'limit.csv');
    const r = await exportCli(e, [file, '--limit', '150', '--json']);
    expect(records(file)).toHaveLength(150);
    expect(e.requests).toHaveLength(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ written: 150, ended_early: 'limit' });

    e.resetStats();
    const webform = e.dump().filter((c) => c.channel === 'webform');
    expect((await exportCli(e, [file, '--limit', '10', '--channel', 'webform'])).code).toBe(0);
    expect(records(file).map((row) => row.id)).toEqual(webform.slice(0, 10).map((c) => c.id));
    expect(e.requests.length).toBeLessThan(3);
  });
});

describe('export failures leave no file', () => {
  function expectNothingIn(dir: string): void {
    expect(readdirSync(dir)).toEqual([]);
  }

  it('an interrupted export (signal mid-scan) exits 130 and leaves neither the file nor its temp', async () => {
    const e = await tenant(3000, { faults: { latencyMs: 40 } });
    const dir = tempDir();
    const controller = new AbortController();
    const pending = exportCli(e, [path.join(dir, 'big.csv')], { signal: controller.signal });
    for (let i = 0; i < 1000 && e.requests.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(e.requests.length).toBeGreaterThanOrEqual(3);
    expect(readdirSync(dir)).toHaveLength(1); // the hidden temp, mid-scan
    expect(readdirSync(dir)[0]).toMatch(/^\.big\.csv\.[0-9a-f]+\.tmp$/);
    controller.abort();
    const r = await pending;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted/);
    expectNothingIn(dir);
    expect(e.requests.length).toBeLessThan(30);
  });

  /** The built CLI exporting a slow tenant, interrupted `signals` times once a page or two was asked for. */
  async function interruptExport(latencyMs: number, signals: number, afterRequests: number): Promise<{ code: number | null; dir: string }> {
    const e = await tenant(3000, { faults: { latencyMs } });
    const dir = tempDir();
    const child = spawn(
      process.execPath,
      [BIN, 'export', path.join(dir, 'big.csv'), '--base-url', e.baseUrl, '--rate', '100000', '--quiet'],
      {
        env: { PATH: process.env.PATH, VOREL_API_KEY: e.apiKey },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Bounded with room for a slow start of the child on a busy machine.
    for (let i = 0; i < 2000 && e.requests.length < afterRequests; i++) await new Promise((r) => setTimeout(r, 10));
    for (let i = 0; i < signals; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 20));
      child.kill('SIGINT');
    }
    return { code: await exited, dir };
  }

  it('Ctrl-C on the built CLI (SIGINT) exits 130 and leaves no file', async () => {
    const { code, dir } = await interruptExport(40, 1, 3);
    expect(code).toBe(130);
    expectNothingIn(dir);
  });

  it('a second Ctrl-C stops at once and still leaves no temp file', async () => {
    const { code, dir } = await interruptExport(400, 2, 2);
    expect(code).toBe(130);
    expectNothingIn(dir);
  });

  it('a rejected key (401) exits 3 at once, no file', async () => {
    const e = await tenant(50);
    const dir = tempDir();
    const r = await exportCli(e, [path.join(dir, 'x.csv')], { key: `vapk_live_${'ab'.repeat(24)}` });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/401/);
    expect(e.requests).toHaveLength(1);
    expectNothingIn(dir);
  });

  it('a key without the read scope (403) exits 3, no file', async () => {
    const e = await tenant(50);
    const dir = tempDir();
    const r = await exportCli(e, [path.join(dir, 'x.csv')], { key: e.createKey(['conversations:write']) });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/403.*read/s);
    expectNothingIn(dir);
  });

  it('a page that keeps failing after its retries trips the breaker: exit 3, no file', async () => {
    const e = await tenant(250);
    const dir = tempDir();
    expect((await exportCli(e, [path.join(dir, 'x.csv'), '--limit', '100'])).code).toBe(0);
    e.setFaults({ serverErrorRate: 1 });
    e.resetStats();
    const r = await exportCli(e, [path.join(dir, 'y.csv'), '--retries', '1']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/3 times in a row/);
    expect(e.requests).toHaveLength(6); // 3 tries × (1 + 1 retry)
    expect(readdirSync(dir)).toEqual(['x.csv']);
  });

  it.each([
    [['--created-after', '2025-02-30'], /--created-after/],
    [['--created-after', '2025-03-01T10:00'], /with a zone/],
    [['--created-after', '2025-03-02', '--created-before', '2025-03-01'], /earlier than/],
    [['--delimiter', '|'], /--delimiter/],
    [['--missing', 'phone'], /name or language/],
    [['--limit', '0'], /--limit/],
    [['--channel', ','], /needs a value/],
  ])('usage error %j: exit 2, no request', async (args, message) => {
    const e = await tenant(10);
    const r = await exportCli(e, [path.join(tempDir(), 'x.csv'), ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(e.requests).toHaveLength(0);
  });

  it('an output folder that does not exist is a usage error before any request', async () => {
    const e = await tenant(10);
    const r = await exportCli(e, [path.join(tempDir(), 'nope', 'x.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot write .*ENOENT/);
    expect(e.requests).toHaveLength(0);
  });

  it('keeps an existing file untouched when the export fails', async () => {
    const e = await tenant(10);
    const file = path.join(tempDir(), 'keep.csv');
    writeFileSync(file, 'old\r\n');
    const r = await exportCli(e, [file], { key: `vapk_live_${'cd'.repeat(24)}` });
    expect(r.code).toBe(3);
    expect(readFileSync(file, 'utf8')).toBe('old\r\n');
    expect(existsSync(file)).toBe(true);
  });
});
