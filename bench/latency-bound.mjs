// Latency-bound: every answer takes 50 ms, no rate limit, --concurrency 16. The ceiling is
// 16 / 0.05 s = 320 requests/s; how close does a run get? For scale, the same PATCHes sent by 16
// bare node:http loops (no limiter, retries, validation or reports) are measured first.
// Usage: npm run build && node bench/latency-bound.mjs [rows=3000] [concurrency=16] [latencyMs=50]
import http from 'node:http';
import { fmt, idFor, runImport, setup, verdict } from './lib.mjs';

const rows = Number(process.argv[2] ?? 3000);
const concurrency = Number(process.argv[3] ?? 16);
const latencyMs = Number(process.argv[4] ?? 50);
const ceiling = concurrency / (latencyMs / 1000);

/** `concurrency` loops of bare keep-alive PATCHes over ids 1..rows; requests per second. */
async function bareHttp(s) {
  const agent = new http.Agent({ keepAlive: true });
  const { hostname, port } = new URL(s.baseUrl);
  const patch = (id) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ customer_name: 'Bare' });
      const headers = {
        authorization: `Bearer ${s.apiKey}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      };
      const req = http.request({ hostname, port, path: `/api/v1/conversations/${id}`, method: 'PATCH', agent, headers }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  let next = 1;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next <= rows) await patch(idFor(next++));
    }),
  );
  agent.destroy();
  return rows / ((performance.now() - started) / 1000);
}

const s = await setup(rows, { rateLimit: null, faults: { latencyMs } });
try {
  const bare = await bareHttp(s);
  const before = (await s.stats()).requests.length;
  const { summary } = await runImport(s, ['--rate', '100000000', '--concurrency', String(concurrency)]);
  // Sending time as the server saw it: first arrival to last answer (the file scan and the report
  // writing around it are not what this measures).
  const { requests, peakInFlight } = await s.stats();
  const log = requests.slice(before);
  const seconds = (Math.max(...log.map((r) => r.endedAt)) - Math.min(...log.map((r) => r.startedAt))) / 1000;
  const achieved = summary.requests.total / seconds;
  console.log(
    `latency-bound: ${rows} rows, ${latencyMs} ms latency, --concurrency ${concurrency}, ${fmt(seconds, 2)} s sending, peak in flight ${peakInFlight}`,
  );
  console.log(`  bare node:http loops: ${fmt(bare, 1)} req/s / ${fmt(ceiling, 0)}: ${fmt(bare / ceiling)}`);
  console.log(
    `  achieved ${fmt(achieved, 1)} req/s / ${fmt(ceiling, 0)}: ${fmt(achieved / ceiling)} target >= 0.95 ${verdict(achieved / ceiling >= 0.95)}`,
  );
} finally {
  await s.cleanup();
}
