// Latency-bound: every answer takes 50 ms, no rate limit, --concurrency 16. The ceiling is
// 16 / 0.05 s = 320 requests/s; how close does a run get?
// Usage: npm run build && node bench/latency-bound.mjs [rows=3000] [concurrency=16] [latencyMs=50]
import { fmt, runImport, setup, verdict } from './lib.mjs';

const rows = Number(process.argv[2] ?? 3000);
const concurrency = Number(process.argv[3] ?? 16);
const latencyMs = Number(process.argv[4] ?? 50);

const s = await setup(rows, { rateLimit: null, faults: { latencyMs } });
try {
  const { summary } = await runImport(s, ['--rate', '100000000', '--concurrency', String(concurrency)]);
  // Sending time as the server saw it: first arrival to last answer (the file scan and the report
  // writing around it are not what this measures).
  const log = s.emulator.requests;
  const seconds = (Math.max(...log.map((r) => r.endedAt)) - Math.min(...log.map((r) => r.startedAt))) / 1000;
  const achieved = summary.requests.total / seconds;
  const ceiling = concurrency / (latencyMs / 1000);
  console.log(`latency-bound: ${rows} rows, ${latencyMs} ms latency, --concurrency ${concurrency}, ${fmt(seconds, 2)} s sending, peak in flight ${s.emulator.peakInFlight}`);
  console.log(`  achieved ${fmt(achieved, 1)} req/s / ${fmt(ceiling, 0)}: ${fmt(achieved / ceiling)} target >= 0.95 ${verdict(achieved / ceiling >= 0.95)}`);
} finally {
  await s.cleanup();
}
