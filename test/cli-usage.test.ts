import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArgv } from '../src/cli/main.js';
import type { Emulator } from '../src/emulator/index.js';
import type { UsageError } from '../src/errors.js';
import { importCsv } from '../src/index.js';
import { cli, spawnCli, tempDir } from './helpers/cli.js';
import { emulatorWith, testId } from './helpers/emulator.js';

let emulator: Emulator;
let work: string;
let good: string;
beforeAll(async () => {
  emulator = await emulatorWith(3);
  work = tempDir();
  good = path.join(work, 'good.csv');
  writeFileSync(good, `id,name\n${testId(1)},A\n`);
});
afterAll(() => emulator.close());

/** Every usage error must leave the API untouched and no run folder behind. */
async function expectUsageError(args: string[], env: Record<string, string> = {}, message?: RegExp): Promise<string> {
  const reports = path.join(work, `r-${Math.random().toString(16).slice(2)}`);
  emulator.resetStats();
  const r = await cli([...args, '--report-dir', reports], { env });
  expect(r.code, r.stderr).toBe(2);
  expect(emulator.requests).toHaveLength(0);
  if (message) expect(r.stderr).toMatch(message);
  let runs: string[] = [];
  try {
    runs = readdirSync(reports).filter((n) => !n.startsWith('.'));
  } catch {
    // never created
  }
  expect(runs).toEqual([]);
  return r.stderr;
}

const KEY = () => ({ VOREL_API_KEY: emulator.apiKey });
const BASE = () => ['--base-url', emulator.baseUrl];

