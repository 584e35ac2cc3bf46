/**
 * The confirmation in a real terminal: tmux runs a shell, we type the command and the answer and
 * read the screen, against an emulator on loopback whose request log says whether a PATCH left.
 * Skipped when tmux is missing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../src/emulator/index.js';
import { keyFingerprint } from '../src/credentials.js';
import { HAS_TMUX, tmuxOn } from './helpers/tmux.js';
import { BIN, ROOT, onlyRunDir, tempDir } from './helpers/cli.js';
import { emulatorWith, testId } from './helpers/emulator.js';

const SOCKET = `vorel-sync-confirm-${process.pid}`;
const ROWS = 20;
const term = tmuxOn(SOCKET);
const tmux = term.run;
const screen = (): string => term.screen({ joined: true });
const waitFor = term.waitFor;

describe.skipIf(!HAS_TMUX)('the confirmation on a terminal (tmux)', () => {
  let emulator: Emulator;
  let work: string;
  let file: string;
  let runs = 0;

  beforeAll(async () => {
    emulator = await emulatorWith(ROWS);
    work = tempDir();
    // One cleared name (under the clears guard's 10%) and one id on two rows: both are in the preview.
    const lines = ['id,customer_name,customer_language', `${testId(1)},,en`];
    for (let i = 2; i <= ROWS; i++) lines.push(`${testId(i)},After ${i},fr`);
    lines.push(`${testId(2)},Again 2,fr`);
    file = path.join(work, 'contacts.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    tmux('new-session', '-d', '-x', '160', '-y', '40', '-s', 'cli', '-c', ROOT, "env PS1='$ ' bash --norc --noprofile");
    await waitFor('the shell prompt', 10_000, () => (/^\$ ?$/m.test(screen()) ? true : undefined));
  });

  afterAll(async () => {
    if (HAS_TMUX) term.kill();
    await emulator?.close();
  });

  beforeEach(() => {
    emulator.resetStats();
    tmux('send-keys', '-t', 'cli', 'clear', 'Enter');
  });

  const patches = (): number => emulator.requests.filter((q) => q.method === 'PATCH').length;

  /** Types an import in the shell; `stdin` is put in front as a pipe when given. Returns the report dir. */
  function typeImport(args: string, pipe = ''): { reports: string; marker: string } {
    const n = ++runs;
    const reports = path.join(work, `reports-${n}`);
    const command = `${pipe}VOREL_API_KEY=${emulator.apiKey} node ${BIN} import ${file} --base-url ${emulator.baseUrl} --report-dir ${reports} --rate 100000 ${args}`;
    tmux('send-keys', '-t', 'cli', `${command}; echo DONE-${n}=$?`, 'Enter');
    return { reports, marker: `DONE-${n}` };
  }

  const exitCode = (marker: string): Promise<string> =>
    waitFor(`${marker}`, 30_000, () => new RegExp(`^${marker}=(\\d+)$`, 'm').exec(screen())?.[1]);
  const question = (): Promise<true> => waitFor('the question', 15_000, () => (/Proceed\? \[y\/N\] /.test(screen()) ? true : undefined));

  it('shows the target and the counts, and sends nothing when answered n', async () => {
    const { reports, marker } = typeImport('');
    await question();
    const text = screen();
    expect(text).toContain(`target        ${emulator.baseUrl}`);
    expect(text).toContain(`key           ${keyFingerprint(emulator.apiKey)}`);
    expect(text).toMatch(/rows {10}21 in the file; 21 rows to update/);
    expect(text).toMatch(/clears {8}customer_name 1, customer_language 0/);
    expect(text).toMatch(/repeated ids {2}1 id on more than one row/);
    // The command line typed holds the key; what the tool printed does not.
    expect(text.slice(text.indexOf('About to update'))).not.toContain(emulator.apiKey);
    tmux('send-keys', '-t', 'cli', 'n', 'Enter');
    expect(await exitCode(marker)).toBe('2');
    expect(screen()).toMatch(/not confirmed: nothing was sent/);
    expect(patches()).toBe(0);
    // A declined run writes the reports of a run that sent nothing.
    const summary = JSON.parse(readFileSync(path.join(onlyRunDir(reports), 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ exit_code: 2, confirmed: 'prompt', stopped: { reason: 'declined' }, totals: { not_attempted: 21 } });
  });

  it('takes Enter alone as no', async () => {
    const { marker } = typeImport('');
    await question();
    tmux('send-keys', '-t', 'cli', 'Enter');
    expect(await exitCode(marker)).toBe('2');
    expect(patches()).toBe(0);
  });

  it('Ctrl-C at the question sends nothing and exits 130', async () => {
    const { marker } = typeImport('');
    await question();
    tmux('send-keys', '-t', 'cli', 'C-c');
    expect(await exitCode(marker)).toBe('130');
    expect(patches()).toBe(0);
  });

  it('y sends', async () => {
    const { reports, marker } = typeImport('');
    await question();
    tmux('send-keys', '-t', 'cli', 'y', 'Enter');
    expect(await exitCode(marker)).toBe('0');
    expect(patches()).toBe(21);
    expect(JSON.parse(readFileSync(path.join(onlyRunDir(reports), 'summary.json'), 'utf8')).confirmed).toBe('prompt');
  });

  it('--yes never asks', async () => {
    const { reports, marker } = typeImport('--yes');
    expect(await exitCode(marker)).toBe('0');
    expect(screen()).not.toMatch(/Proceed\?/);
    expect(patches()).toBe(21);
    expect(JSON.parse(readFileSync(path.join(onlyRunDir(reports), 'summary.json'), 'utf8')).confirmed).toBe('flag');
  });

  it('never asks with stdin from a pipe', async () => {
    const { reports, marker } = typeImport('', 'true | ');
    expect(await exitCode(marker)).toBe('0');
    expect(screen()).not.toMatch(/Proceed\?/);
    expect(patches()).toBe(21);
    expect(JSON.parse(readFileSync(path.join(onlyRunDir(reports), 'summary.json'), 'utf8')).confirmed).toBe('not_asked');
  });
});
