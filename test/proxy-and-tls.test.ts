/**
 * Behind a proxy and a TLS-inspecting firewall, end to end: a real HTTP proxy (the `proxy` package,
 * CONNECT and Basic authentication) on 127.0.0.1 in front of the emulator over HTTPS, with a
 * certificate from a CA made for this run. The API is addressed as https://0.0.0.0:<port>: not a
 * loopback name (loopback hosts never use a proxy), yet on Linux it reaches the local listener,
 * so nothing leaves the machine.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createProxy } from 'proxy';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../src/api/client.js';
import type { Emulator } from '../src/emulator/index.js';
import { importCsv } from '../src/index.js';
import { cli, onlyRunDir, readResults, readRun, tempDir, writeCsv } from './helpers/cli.js';
import { emulatorWith, testId } from './helpers/emulator.js';
import { cleanupsAfterEach, listenOnLoopback } from './helpers/loopback.js';
import { type Pem, serverCert, testCa } from './helpers/tls.js';

const cleanups = cleanupsAfterEach();

const USER = 'migrator';
/** Percent-encoded in the URL (`/` and `@`), as a user writes it. */
const PASSWORD = 'S3cr3t/pr0xy@pass';
const ENCODED = encodeURIComponent(PASSWORD);

let ca: Pem;
let cert: Pem;
beforeAll(async () => {
  ca = await testCa();
  cert = await serverCert(ca, ['0.0.0.0', '127.0.0.1']);
});

/** The emulator over HTTPS with n conversations; `api` is its address as a non-loopback host. */
async function httpsEmulator(n: number, tls: Pem = cert): Promise<{ emulator: Emulator; api: string }> {
  const emulator = await emulatorWith(n, { tls: { cert: tls.cert, key: tls.key } });
  cleanups.push(() => emulator.close());
  return { emulator, api: emulator.baseUrl.replace('127.0.0.1', '0.0.0.0') };
}

/** A CONNECT proxy on 127.0.0.1; with `auth`, only those credentials pass. `tunnels` lists the CONNECT targets it accepted. */
async function startProxy(auth?: { user: string; password: string }): Promise<{ port: number; tunnels: string[]; refused: number }> {
  const server = createProxy(http.createServer());
  const seen = { port: 0, tunnels: [] as string[], refused: 0 };
  server.authenticate = (req) => {
    const ok = auth === undefined || req.headers['proxy-authorization'] === basic(auth.user, auth.password);
    if (ok) seen.tunnels.push(String(req.url));
    else seen.refused++;
    return ok;
  };
  seen.port = Number(new URL(await listenOnLoopback(server, cleanups)).port);
  return seen;
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const rows = (n: number): string =>
  `id,customer_name\n${Array.from({ length: n }, (_, i) => `${testId(i + 1)},After ${i + 1}`).join('\n')}\n`;

/** `import` of n rows to `api`, confirmed, its run folders in `<work>/reports`. */
const importArgs = (work: string, n: number, api: string, ...more: string[]): string[] => [
  ...['import', writeCsv(work, 'rows.csv', rows(n)), '--base-url', api, '--report-dir', path.join(work, 'reports'), '--yes'],
  ...more,
];

/** The proxy URL with the test's credentials. */
const withCredentials = (port: number): string => `http://${USER}:${ENCODED}@127.0.0.1:${port}`;

/** Every byte the run left: stdout, stderr and each file under `dir`. */
function everything(dir: string, ...streams: string[]): string {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(path.join(dir, f)).isFile());
  return [...streams, ...files.map((f) => readFileSync(path.join(dir, f), 'latin1'))].join('\n');
}

function expectNoPassword(text: string): void {
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(ENCODED);
  expect(text).not.toContain(Buffer.from(`${USER}:${PASSWORD}`).toString('base64'));
}

