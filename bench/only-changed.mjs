// Requests of `import --only-changed --read list` over a plain import, on the same file:
// a 20k-row file against a 50k-conversation emulator, 5% of the rows changed. Target: ≤ 0.1.
// Usage: npm run build && node bench/only-changed.mjs [rows=20000] [tenant=50000] [changedShare=0.05]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../dist/cli/main.js';
import { startEmulator } from '../dist/emulator/index.js';

const rows = Number(process.argv[2] ?? 20_000);
const tenant = Number(process.argv[3] ?? 50_000);
const changedShare = Number(process.argv[4] ?? 0.05);
const RATE = 180; // the default --rate, for the time estimate

const dir = mkdtempSync(path.join(tmpdir(), 'vorel-bench-'));
const cell = (v) => (v === null ? '' : /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/** Every (tenant/rows)-th conversation; every (1/changedShare)-th row gets a new name. */
function makeFile(conversations) {
  const step = Math.floor(conversations.length / rows);
  const every = Math.round(1 / changedShare);
  const lines = ['id,customer_name,customer_language'];
  for (let i = 0; i < rows; i++) {
    const c = conversations[i * step];
    const name = i % every === 0 ? `Renamed ${i}` : c.customer_name;
    lines.push(`${c.id},${cell(name)},${cell(c.customer_language)}`);
  }
  const file = path.join(dir, 'contacts.csv');
  writeFileSync(file, `${lines.join('\r\n')}\r\n`);
  return file;
}

const sink = () => {
  let text = '';
  return Object.assign(
    new Writable({
      write: (chunk, _e, done) => {
        text += chunk;
        done();
      },
    }),
    { text: () => text },
  );
};

async function importOnce(emulator, file, extra) {
  emulator.resetStats();
  const stdout = sink();
  const stderr = sink();
  const started = process.hrtime.bigint();
  const code = await runCli(
    [
      'import',
      file,
      '--base-url',
      emulator.baseUrl,
      '--report-dir',
      path.join(dir, 'reports'),
      '--rate',
      '10000000',
      '--concurrency',
      '16',
      '--json',
      '--quiet',
      ...extra,
    ],
    { stdin: process.stdin, stdout, stderr, env: { VOREL_API_KEY: emulator.apiKey }, signal: new AbortController().signal },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`import ${extra.join(' ')} exited ${code}: ${stderr.text()}`);
  const summary = JSON.parse(stdout.text());
  const seen = emulator.requests.length;
  if (seen !== summary.requests.total) throw new Error(`the emulator saw ${seen} requests, the summary says ${summary.requests.total}`);
  return { summary, seconds, requests: seen, patches: emulator.requests.filter((q) => q.method === 'PATCH').length };
}

// Two emulators with the same seed: each run starts from the same state.
const [a, b] = await Promise.all([0, 1].map(() => startEmulator({ count: tenant, seed: 42, rateLimit: null })));
try {
  const file = makeFile(a.dump());
  const changed = await importOnce(a, file, ['--only-changed', '--read', 'list']);
  const plain = await importOnce(b, file, []);
  const ratio = changed.requests / plain.requests;
  const t = changed.summary.totals;
  console.log(`file: ${rows} rows, ${Math.round(changedShare * 100)}% changed; tenant: ${tenant} conversations`);
  console.log(
    `--only-changed --read list: ${changed.requests} requests (${changed.summary.read.requests} list pages + ${changed.patches} PATCHes; ${t.updated} updated, ${t.unchanged} unchanged) in ${changed.seconds.toFixed(1)} s`,
  );
  console.log(`plain import:               ${plain.requests} requests (${plain.patches} PATCHes) in ${plain.seconds.toFixed(1)} s`);
  console.log(`ratio only-changed / plain: ${ratio.toFixed(3)} target <= 0.1 ${ratio <= 0.1 ? 'PASS' : 'FAIL'}`);
  console.log(`at --rate ${RATE}: ${(changed.requests / RATE).toFixed(1)} min instead of ${(plain.requests / RATE).toFixed(1)} min`);
  if (ratio > 0.1) process.exitCode = 1;
} finally {
  await Promise.all([a.close(), b.close()]);
  rmSync(dir, { recursive: true, force: true });
}
