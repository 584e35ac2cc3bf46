// The floor under an import's peak RSS at the emulator's unlimited rate: the same PATCH requests
// through axios alone (the client's adapter, keep-alive agent and settings, none of our code),
// then the CLI's import of the same rows, each in its own process against a fresh emulator.
// Usage: npm run build && node bench/axios-floor.mjs [rows=30000]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const rows = Number(process.argv[2] ?? 30_000);
const peakMb = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;

if (process.argv[3] === '--axios-alone') {
  // The child: 4 workers (the default concurrency), one request each at a time, every answer read.
  const { default: axios } = await import('axios');
  const { text } = await import('node:stream/consumers');
  const { baseUrl, apiKey, file } = JSON.parse(process.argv[4]);
  const ids = readFileSync(file, 'utf8')
    .split('\n')
    .slice(1, rows + 1)
    .map((line) => line.split(',')[0]);
  const instance = axios.create({
    adapter: 'http',
    baseURL: baseUrl,
    maxRedirects: 0,
    proxy: false,
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
    timeout: 30_000,
    responseType: 'stream',
    maxContentLength: 16 * 1024 * 1024,
    transformRequest: [],
    validateStatus: () => true,
    headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json', Accept: 'application/json' },
  });
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < ids.length; i = next++) {
      const body = JSON.stringify({ customer_name: `After ${i + 1}`, customer_language: 'fr' });
      const response = await instance.request({ method: 'PATCH', url: `/api/v1/conversations/${ids[i]}`, data: body });
      await text(response.data);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  process.stdout.write(String(peakMb()));
  process.exit(0);
}

const { fmt, setup } = await import('./lib.mjs');

async function peakOf(args, env = {}) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const [code] = await once(child, 'close');
  if (code !== 0) throw new Error(`${args.join(' ')} exited ${code}: ${err}`);
  return { out, err };
}

const alone = await setup(rows, { rateLimit: null });
const axiosMb = Number((await peakOf([import.meta.filename, String(rows), '--axios-alone', JSON.stringify(alone)])).out);
await alone.cleanup();

const api = await setup(rows, { rateLimit: null });
// Read from /proc just before the CLI exits, by a preloaded hook: no flag changes how it runs.
const hook = path.join(path.dirname(api.file), 'peak.cjs');
writeFileSync(
  hook,
  "process.on('exit', () => process.stderr.write('PEAK ' + /VmHWM:\\s+(\\d+)/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1] + '\\n'));\n",
);
const bin = path.resolve(import.meta.dirname, '../dist/cli/bin.js');
const { err } = await peakOf(
  ['--require', hook, bin, 'import', api.file, '--base-url', api.baseUrl, '--rate', '100000000', '--quiet', '--report-dir', api.reportDir],
  { VOREL_API_KEY: api.apiKey },
);
await api.cleanup();
const cliMb = Number(/PEAK (\d+)/.exec(err)[1]) / 1024;

console.log(`${rows} PATCH requests at the emulator's unlimited rate, 4 at a time, peak RSS:`);
console.log(`  axios alone (no reading, journal or reports)   ${fmt(axiosMb, 0).padStart(5)} MB`);
console.log(`  vorel-sync import                              ${fmt(cliMb, 0).padStart(5)} MB`);
console.log(`  the import above axios alone                   ${fmt(cliMb - axiosMb, 0).padStart(5)} MB`);
