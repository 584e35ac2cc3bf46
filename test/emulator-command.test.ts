/** `vorel-sync emulator`: prints how to connect, serves until aborted, dumps state on exit. */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient } from '../src/api/client.js';
import { runEmulatorCommand } from '../src/emulator/index.js';
import type { EmulatorCommandArgs } from '../src/emulator/index.js';
import { NO_FAULTS } from '../src/emulator/faults.js';
import type { Conversation } from '../src/types.js';
import { serverCert, testCa } from './helpers/tls.js';

const { serverErrorRate: _unused, ...noFaults } = NO_FAULTS;

const ARGS: EmulatorCommandArgs = {
  port: 0,
  seed: 1,
  count: 20,
  scopes: ['read', 'conversations:write'],
  rateLimit: 200,
  windowMs: 60_000,
  failRate: 0,
  ...noFaults,
  failingIds: [],
};

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

async function waitFor(read: () => string, pattern: RegExp): Promise<RegExpExecArray> {
  for (let i = 0; i < 1000; i++) {
    const m = pattern.exec(read());
    if (m) return m;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`output never matched ${pattern}: ${read()}`);
}

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('runEmulatorCommand', () => {
  it('prints VOREL_BASE_URL and VOREL_API_KEY, serves with that key, stops on abort and resolves 0', async () => {
    const out = capture();
    const err = capture();
    const abort = new AbortController();
    const done = runEmulatorCommand(ARGS, { stdout: out.stream, stderr: err.stream, signal: abort.signal });

    const url = (await waitFor(out.text, /^export VOREL_BASE_URL=(http:\/\/127\.0\.0\.1:\d+)$/m))[1]!;
    const key = (await waitFor(out.text, /^export VOREL_API_KEY=(vapk_live_[0-9a-f]{48})$/m))[1]!;
    expect(out.text()).toMatch(/throwaway/);
    expect(out.text()).toMatch(/vorel-sync export conversations\.csv/);
    // Every other stdout line is a shell comment, so the output can be pasted as is.
    for (const line of out.text().trim().split('\n')) expect(line).toMatch(/^(#|export VOREL_BASE_URL=|export VOREL_API_KEY=)/);

    const res = await fetch(`${url}/api/v1/conversations?limit=2`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);

    abort.abort();
    expect(await done).toBe(0);
    await expect(fetch(`${url}/api/v1/conversations`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  });

  it('writes the final state as JSON (mode 0600) to dumpOnExit', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vorel-emulator-'));
    const file = join(dir, 'state.json');
    const out = capture();
    const abort = new AbortController();
    const done = runEmulatorCommand({ ...ARGS, dumpOnExit: file }, { stdout: out.stream, stderr: capture().stream, signal: abort.signal });
    const url = (await waitFor(out.text, /^export VOREL_BASE_URL=(\S+)$/m))[1]!;
    const key = (await waitFor(out.text, /^export VOREL_API_KEY=(\S+)$/m))[1]!;
    const first = (await (await fetch(`${url}/api/v1/conversations?limit=1`, { headers: { authorization: `Bearer ${key}` } })).json()) as {
      data: Conversation[];
    };
    const id = first.data[0]!.id;
    await fetch(`${url}/api/v1/conversations/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ customer_name: 'Dumped' }),
    });
    abort.abort();
    expect(await done).toBe(0);
    const state = JSON.parse(await readFile(file, 'utf8')) as Conversation[];
    expect(state).toHaveLength(20);
    expect(state.find((c) => c.id === id)?.customer_name).toBe('Dumped');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('turns the limiter off with rateLimit 0 and applies the scopes to the printed key', async () => {
    const out = capture();
    const abort = new AbortController();
    const done = runEmulatorCommand(
      { ...ARGS, rateLimit: 0, scopes: ['read'] },
      { stdout: out.stream, stderr: capture().stream, signal: abort.signal },
    );
    const url = (await waitFor(out.text, /^export VOREL_BASE_URL=(\S+)$/m))[1]!;
    const key = (await waitFor(out.text, /^export VOREL_API_KEY=(\S+)$/m))[1]!;
    const read = await fetch(`${url}/api/v1/conversations?limit=1`, { headers: { authorization: `Bearer ${key}` } });
    expect(read.headers.get('x-ratelimit-limit')).toBeNull();
    const id = ((await read.json()) as { data: Conversation[] }).data[0]!.id;
    const write = await fetch(`${url}/api/v1/conversations/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{"customer_name":"X"}',
    });
    expect(write.status).toBe(403);
    abort.abort();
    expect(await done).toBe(0);
  });

  it('throws a usage error (exit 2) for a bad option', async () => {
    await expect(
      runEmulatorCommand({ ...ARGS, failRate: 2 }, { stdout: capture().stream, stderr: capture().stream, signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ exitCode: 2 });
  });
});

describe('runEmulatorCommand over HTTPS', () => {
  it('serves HTTPS with --tls-cert and --tls-key: the base URL says https, and a client trusting the CA gets answers', async () => {
    const ca = await testCa();
    const cert = await serverCert(ca, ['127.0.0.1']);
    const out = capture();
    const abort = new AbortController();
    const done = runEmulatorCommand(
      { ...ARGS, tlsCert: cert.certFile, tlsKey: cert.keyFile },
      { stdout: out.stream, stderr: capture().stream, signal: abort.signal },
    );
    const url = (await waitFor(out.text, /^export VOREL_BASE_URL=(https:\/\/127\.0\.0\.1:\d+)$/m))[1]!;
    const key = (await waitFor(out.text, /^export VOREL_API_KEY=(vapk_live_[0-9a-f]{48})$/m))[1]!;
    const api = createApiClient({
      baseUrl: url,
      apiKey: key,
      timeoutMs: 5000,
      retries: 0,
      rate: 1000,
      network: { proxy: null, noProxy: undefined, ca: ca.cert },
    });
    const page = await api.listConversations({ limit: 5 });
    api.close();
    expect(page).toMatchObject({ ok: true, status: 200 });
    abort.abort();
    expect(await done).toBe(0);
  });

  it('refuses --tls-cert without --tls-key, and a file it cannot read', async () => {
    const io = { stdout: capture().stream, stderr: capture().stream, signal: new AbortController().signal };
    await expect(runEmulatorCommand({ ...ARGS, tlsCert: 'cert.pem' }, io)).rejects.toMatchObject({
      code: 'bad_emulator_option',
      exitCode: 2,
    });
    await expect(runEmulatorCommand({ ...ARGS, tlsCert: '/nonexistent/cert.pem', tlsKey: '/nonexistent/key.pem' }, io)).rejects.toThrow(
      '--tls-cert /nonexistent/cert.pem: ENOENT',
    );
  });
});
