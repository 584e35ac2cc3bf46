/**
 * The built CLI (dist/cli/bin.js) in a real terminal: tmux runs a shell, we type the command, read the
 * screen with capture-pane and press Ctrl-C, against an emulator started as its own process and
 * slowed down so the bar moves and 429 pauses happen. Skipped when tmux is missing.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_TMUX, tmuxOn } from './helpers/tmux.js';
import { BIN, ROOT, tempDir } from './helpers/cli.js';

const SOCKET = `vorel-sync-test-${process.pid}`;
const ROWS = 300;
const term = tmuxOn(SOCKET);
const tmux = term.run;
const screen = (): string => term.screen();
const waitFor = term.waitFor;

describe.skipIf(!HAS_TMUX)('the CLI in a terminal (tmux)', () => {
  let emulator: ChildProcessWithoutNullStreams;
  let work: string;
  let baseUrl = '';
  let apiKey = '';

  beforeAll(async () => {
    work = tempDir();
    emulator = spawn(
      process.execPath,
      [BIN, 'emulator', '--latency-ms', '200', '--rate-limit', '20', '--window-ms', '4000', '--count', String(ROWS)],
      {
        stdio: 'pipe',
      },
    );
    let out = '';
    emulator.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor('the emulator to print its URL and key', 15_000, () => {
      baseUrl = /^export VOREL_BASE_URL=(\S+)$/m.exec(out)?.[1] ?? '';
      apiKey = /^export VOREL_API_KEY=(\S+)$/m.exec(out)?.[1] ?? '';
      return baseUrl !== '' && apiKey !== '' ? true : undefined;
    });
    // The ids the emulator generated, read from its list endpoint.
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const url = `${baseUrl}/api/v1/conversations?limit=100${cursor === null ? '' : `&cursor=${cursor}`}`;
      const page = (await (await fetch(url, { headers: { authorization: `Bearer ${apiKey}` } })).json()) as {
        data: { id: string }[];
        next_cursor: string | null;
      };
      ids.push(...page.data.map((c) => c.id));
      cursor = page.next_cursor;
    } while (cursor !== null && ids.length < ROWS);
    writeFileSync(path.join(work, 'contacts.csv'), `${['id,name,language', ...ids.map((id, i) => `${id},Person ${i},en`)].join('\n')}\n`);
    // A plain shell with a known prompt, on a private tmux server.
    tmux('new-session', '-d', '-x', '120', '-y', '30', '-s', 'cli', '-c', ROOT, "env PS1='$ ' bash --norc --noprofile");
    await waitFor('the shell prompt', 10_000, () => (/^\$ ?$/m.test(screen()) ? true : undefined));
  });

  afterAll(() => {
    if (HAS_TMUX) term.kill();
    emulator?.kill('SIGTERM');
  });

  it('moves the bar, shows the rate-limit wait, and leaves a clean terminal after Ctrl-C (exit 130)', async () => {
    const file = path.join(work, 'contacts.csv');
    const reports = path.join(work, 'reports');
    tmux(
      'send-keys',
      '-t',
      'cli',
      `VOREL_API_KEY=${apiKey} node ${BIN} import ${file} --base-url ${baseUrl} --rate 600 --report-dir ${reports} --yes; echo EXIT=$?`,
      'Enter',
    );

    // The bar moves: the count of settled rows grows while we watch.
    const settled = (): number | undefined => {
      const m = / (\d+)\/300 rows/.exec(screen());
      return m ? Number(m[1]) : undefined;
    };
    const first = await waitFor('the progress bar', 15_000, settled);
    await waitFor('the bar to move', 15_000, () => ((settled() ?? 0) > first ? true : undefined));
    const bar =
      screen()
        .split('\n')
        .find((l) => l.includes('/300 rows')) ?? '';
    expect(bar).toMatch(/^[█░]{20} +\d+% · /);
    expect(bar).toMatch(/\d+\/600 req\/min/);

    // The emulator allows 20 requests per 4 s and the client asks for 600/min: 429s pause the run.
    const waiting = await waitFor('the rate-limit wait', 20_000, () => /waiting for rate limit, resumes in \d+ s/.exec(screen())?.[0]);
    expect(waiting).toMatch(/resumes in [1-5] s/);

    tmux('send-keys', '-t', 'cli', 'C-c');
    const code = await waitFor('the exit code', 30_000, () => /^EXIT=(\d+)$/m.exec(screen())?.[1]);
    expect(code).toBe('130');

    const text = screen();
    expect(text).toMatch(/^error: interrupted: finishing the requests in flight/m);
    expect(text).toMatch(/^ {2}not attempted +\d+$/m);
    expect(text).toMatch(/^Stopped: interrupted/m);
    // No escape sequence leaked as text, the cursor is visible, and each line starts at column 0.
    expect(text).not.toMatch(/\^\[|\[\?25|\[\d*[GKm]/);
    expect(tmux('display', '-p', '-t', 'cli', '#{cursor_flag}').trim()).toBe('1');
    expect(text).toMatch(/\nEXIT=130\n\$ ?$/m);

    // The shell is usable.
    tmux('send-keys', '-t', 'cli', 'echo usable-$((6*7))', 'Enter');
    await waitFor('the shell to answer', 10_000, () => (/^usable-42$/m.test(screen()) ? true : undefined));
  });
});
