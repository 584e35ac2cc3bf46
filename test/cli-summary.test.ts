import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../src/emulator/index.js';
import { cli, onlyRunDir, tempDir } from './helpers/cli.js';
import { emulatorWith, testId } from './helpers/emulator.js';

let emulator: Emulator;
let work: string;

beforeEach(async () => {
  emulator = await emulatorWith(10);
  work = tempDir();
});
afterEach(() => emulator.close());

/** A CSV of the emulator's first rows, `bad` of them with the language the API refuses (`zh-cn`). */
function csvWith(good: number, bad: number): string {
  const file = path.join(work, 'in.csv');
  const lines = ['id,customer_name,customer_language'];
  for (let i = 1; i <= good; i++) lines.push(`${testId(i)},Good ${i},fr`);
  for (let i = 1; i <= bad; i++) lines.push(`${testId(good + i)},Bad ${i},zh-cn`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const env = () => ({ VOREL_API_KEY: emulator.apiKey, VOREL_BASE_URL: emulator.baseUrl });

describe('the human summary names the rows to fix', () => {
  it('lists an invalid row under the totals (line, code, message), and `report` prints the same', async () => {
    const reportDir = path.join(work, 'r');
    const run = await cli(['import', csvWith(2, 1), '--rate', '100000', '--report-dir', reportDir], { env: env() });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/\n {2}failed +0\n(?: {2}.*\n)*? {2}line 4 {2}bad_language {2}customer_language "zh-cn" [^\n]+\n/);
    expect(run.stdout).not.toContain('more in');
    const again = await cli(['report', onlyRunDir(reportDir)]);
    expect(again.stdout).toContain(run.stdout.split('\n').find((l) => l.startsWith('  line 4'))!);
  });

  it('lists the first five, then how many more and where they are', async () => {
    const reportDir = path.join(work, 'r');
    const run = await cli(['import', csvWith(1, 7), '--dry-run', '--report-dir', reportDir]);
    expect(run.code, run.stderr).toBe(1);
    const listed = run.stdout.split('\n').filter((l) => l.startsWith('  line '));
    expect(listed.map((l) => l.split(/ +/)[2])).toEqual(['3', '4', '5', '6', '7']);
    expect(run.stdout).toContain(`  … and 2 more in ${path.join(onlyRunDir(reportDir), 'results.csv')}\n`);
  });
});

describe('the human summary names where it sent and why rows failed', () => {
  it('prints the target base URL and the failed rows’ reason with its count', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const baseUrl = `http://127.0.0.1:${port}`;
    const args = ['import', csvWith(2, 0), '--retries', '0', '--report-dir', path.join(work, 'r'), '--base-url', baseUrl];
    const run = await cli(args, { env: { VOREL_API_KEY: emulator.apiKey } });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toContain(`\n  target    ${baseUrl}\n`);
    expect(run.stdout).toMatch(/\n {2}failed +2 \(network: 2 — [^\n]+\)\n/);
    expect(run.stdout).not.toContain(emulator.apiKey);
  });
});

describe('the printed commands and a key file', () => {
  it('repeat --api-key-file <path> (never the key) in the retry command, as summary.json has it', async () => {
    const reportDir = path.join(work, 'r');
    const keyFile = path.join(work, 'key');
    writeFileSync(keyFile, `${emulator.apiKey}\n`, { mode: 0o600 });
    const args = ['import', csvWith(1, 1), '--rate', '100000', '--report-dir', reportDir];
    const run = await cli([...args, '--api-key-file', keyFile], { env: { VOREL_BASE_URL: emulator.baseUrl } });
    expect(run.code, run.stderr).toBe(1);
    const summary = JSON.parse(readFileSync(path.join(onlyRunDir(reportDir), 'summary.json'), 'utf8'));
    expect(summary.retry_command).toContain(` --api-key-file ${keyFile}`);
    expect(run.stdout).toContain(`  ${summary.retry_command}\n`);
    expect(run.stdout).not.toContain(emulator.apiKey);
    const fromEnv = await cli(['import', csvWith(1, 1), '--rate', '100000', '--report-dir', path.join(work, 'e')], { env: env() });
    expect(fromEnv.stdout).toContain('--report-dir');
    expect(fromEnv.stdout).not.toContain('--api-key-file');
  });
});