/**
 * `import` of n rows to the HTTPS emulator (its CA trusted) through HTTPS_PROXY with the test's
 * credentials, to a proxy that accepts only `password`.
 */
async function importThroughProxy(n: number, password: string, ...more: string[]) {
  const { emulator, api } = await httpsEmulator(n);
  const proxy = await startProxy({ user: USER, password });
  const work = tempDir();
  const r = await cli(importArgs(work, n, api, '--ca-cert', ca.certFile, ...more), {
    env: { VOREL_API_KEY: emulator.apiKey, HTTPS_PROXY: withCredentials(proxy.port) },
  });
  return { emulator, api, proxy, work, r };
}

describe('through a proxy that demands credentials', () => {
  it('imports through the CONNECT tunnel with HTTPS_PROXY and --ca-cert; the password is nowhere in the output or the run folder', async () => {
    const { emulator, api, proxy, work, r } = await importThroughProxy(3, PASSWORD, '--verbose');
    expect(r.code, r.stderr).toBe(0);
    expect(proxy.tunnels).toContain(`${api.replace('https://', '')}`);
    expect(emulator.get(testId(2))?.customer_name).toBe('After 2');
    expectNoPassword(everything(work, r.stdout, r.stderr));
  });

  it('exports through it with --proxy, which wins over HTTPS_PROXY', async () => {
    const { emulator, api } = await httpsEmulator(3);
    const proxy = await startProxy({ user: USER, password: PASSWORD });
    const work = tempDir();
    const out = path.join(work, 'out.csv');
    const r = await cli(['export', out, '--base-url', api, '--ca-cert', ca.certFile, '--proxy', withCredentials(proxy.port)], {
      env: { VOREL_API_KEY: emulator.apiKey, HTTPS_PROXY: `http://127.0.0.1:${await closedPort()}` },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(proxy.tunnels.length).toBeGreaterThan(0);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(4);
    expectNoPassword(everything(work, r.stdout, r.stderr));
  });

  it('a refused password (407) stops the run at once: exit 3, naming the proxy without the password', async () => {
    const { emulator, proxy, work, r } = await importThroughProxy(12, 'the-right-one');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`the proxy http://${USER}:***@127.0.0.1:${proxy.port} refused authentication`);
    // The resume and retry commands repeat --ca-cert; the proxy comes from the environment again.
    const printed = `${r.stdout}${r.stderr}`;
    expect(printed).toMatch(/--resume \S+ --report-dir \S+ --ca-cert /);
    expect(printed.split(`--ca-cert ${ca.certFile}`)).toHaveLength(3);
    expect(emulator.requests).toHaveLength(0);
    const results = readResults(onlyRunDir(path.join(work, 'reports')));
    const failed = results.filter((row) => row.outcome === 'failed');
    // Only the requests already in flight (--concurrency 4) met the refusal; each once, not retried.
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThanOrEqual(4);
    for (const row of failed) expect(row).toMatchObject({ error_code: 'proxy_auth', http_status: '407', attempts: '1' });
    expect(results.filter((row) => row.outcome === 'not_attempted')).toHaveLength(12 - failed.length);
    expect(proxy.refused).toBe(failed.length);
    expectNoPassword(everything(work, r.stdout, r.stderr));
  });
});

describe('which requests go through the proxy', () => {
  it('NO_PROXY naming the host (in a list, with its port) bypasses the proxy, --proxy included', async () => {
    const { emulator, api } = await httpsEmulator(2);
    const proxy = await startProxy();
    const port = new URL(api).port;
    for (const noProxy of ['example.com, 0.0.0.0', `.corp.example,0.0.0.0:${port}`, '*']) {
      const work = tempDir();
      const r = await cli(importArgs(work, 2, api, '--ca-cert', ca.certFile), {
        env: { VOREL_API_KEY: emulator.apiKey, HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`, NO_PROXY: noProxy },
      });
      expect(r.code, `${noProxy}: ${r.stderr}`).toBe(0);
    }
    expect(proxy.tunnels).toEqual([]);
    expect(emulator.requests).toHaveLength(6);
  });

  it('a NO_PROXY entry for another port does not bypass it', async () => {
    const { emulator, api } = await httpsEmulator(1);
    const proxy = await startProxy();
    const work = tempDir();
    const r = await cli(importArgs(work, 1, api, '--ca-cert', ca.certFile), {
      env: { VOREL_API_KEY: emulator.apiKey, https_proxy: `http://127.0.0.1:${proxy.port}`, no_proxy: '0.0.0.0:1' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(proxy.tunnels).toHaveLength(1);
  });

  it('a loopback base URL never goes through the proxy, whatever the variables say', async () => {
    const emulator = await emulatorWith(2);
    cleanups.push(() => emulator.close());
    const proxy = await startProxy();
    const work = tempDir();
    const all = `http://127.0.0.1:${proxy.port}`;
    const r = await cli(importArgs(work, 2, emulator.baseUrl), {
      env: { VOREL_API_KEY: emulator.apiKey, HTTP_PROXY: all, http_proxy: all, HTTPS_PROXY: all, https_proxy: all, ALL_PROXY: all },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(proxy.tunnels).toEqual([]);
    expect(emulator.requests).toHaveLength(2);
  });

  it('the library reads no proxy variable: only its proxy option', async () => {
    const { emulator, api } = await httpsEmulator(1);
    const saved = process.env.HTTPS_PROXY;
    process.env.HTTPS_PROXY = `http://127.0.0.1:${await closedPort()}`;
    cleanups.push(() => {
      if (saved === undefined) delete process.env.HTTPS_PROXY;
      else process.env.HTTPS_PROXY = saved;
    });
    const work = tempDir();
    const summary = await importCsv({
      file: writeCsv(work, 'rows.csv', rows(1)),
      apiKey: emulator.apiKey,
      baseUrl: api,
      caCert: ca.certFile,
      reportDir: path.join(work, 'r'),
      yes: true,
    });
    expect(summary.exit_code).toBe(0);
    expect(emulator.requests).toHaveLength(1);
  });
});

describe('clear failures', () => {
  it('a proxy that cannot be reached is named in the errors (without the password)', async () => {
    const { emulator, api } = await httpsEmulator(2);
    const port = await closedPort();
    const work = tempDir();
    const r = await cli(importArgs(work, 2, api, '--ca-cert', ca.certFile, '--retries', '0', '--proxy', withCredentials(port)), {
      env: { VOREL_API_KEY: emulator.apiKey },
    });
    expect(r.code).toBe(1);
    for (const row of readResults(onlyRunDir(path.join(work, 'reports')))) {
      expect(row).toMatchObject({ outcome: 'failed', error_code: 'network' });
      expect(row.message).toContain(`cannot reach the proxy http://${USER}:***@127.0.0.1:${port}`);
    }
    expect(emulator.requests).toHaveLength(0);
    expectNoPassword(everything(work, r.stdout, r.stderr));
  });

  it('a certificate from an unknown CA is not retried: exit 3, naming the problem, the host and --ca-cert', async () => {
    const { emulator, api } = await httpsEmulator(6);
    const proxy = await startProxy();
    const work = tempDir();
    const r = await cli(importArgs(work, 6, api, '--concurrency', '1'), {
      env: { VOREL_API_KEY: emulator.apiKey, HTTPS_PROXY: `http://127.0.0.1:${proxy.port}` },
    });
    expect(r.code).toBe(3);
    const host = new URL(api).host;
    expect(r.stderr).toContain(`certificate UNABLE_TO_VERIFY_LEAF_SIGNATURE: the certificate of ${host} does not verify`);
    expect(r.stderr).toContain('--ca-cert');
    expect(emulator.requests).toHaveLength(0);
    const results = readResults(onlyRunDir(path.join(work, 'reports')));
    expect(results[0]).toMatchObject({ outcome: 'failed', error_code: 'certificate', attempts: '1' });
    expect(results.slice(1).every((row) => row.outcome === 'not_attempted')).toBe(true);
    expect(proxy.tunnels).toHaveLength(1);
  });

  it.each([
    ['expired', { expired: true }, ['0.0.0.0'], 'CERT_HAS_EXPIRED'],
    ['for another name', {}, ['10.0.0.1'], 'ERR_TLS_CERT_ALTNAME_INVALID'],
  ] as const)('a certificate %s fails unretried, even with its CA trusted', async (_what, opts, ips, code) => {
    const { emulator, api } = await httpsEmulator(1, await serverCert(ca, ips, opts));
    const api2 = createApiClient({
      baseUrl: api,
      apiKey: emulator.apiKey,
      timeoutMs: 5000,
      retries: 3,
      rate: 100_000,
      network: { proxy: null, noProxy: undefined, ca: ca.cert },
    });
    cleanups.push(() => api2.close());
    const result = await api2.getConversation(testId(1));
    expect(result).toMatchObject({ ok: false, code: 'certificate', attempts: 1 });
    expect(!result.ok && result.message).toContain(`certificate ${code}: the certificate of ${new URL(api).host} does not verify`);
    expect(emulator.requests).toHaveLength(0);
  });

  it('--ca-cert takes a bundle of several certificates', async () => {
    const { emulator, api } = await httpsEmulator(1);
    const other = await testCa('another CA');
    const work = tempDir();
    const bundle = path.join(work, 'bundle.pem');
    writeFileSync(bundle, `${other.cert}\n${ca.cert}`);
    const r = await cli(importArgs(work, 1, api, '--ca-cert', bundle), { env: { VOREL_API_KEY: emulator.apiKey } });
    expect(r.code, r.stderr).toBe(0);
  });

  it('a missing or certificate-less --ca-cert file is exit 2 before any request', async () => {
    const { emulator, api } = await httpsEmulator(1);
    const work = tempDir();
    const missing = path.join(work, 'missing.pem');
    const empty = writeCsv(work, 'not-a-cert.pem', 'hello\n');
    for (const [file, said] of [
      [missing, `--ca-cert ${missing}: no such file`],
      [empty, `--ca-cert ${empty}: no PEM certificate in it`],
    ] as const) {
      for (const command of [importArgs(work, 1, api), ['export', path.join(work, 'o.csv'), '--base-url', api]]) {
        const r = await cli([...command, '--ca-cert', file], { env: { VOREL_API_KEY: emulator.apiKey } });
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(said);
      }
    }
    await expect(
      importCsv({ file: writeCsv(work, 'rows.csv', rows(1)), apiKey: emulator.apiKey, baseUrl: api, caCert: missing }),
    ).rejects.toMatchObject({
      code: 'ca_cert',
      exitCode: 2,
    });
    expect(emulator.requests).toHaveLength(0);
  });

  it('a --proxy that is not a URL is exit 2 and not echoed', async () => {
    const work = tempDir();
    const r = await cli(
      ['import', writeCsv(work, 'rows.csv', rows(1)), '--base-url', 'https://0.0.0.0:1', '--proxy', `ftp://${USER}:${ENCODED}@proxy:2121`],
      {
        env: { VOREL_API_KEY: `vapk_live_${'a'.repeat(48)}` },
      },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--proxy ftp://${USER}:***@proxy:2121`);
    expectNoPassword(r.stderr);
  });
});

describe('summary.json', () => {
  it('holds no trace of the proxy credentials', async () => {
    const { work, r } = await importThroughProxy(1, PASSWORD, '--json');
    expect(r.code, r.stderr).toBe(0);
    expectNoPassword(JSON.stringify(readRun(onlyRunDir(path.join(work, 'reports'))).summary));
  });
});
