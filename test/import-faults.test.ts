/**
 * Issue 4 end to end, through the CLI in-process: faults, the server's rate limit and the circuit
 * breaker, checked against what the emulator saw. Time is scaled with the hidden knobs
 * (--rate-window-ms, --backoff-base-ms) so each test takes seconds.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../src/emulator/index.js';
import { cli, onlyRunDir, readResults, readRun, tempDir, writeCsv } from './helpers/cli.js';
import { emulatorWith, testId } from './helpers/emulator.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const NAMES = ['Zoë Åberg', 'Doe, Jane', 'He said "hi"', '日本 太郎', 'مريم', 'Ana 👋'];
const LANGUAGES = ['fr', 'pt-BR', 'de', 'en-GB'];

/** A CSV updating testId(1..rows) to known values; returns the file and those values. */
function updateFile(dir: string, rows: number): { file: string; want: Map<string, { customer_name: string; customer_language: string }> } {
  const want = new Map<string, { customer_name: string; customer_language: string }>();
  const lines = ['id,customer_name,customer_language'];
  for (let i = 1; i <= rows; i++) {
    const values = { customer_name: `${NAMES[i % NAMES.length]} ${i}`, customer_language: LANGUAGES[i % LANGUAGES.length]! };
    want.set(testId(i), values);
    lines.push(`${testId(i)},"${values.customer_name.replaceAll('"', '""')}",${values.customer_language}`);
  }
  return { file: writeCsv(dir, 'rows.csv', `${lines.join('\r\n')}\r\n`), want };
}

/** Imports an {@link updateFile} of `rows` rows into `emu` at `--concurrency` n; returns the run, its report dir and the values sent. */
async function importUpdates(emu: Emulator, rows: number, concurrency: number, ...args: string[]) {
  const reports = path.join(tempDir(), 'reports');
  const { file, want } = updateFile(path.dirname(reports), rows);
  const r = await cli(
    ['import', file, '--base-url', emu.baseUrl, '--report-dir', reports, '--quiet', '--concurrency', String(concurrency), ...args],
    { env: { VOREL_API_KEY: emu.apiKey } },
  );
  return { r, reports, want };
}

describe('under injected faults', () => {
  it('accounts for each of 2,000 rows exactly once and leaves the server equal to the CSV', async () => {
    const rows = 2000;
    const concurrency = 8;
    emulator = await emulatorWith(rows, {
      seed: 4242,
      faults: { serverErrorRate: 0.1, resetBeforeRate: 0.05, resetAfterRate: 0.05, latencyMs: 1, latencyJitterMs: 8 },
    });
    const { r, reports, want } = await importUpdates(emulator, rows, concurrency, '--rate', '1000000', '--backoff-base-ms', '10');
    expect([0, 1]).toContain(r.code);
    const runDir = onlyRunDir(reports);
    const { summary } = readRun(runDir);
    const results = readResults(runDir);

    // Each data row once, in input order (line n+1 for row n: one physical line per record).
    expect(results.map((x) => Number(x.line))).toEqual(Array.from({ length: rows }, (_, i) => i + 2));
    expect(summary.input.rows).toBe(rows);
    const totals = summary.totals as Record<string, number>;
    expect(Object.values(totals).reduce((a, b) => a + b, 0)).toBe(rows);
    for (const [kind, n] of Object.entries(totals))
      expect(
        results.filter((x) => x.outcome === kind),
        kind,
      ).toHaveLength(n);
    // Only transient trouble can fail a row here, and only after every retry (5).
    for (const row of results.filter((x) => x.outcome !== 'updated')) {
      expect(row).toMatchObject({ outcome: 'failed', attempts: '6' });
      expect(['server_error', 'network']).toContain(row.error_code);
    }
    expect(totals.updated).toBeGreaterThanOrEqual(rows - 3);

    // The server holds exactly what the CSV says for every updated row (resets after apply included).
    for (const row of results.filter((x) => x.outcome === 'updated')) {
      expect(emulator.get(row.id!), row.line).toMatchObject(want.get(row.id!)!);
    }

    // attempts in results.csv are real: they add up to what the client counted and the server saw.
    const attempts = results.reduce((n, x) => n + Number(x.attempts), 0);
    expect(summary.requests.total).toBe(attempts);
    expect(emulator.requests).toHaveLength(attempts);
    expect(summary.requests.retries).toBe(attempts - rows);
    expect(summary.requests.retries).toBeGreaterThan(rows * 0.15);
    expect(emulator.peakInFlight).toBeLessThanOrEqual(concurrency);
    expect(emulator.peakInFlight).toBeGreaterThan(1);
  });
});

