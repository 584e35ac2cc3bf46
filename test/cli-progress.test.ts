import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../src/api/rate-limiter.js';
import { createProgress, etaSeconds, fitLine, plainLine, progressSegments } from '../src/cli/progress.js';
import { ImportTally } from '../src/import/progress.js';
import type { ImportProgress, PaceSource } from '../src/progress.js';
import type { RowResult } from '../src/types.js';
import { cli, tempDir } from './helpers/cli.js';
import { testId } from './helpers/emulator.js';

const ESC = '\x1b';
/** An SGR (colour) sequence; cursor moves and line clears are not colour. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character is what this test looks for
const SGR = /\x1b\[[0-9;]*m/;

class FakeStderr extends Writable {
  text = '';
  constructor(
    readonly isTTY: boolean,
    readonly columns = 120,
  ) {
    super();
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const snapshot = (over: Partial<ImportProgress> = {}): ImportProgress => ({
  command: 'import',
  bytes: 500,
  totalBytes: 1000,
  rows: 30,
  rowsTotal: 120,
  counts: { updated: 25, invalid: 3, failed: 2 },
  rate: 180,
  pace: null,
  requestsLastMinute: 176,
  pausedMs: null,
  elapsedMs: 60_000,
  done: false,
  ...over,
});

const row = (kind: 'updated' | 'invalid'): RowResult => ({
  line: 2,
  endLine: 2,
  id: testId(1),
  patch: {},
  before: null,
  outcome:
    kind === 'updated'
      ? { kind, httpStatus: 200, attempts: 1 }
      : { kind, code: 'bad_language', message: 'x', httpStatus: null, attempts: 0 },
});

/** A client in a 429 pause: the progress states read its limiter and its pace as a run's would. */
function clientWithPause(pauseMs: number): PaceSource {
  const limiter = new RateLimiter({ rate: 180 });
  limiter.pauseUntil(Date.now() + pauseMs);
  return { limiter, pace: { per_min: 180 }, paceText: '180/min: --rate 180' };
}

describe('progress text', () => {
  it('shows rows by outcome, requests per minute against --rate and an ETA from the rows settled', () => {
    const text = progressSegments(snapshot()).map((s) => s.text);
    expect(text).toEqual(['ETA 3m 00s', '176/180 req/min', '30/120 rows: 25 updated, 3 invalid, 2 failed', '500 B of 1.0 kB read']);
  });

  it('says which pace is in force next to the requests per minute', () => {
    const text = progressSegments(snapshot({ rate: 200, pace: "auto: 200/min from the API's rate headers" })).map((s) => s.text);
    expect(text).toContain("176/200 req/min, auto: 200/min from the API's rate headers");
  });

  it('puts the rate-limit wait first, rounded up to whole seconds', () => {
    const [first] = progressSegments(snapshot({ pausedMs: 22_100 }));
    expect(first).toEqual({ text: 'waiting for rate limit, resumes in 23 s', warn: true });
  });

  it('estimates from bytes read when the row count is unknown (a dry run), and not before a second has passed', () => {
    expect(etaSeconds(snapshot({ rowsTotal: null, bytes: 250, elapsedMs: 10_000 }))).toBe(30);
    expect(etaSeconds(snapshot({ elapsedMs: 500 }))).toBeNull();
    expect(progressSegments(snapshot({ rows: 0, elapsedMs: 500 }))[0]?.text).toBe('ETA …');
  });

  it('fits a narrow terminal by cutting the last part it reaches, never a coloured one', () => {
    const segments = progressSegments(snapshot({ pausedMs: 5000 }));
    const line = fitLine('[bar] 25%', segments, 90, true);
    expect(line.length).toBeLessThanOrEqual(90);
    expect(line).toContain('\x1b[33mwaiting for rate limit, resumes in 5 s\x1b[39m');
    expect(line).toMatch(/ · ETA 3m 00s · 176\/180 req\/m…$/);
  });

  it('writes a plain line with the elapsed time while running and the total time at the end', () => {
    expect(plainLine(snapshot())).toBe(
      'progress: 25% · elapsed 1m 00s · ETA 3m 00s · 176/180 req/min · 30/120 rows: 25 updated, 3 invalid, 2 failed · 500 B of 1.0 kB read',
    );
    expect(plainLine(snapshot({ done: true, rows: 120 }))).toMatch(/^progress: 100% · took 1m 00s · /);
  });
});

