/** Fault injection and instrumentation: resets, 5xx, hangs, latency, failing ids, the request log. */
import { afterEach, describe, expect, it } from 'vitest';
import { makeConversation, startEmulator } from '../src/emulator/index.js';
import type { Emulator, EmulatorOptions } from '../src/emulator/index.js';

const ID = '0a0a0a0a-1111-4222-8333-444444444444';
const OTHER = '0b0b0b0b-1111-4222-8333-444444444444';

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(opts: EmulatorOptions = {}): Promise<Emulator> {
  emu = await startEmulator({
    count: 10,
    rateLimit: null,
    conversations: [makeConversation({ id: ID, customer_name: 'Before' }), makeConversation({ id: OTHER, customer_name: 'Other' })],
    ...opts,
  });
  return emu;
}

function patch(e: Emulator, id: string, name: string, signal: AbortSignal = AbortSignal.timeout(5000)): Promise<Response> {
  return fetch(`${e.baseUrl}/api/v1/conversations/${id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${e.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ customer_name: name }),
    signal,
  });
}

const get = (e: Emulator, id: string, signal: AbortSignal = AbortSignal.timeout(5000)): Promise<Response> =>
  fetch(`${e.baseUrl}/api/v1/conversations/${id}`, { headers: { authorization: `Bearer ${e.apiKey}` }, signal });

describe('faults', () => {
  it('reset before: the socket is destroyed and the state is unchanged', async () => {
    const e = await start({ faults: { resetBeforeRate: 1 } });
    await expect(patch(e, ID, 'After')).rejects.toThrow();
    expect(e.get(ID)?.customer_name).toBe('Before');
    expect(e.requests).toHaveLength(1);
    expect(e.requests[0]).toMatchObject({ method: 'PATCH', status: null, applied: false });
    expect(e.inFlight).toBe(0);
  });

  it('reset after: the write is applied but no response arrives', async () => {
    const e = await start({ faults: { resetAfterRate: 1 } });
    await expect(patch(e, ID, 'After')).rejects.toThrow();
    expect(e.get(ID)?.customer_name).toBe('After');
    expect(e.requests[0]).toMatchObject({ status: null, applied: true });
  });

  it('server errors: 500/502/503 envelopes without applying', async () => {
    const e = await start({ faults: { serverErrorRate: 1 } });
    const statuses = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const res = await patch(e, ID, `After ${i}`);
      statuses.add(res.status);
      const body = (await res.json()) as { error: { code: string } };
      expect(['internal_error', 'bad_gateway', 'service_unavailable']).toContain(body.error.code);
    }
    expect([...statuses].sort()).toEqual([500, 502, 503]);
    expect(e.get(ID)?.customer_name).toBe('Before');
    expect(e.requests.every((r) => !r.applied)).toBe(true);
  });

  it('faults apply to reads too', async () => {
    const e = await start({ faults: { serverErrorRate: 1 } });
    expect((await get(e, ID)).status).toBeGreaterThanOrEqual(500);
  });

  it('hang: never answers, counts as in flight, and close() does not hang', async () => {
    const e = await start({ faults: { hangRate: 1 } });
    await expect(get(e, ID, AbortSignal.timeout(150))).rejects.toThrow();
    const pending = patch(e, ID, 'After', AbortSignal.timeout(10_000));
    pending.catch(() => undefined);
    for (let i = 0; i < 200 && !(e.requests.length === 2 && e.inFlight === 1); i++) await new Promise((r) => setTimeout(r, 10));
    expect(e.requests).toHaveLength(2);
    expect(e.inFlight).toBe(1); // the aborted GET was settled when its socket closed
    const started = Date.now();
    await e.close();
    // close() destroys the held socket rather than wait for the PATCH's 10 s timeout.
    expect(Date.now() - started).toBeLessThan(5000);
    await expect(pending).rejects.toThrow();
    expect(e.get(ID)?.customer_name).toBe('Before');
    expect(e.requests.map((r) => r.status)).toEqual([null, null]);
    expect(e.inFlight).toBe(0);
  });

  it('failingIds: PATCH of those ids always answers 500; reads and other ids work', async () => {
    const e = await start({ faults: { failingIds: [ID.toUpperCase()] } });
    for (let i = 0; i < 3; i++) {
      const res = await patch(e, ID, 'After');
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ error: { code: 'internal_error' } });
    }
    expect(e.get(ID)?.customer_name).toBe('Before');
    expect((await get(e, ID)).status).toBe(200);
    expect((await patch(e, OTHER, 'Changed')).status).toBe(200);
    e.setFaults({ failingIds: [] });
    expect((await patch(e, ID, 'After')).status).toBe(200);
  });

  it('latency delays every answer by latencyMs (+ jitter)', async () => {
    const e = await start({ faults: { latencyMs: 80, latencyJitterMs: 20 } });
    const started = performance.now();
    expect((await get(e, ID)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
    const entry = e.requests[0]!;
    expect(entry.endedAt - entry.startedAt).toBeGreaterThanOrEqual(75);
  });

  it('draws the same faults for the same seed', async () => {
    const run = async (): Promise<number[]> => {
      const e = await startEmulator({ count: 1, seed: 42, rateLimit: null, conversations: [makeConversation({ id: ID })] });
      e.setFaults({ serverErrorRate: 0.5 });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await get(e, ID)).status);
      await e.close();
      return statuses;
    };
    const first = await run();
    expect(first).toContain(200);
    expect(first.some((s) => s >= 500)).toBe(true);
    expect(await run()).toEqual(first);
  });

  it('rejects out-of-range fault settings', async () => {
    const e = await start();
    expect(() => e.setFaults({ serverErrorRate: 1.5 })).toThrow(RangeError);
    expect(() => e.setFaults({ latencyMs: -1 })).toThrow(RangeError);
  });
});

describe('instrumentation', () => {
  it('tracks peak concurrency, and resetStats clears the log and the peak', async () => {
    const e = await start({ faults: { latencyMs: 100 } });
    const replies = await Promise.all(Array.from({ length: 5 }, () => get(e, ID)));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(e.peakInFlight).toBe(5);
    expect(e.inFlight).toBe(0);
    expect(e.requests).toHaveLength(5);
    e.resetStats();
    expect(e.requests).toHaveLength(0);
    expect(e.peakInFlight).toBe(0);
  });

  it('logs method, path, status, timing and a key fingerprint, never the key', async () => {
    const e = await start();
    await patch(e, ID, 'After');
    const [entry] = e.requests;
    expect(entry).toMatchObject({ method: 'PATCH', path: `/api/v1/conversations/${ID}`, status: 200, applied: true });
    expect(entry!.key).toBe(`${e.apiKey.slice(0, 22)}…${e.apiKey.slice(-4)}`);
    expect(JSON.stringify(e.requests)).not.toContain(e.apiKey);
  });
});