describe('usage errors exit 2 before any request', () => {
  it('refuses --api-key on the command line without echoing the value', async () => {
    const secret = `vapk_live_${'c'.repeat(48)}`;
    for (const form of [['--api-key', secret], [`--api-key=${secret}`], ['--apiKey', secret]]) {
      const stderr = await expectUsageError(['import', good, ...BASE(), ...form], KEY(), /VOREL_API_KEY/);
      expect(stderr).not.toContain(secret);
    }
  });

  it('needs a key unless it is a dry run', async () => {
    await expectUsageError(['import', good, ...BASE()], {}, /no API key/);
  });

  it('refuses a malformed key without printing it', async () => {
    const stderr = await expectUsageError(['import', good, ...BASE()], { VOREL_API_KEY: 'sk_live_supersecretvalue' }, /malformed/);
    expect(stderr).not.toContain('supersecretvalue');
  });

  it('reads the key from --api-key-file, stripping whitespace, and warns when others can read it', async () => {
    const keyFile = path.join(work, 'key');
    writeFileSync(keyFile, `  ${emulator.apiKey}\n`);
    chmodSync(keyFile, 0o644);
    const r = await cli(['import', good, ...BASE(), '--api-key-file', keyFile, '--report-dir', path.join(work, 'kf')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/readable by other users/);
    expect(r.stderr + r.stdout).not.toContain(emulator.apiKey);
  });

  it('rejects an unknown option and suggests the closest one', async () => {
    const stderr = await expectUsageError(['import', good, ...BASE(), '--dryrun'], KEY());
    expect(stderr).toMatch(/dryrun/);
  });

  it('says what import needs when the file is missing', async () => {
    const r = await cli(['import', '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/import needs a file/);
  });

  it('rejects an unknown command with a suggestion', async () => {
    const r = await cli(['improt', good]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/import/);
  });

  it.each([
    [['import', 'a.csv', '--read', 'bogus'], 'bad_argument'],
    [['import', 'a.csv', '--match-by', 'phone'], 'bad_argument'],
    [['export', '-', '--bogus'], 'unknown_option'],
    [['import', 'a.csv', '--quiet', '--verbose'], 'conflicting_options'],
    [['import'], 'no_input'],
    [['import', 'a.csv', '--dryrun'], 'unknown_option'],
    [['import', 'a.csv', 'b.csv'], 'unknown_option'],
    [['improt', 'a.csv'], 'unknown_option'],
    [[], 'unknown_option'],
  ])('gives a refused command line %j the precise usage code %s, as the library does', async (argv, code) => {
    await expect(parseArgv(argv)).rejects.toMatchObject({ code, exitCode: 2 });
  });

  it('names a bad --read choice bad_argument on the command line and in the library alike', async () => {
    const fromCli = await parseArgv(['import', good, '--read', 'bogus']).catch((e: unknown) => e);
    const fromLibrary = await importCsv({ file: good, dryRun: true, read: 'bogus' as 'get' }).catch((e: unknown) => e);
    expect(fromCli).toMatchObject({ code: 'bad_argument' });
    expect(fromLibrary).toMatchObject({ code: (fromCli as UsageError).code });
  });

  it.each([
    [['--concurrency', '0'], /concurrency/],
    [['--rate', '-1'], /rate/],
    [['--empty', 'maybe'], /empty/],
    [['--delimiter', '||'], /delimiter/],
    [['--encoding', 'ebcdic'], /encoding/],
    [['--map', 'nonsense'], /--map/],
  ])('rejects bad option values %j', async (extra, message) => {
    await expectUsageError(['import', good, ...BASE(), ...extra], KEY(), message);
  });

  it('refuses an unreadable or missing file, a directory, and an empty file', async () => {
    await expectUsageError(['import', path.join(work, 'nope.csv'), ...BASE()], KEY(), /nope\.csv/);
    const dir = path.join(work, 'adir');
    mkdirSync(dir, { recursive: true });
    await expectUsageError(['import', dir, ...BASE()], KEY(), /directory/);
    const empty = path.join(work, 'empty.csv');
    writeFileSync(empty, '');
    await expectUsageError(['import', empty, ...BASE()], KEY(), /empty/);
  });

  it('refuses a file without an id column or without a field to update', async () => {
    const noId = path.join(work, 'noid.csv');
    writeFileSync(noId, 'name,language\nA,en\n');
    await expectUsageError(['import', noId, ...BASE()], KEY(), /no id column/);
    const noField = path.join(work, 'nofield.csv');
    writeFileSync(noField, `id,notes\n${testId(1)},x\n`);
    await expectUsageError(['import', noField, ...BASE()], KEY(), /nothing to update/);
  });

  it('refuses a second run on the same report dir while one holds the lock', async () => {
    const reports = path.join(work, 'locked');
    mkdirSync(reports, { recursive: true });
    // The lock of a live process (this test runner).
    writeFileSync(path.join(reports, '.lock'), `${process.pid}\n`);
    const r = await cli(['import', good, ...BASE(), '--report-dir', reports], { env: KEY() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/another vorel-sync run/);
  });

  it('takes over the stale lock of a dead process', async () => {
    const reports = path.join(work, 'stale');
    mkdirSync(reports, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)']).stdout.toString().trim();
    writeFileSync(path.join(reports, '.lock'), `${dead}\n`);
    const r = await cli(['import', good, ...BASE(), '--report-dir', reports], { env: KEY() });
    expect(r.code).toBe(0);
  });

  it('refuses plain http to a non-loopback host, and base URLs with a path', async () => {
    await expectUsageError(['import', good, '--base-url', 'http://api.example.com'], KEY(), /plain http/);
    await expectUsageError(['import', good, '--base-url', `${emulator.baseUrl}/api/v1`], KEY(), /origin only/);
    await expectUsageError(['import', good, '--base-url', 'ftp://x'], KEY(), /https/);
  });

  it('prints help with examples and exits 0', async () => {
    const r = await cli(['import', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--dry-run');
    expect(r.stdout).toContain('Examples');
  });
});

describe('the built CLI in a network namespace with no network', () => {
  const hasUnshare = spawnSync('unshare', ['-n', 'true']).status === 0;
  it.skipIf(!hasUnshare)('refuses a non-loopback http URL with exit 2 and sends nothing', async () => {
    const r = await spawnCli(['import', good, '--base-url', 'http://10.0.0.1:8080', '--report-dir', path.join(work, 'ns')], {
      env: KEY(),
      wrap: ['unshare', '-n'],
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/plain http/);
    expect(r.stderr).not.toContain(emulator.apiKey);
  });

  it.skipIf(!hasUnshare)('with https to an unreachable host, fails rows as network errors without leaking the key', async () => {
    const reports = path.join(work, 'ns2');
    const r = await spawnCli(
      [
        'import',
        good,
        '--base-url',
        'https://app.vorel.ai',
        '--report-dir',
        reports,
        '--retries',
        '0',
        '--timeout',
        '2000',
        '--max-errors',
        '1',
        '--json',
      ],
      { env: KEY(), wrap: ['unshare', '-n'] },
    );
    expect(r.code).toBe(3);
    expect(r.stdout + r.stderr).not.toContain(emulator.apiKey);
    expect(JSON.parse(r.stdout).totals.failed).toBe(1);
  });
});