describe('progress display', () => {
  it('prints nothing with --quiet', () => {
    expect(createProgress({ stderr: new FakeStderr(true), env: {}, verbosity: 'quiet' })).toBeUndefined();
  });

  it('off a terminal writes plain lines without a single escape character', () => {
    const stderr = new FakeStderr(false);
    const progress = createProgress({ stderr, env: {}, verbosity: 'normal' })!;
    const tally = new ImportTally();
    const basis = { totalBytes: 100, rowsTotal: 2, client: clientWithPause(3000) };
    progress.update(tally.state(basis, false));
    tally.bytesRead(100);
    tally.rowSettled(row('updated'));
    tally.rowSettled(row('invalid'));
    progress.logStream.write('warning: something\n');
    progress.update(tally.state(basis, true));
    expect(stderr.text).not.toContain(ESC);
    expect(stderr.text).toMatch(
      /^warning: something\nprogress: 100% · took 0 s · \d+\/180 req\/min, 180\/min: --rate 180 · 2\/2 rows: 1 updated, 1 invalid/,
    );
  });

  it('on a terminal draws a bar that shows the rate-limit wait, in colour unless NO_COLOR is set', () => {
    for (const [env, coloured] of [
      [{}, true],
      [{ NO_COLOR: '1' }, false],
    ] as const) {
      const stderr = new FakeStderr(true);
      const progress = createProgress({ stderr, env, verbosity: 'normal', onExit: () => () => {} })!;
      const tally = new ImportTally();
      const basis = { totalBytes: 100, rowsTotal: 4, client: clientWithPause(23_000) };
      progress.update(tally.state(basis, false));
      progress.update(tally.state(basis, true));
      expect(stderr.text).toMatch(/resumes in 2[23] s/);
      expect(SGR.test(stderr.text)).toBe(coloured);
      expect(stderr.text).toContain('█');
    }
  });

  it('prints log lines above the bar and leaves the cursor shown and the line ended when it stops', () => {
    const stderr = new FakeStderr(true);
    let exitHooks = 0;
    const progress = createProgress({
      stderr,
      env: { NO_COLOR: '1' },
      verbosity: 'normal',
      onExit: () => {
        exitHooks++;
        return () => exitHooks--;
      },
    })!;
    const tally = new ImportTally();
    const basis = { totalBytes: 10, rowsTotal: 1, client: null };
    progress.update(tally.state(basis, false));
    expect(stderr.text).toContain('\x1b[?25l');
    expect(exitHooks).toBe(1);
    progress.logStream.write('error: interrupted\n');
    expect(stderr.text).toContain('\r\x1b[2Kerror: interrupted\n');
    tally.rowSettled(row('updated'));
    progress.update(tally.state(basis, true));
    expect(exitHooks).toBe(0);
    expect(stderr.text).not.toContain('\x1b7'); // no restore to the line the bar started on
    expect(stderr.text.endsWith('\x1b[?25h\n')).toBe(true);
    expect(stderr.text).toContain('100% · took 0 s · 1/1 rows: 1 updated');
    // After stop, log lines are written as they are.
    progress.logStream.write('late\n');
    expect(stderr.text.endsWith('\x1b[?25h\nlate\n')).toBe(true);
  });
});

describe('progress of a real run, stderr not a terminal', () => {
  it('writes a final plain line and no escape codes; --quiet writes no progress', async () => {
    const work = tempDir();
    const file = path.join(work, 'dry.csv');
    writeFileSync(file, `id,name\n${testId(1)},A\nnot-a-uuid,B\n`);
    const r = await cli(['import', file, '--dry-run', '--report-dir', path.join(work, 'reports')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^progress: 100% · took \d+ s · 2 rows: 1 valid, 1 invalid/m);
    expect(r.stderr + r.stdout).not.toContain(ESC);
    const quiet = await cli(['import', file, '--dry-run', '--quiet', '--report-dir', path.join(work, 'reports')]);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toContain('invalid');
  });
});
