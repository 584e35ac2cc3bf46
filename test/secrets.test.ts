/**
 * The key never leaves the process (issue 7, docs/cli.md "API key"): after runs that fail in
 * every way a request can, no byte the CLI wrote (stdout, stderr, every file under the report
 * dir) holds it, in any form a log or a dump would use.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../src/emulator/index.js';
import { cli, readResults, tempDir, writeCsv, type CliRun } from './helpers/cli.js';
import { emulatorWith, testId } from './helpers/emulator.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0)) await fn();
});

async function emulator(opts: Parameters<typeof emulatorWith>[1] = {}): Promise<Emulator> {
  const emu = await emulatorWith(5, opts);
  cleanups.push(() => emu.close());
  return emu;
}

const freshKey = (): string => `vapk_live_${randomBytes(24).toString('hex')}`;

/** Every file under `dir`, dot files included. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : [p];
  });
}

/** The key in each form it could leak: as is, its secret part, upper case, base64, URL-encoded. */
function leakForms(key: string): string[] {
  const secret = key.slice(key.lastIndexOf('_') + 1);
  return [
    key,
    secret,
    secret.toUpperCase(),
    Buffer.from(key).toString('base64'),
    Buffer.from(`Bearer ${key}`).toString('base64'),
    encodeURIComponent(key),
  ];
}

function expectNoKey(key: string, run: CliRun, reportDir: string): void {
  const files = filesUnder(reportDir);
  expect(
    files.some((f) => f.endsWith('summary.json')),
    'a run folder was written',
  ).toBe(true);
  const outputs: [string, Buffer][] = [
    ['stdout', Buffer.from(run.stdout)],
    ['stderr', Buffer.from(run.stderr)],
    ...files.map((f): [string, Buffer] => [f, readFileSync(f)]),
  ];
  for (const [where, bytes] of outputs) {
    const text = bytes.toString('latin1');
    for (const form of leakForms(key)) expect(text.includes(form), `${where} holds the key (${form.slice(0, 12)}…)`).toBe(false);
    // UTF-16 writers would spread it out; nothing here writes UTF-16, but check the bytes anyway.
    expect(bytes.includes(Buffer.from(key, 'utf16le')), `${where} holds the key in UTF-16`).toBe(false);
  }
}

interface Scenario {
  name: string;
  /** Error code every row should end with. */
  code: string;
  setup(): Promise<{ baseUrl: string; key: string }>;
  args?: string[];
}

async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A hostile server that echoes the Authorization header back in its bodies and headers. */
async function echoServer(status: number): Promise<string> {
  const server = http.createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    res.writeHead(status, { 'content-type': 'application/json', 'x-echo': auth, 'www-authenticate': `Bearer realm="${auth}"` });
    const secret = auth.slice(auth.lastIndexOf('_') + 1);
    res.end(JSON.stringify({ error: { code: 'echo', message: `you sent ${auth}; secret ${secret}; upper ${secret.toUpperCase()}` } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const scenarios: Scenario[] = [
  {
    name: '401 (unknown key)',
    code: 'unauthorized',
    setup: async () => ({ baseUrl: (await emulator()).baseUrl, key: freshKey() }),
  },
  {
    name: '500 (failing ids, after retries)',
    code: 'server_error',
    setup: async () => {
      const emu = await emulator({ faults: { failingIds: [1, 2, 3].map(testId) } });
      return { baseUrl: emu.baseUrl, key: emu.apiKey };
    },
  },
  {
    name: 'network error (a closed loopback port)',
    code: 'network',
    setup: async () => ({ baseUrl: `http://127.0.0.1:${await closedPort()}`, key: freshKey() }),
  },
  {
    name: 'timeout (the server never answers)',
    code: 'timeout',
    setup: async () => {
      const emu = await emulator({ faults: { hangRate: 1 } });
      return { baseUrl: emu.baseUrl, key: emu.apiKey };
    },
    args: ['--timeout', '150'],
  },
  {
    name: '500 from a server that echoes the Authorization header',
    code: 'server_error',
    setup: async () => ({ baseUrl: await echoServer(500), key: freshKey() }),
  },
  {
    name: '400 from a server that echoes the Authorization header',
    code: 'bad_request',
    setup: async () => ({ baseUrl: await echoServer(400), key: freshKey() }),
  },
];

const ROWS = `id,name\n${testId(1)},A\n${testId(2)},B\n${testId(3)},C\n`;

describe('the key appears nowhere the CLI wrote', () => {
  describe.each([
    ['--verbose', ['--verbose']],
    ['--json', ['--json']],
  ])('%s', (_, extra) => {
    it.each(scenarios)('$name', async (s) => {
      const { baseUrl, key } = await s.setup();
      const work = tempDir();
      const reports = path.join(work, 'reports');
      const run = await cli(
        [
          'import',
          writeCsv(work, 'rows.csv', ROWS),
          '--base-url',
          baseUrl,
          '--report-dir',
          reports,
          '--retries',
          '1',
          '--backoff-base-ms',
          '5',
          '--rate',
          '100000',
          ...(s.args ?? []),
          ...extra,
        ],
        { env: { VOREL_API_KEY: key } },
      );
      expect([1, 3]).toContain(run.code);
      const runDir = path.dirname(filesUnder(reports).find((f) => f.endsWith('summary.json'))!);
      const failures = readResults(runDir).filter((x) => x.outcome === 'failed' || x.outcome === 'invalid');
      expect(failures.length).toBeGreaterThan(0);
      expect(failures.every((x) => x.error_code === s.code)).toBe(true);
      if (extra.includes('--verbose')) expect(run.stderr).toMatch(/^debug: PATCH \/api\/v1\/conversations\//m);
      expectNoKey(key, run, reports);
    });
  });

  it.each([
    [0o600, false],
    [0o640, true],
    [0o604, true],
  ])(
    'nor when it comes from --api-key-file (mode %o, trailing newline), on a 401 with --verbose; warns when group/others can read it: %s',
    async (mode, warns) => {
      const emu = await emulator();
      const key = freshKey();
      const work = tempDir();
      const keyFile = writeCsv(work, 'key.txt', `  ${key}\n`);
      chmodSync(keyFile, mode);
      const reports = path.join(work, 'reports');
      const run = await cli([
        'import',
        writeCsv(work, 'rows.csv', ROWS),
        '--base-url',
        emu.baseUrl,
        '--report-dir',
        reports,
        '--api-key-file',
        keyFile,
        '--verbose',
      ]);
      expect(run.code).toBe(3);
      expect(run.stderr.includes(`warning: ${keyFile} is readable by other users; run: chmod 600 ${keyFile}`)).toBe(warns);
      expectNoKey(key, run, reports);
      expect(statSync(keyFile).mode & 0o777).toBe(mode);
    },
  );
});