describe('against the server rate limit (20 per 2 s window, client allowed far more)', () => {
  it('completes, honours Retry-After and starts nothing while paused', async () => {
    const rows = 60;
    const windowMs = 2000;
    const concurrency = 4;
    // No rate headers (a fail-open API that lost them): the client learns of the full window
    // only from the 429s, which is what this test is about. 20 ms answers keep several requests
    // in flight, so the others are already on their way and meet the full window.
    emulator = await emulatorWith(rows, { rateLimit: { limit: 20, windowMs, headers: 'never' }, faults: { latencyMs: 20 } });
    const { r, reports, want } = await importUpdates(emulator, rows, concurrency, '--rate', '600', '--rate-window-ms', String(windowMs));
    expect(r.code).toBe(0);
    const runDir = onlyRunDir(reports);
    const { summary } = readRun(runDir);
    expect(summary.totals.updated).toBe(rows);
    for (const [id, values] of want) expect(emulator.get(id)).toMatchObject(values);

    const log = emulator.requests;
    const limited = log.filter((q) => q.status === 429);
    // The test means nothing without 429s.
    expect(limited.length).toBeGreaterThan(0);
    expect(summary.requests.rate_limited).toBe(limited.length);
    expect(summary.requests.total).toBe(log.length);
    // Each 429 carries Retry-After, whole seconds to the end of the server's window: at least 1 s
    // (the server decides after its latency, so the exact value is not known here), and the client
    // pauses from when it reads the answer. So within the first second after a 429 left the server
    // (less a margin), only requests already in flight may still arrive: at most --concurrency - 1,
    // one more allowed as a margin; a client that kept starting would send dozens. Counts, not tight
    // timings: a busy machine only delays arrivals and lengthens pauses, neither adds requests here.
    const pauseMs = 1000 - 100;
    for (const hit of limited) {
      const during = log.filter((q) => q !== hit && q.startedAt > hit.endedAt && q.startedAt < hit.endedAt + pauseMs);
      expect(during.length, `requests arriving in the pause after the 429 at ${hit.endedAt}`).toBeLessThanOrEqual(concurrency);
    }
    // A 429 uses no retry: every row ended updated, some after more than one attempt.
    const results = readResults(runDir);
    expect(results.some((x) => Number(x.attempts) > 1)).toBe(true);
    expect(results.reduce((n, x) => n + Number(x.attempts), 0)).toBe(log.length);
  });
});

describe('the circuit breaker', () => {
  it.each([
    ['401 (a key the API does not know)', 'unauthorized', () => `vapk_live_${'ab'.repeat(24)}`],
    ['403 (a key without conversations:write)', 'forbidden', (emu: Emulator) => emu.createKey(['read'])],
  ])('stops on %s after at most --concurrency requests', async (_, code, keyOf) => {
    const rows = 200;
    const concurrency = 8;
    // Latency keeps every slot busy before the first answer comes back.
    emulator = await emulatorWith(rows, { faults: { latencyMs: 30 } });
    const work = tempDir();
    const reports = path.join(work, 'reports');
    const { file } = updateFile(work, rows);
    const r = await cli(
      ['import', file, '--base-url', emulator.baseUrl, '--report-dir', reports, '--concurrency', String(concurrency), '--rate', '1000000'],
      {
        env: { VOREL_API_KEY: keyOf(emulator) },
      },
    );
    expect(r.code).toBe(3);
    expect(emulator.requests.length).toBeLessThanOrEqual(concurrency);
    expect(emulator.requests.every((q) => !q.applied)).toBe(true);
    const results = readResults(onlyRunDir(reports));
    expect(results).toHaveLength(rows);
    const failed = results.filter((x) => x.outcome === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(failed.length).toBeLessThanOrEqual(concurrency);
    expect(failed.every((x) => x.error_code === code && x.attempts === '1')).toBe(true);
    expect(results.filter((x) => x.outcome === 'not_attempted')).toHaveLength(rows - failed.length);
    expect(r.stderr).toContain(code === 'forbidden' ? 'conversations:write' : 'wrong, malformed or revoked');
  });
});
