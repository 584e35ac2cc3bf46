// Rate ceiling: the emulator allows L requests per fixed window W (aligned to the clock, like the
// API), and the client is set to exactly L per W. How much of the budget does a run use, and how
// often does it still meet a 429?
// Usage: npm run build && node bench/rate-ceiling.mjs [rows=1200] [limit=200] [windowMs=6000]
import { fmt, runImport, setup, verdict } from './lib.mjs';

const rows = Number(process.argv[2] ?? 1200);
const limit = Number(process.argv[3] ?? 200);
const windowMs = Number(process.argv[4] ?? 6000);

const s = await setup(rows, { rateLimit: { limit, windowMs } });
try {
  const { summary, seconds } = await runImport(s, ['--rate', String(limit), '--rate-window-ms', String(windowMs), '--concurrency', '4']);
  // Requests the server accepted, per fixed window; the first and last windows are partial (the
  // run starts and ends inside them), so only the full ones in between count.
  const perWindow = new Map();
  const { requests } = await s.stats();
  for (const r of requests) {
    if (r.status === 429) continue;
    const w = Math.floor(r.startedAt / windowMs);
    perWindow.set(w, (perWindow.get(w) ?? 0) + 1);
  }
  const windows = [...perWindow.keys()].sort((a, b) => a - b);
  const full = windows.slice(1, -1).map((w) => perWindow.get(w));
  if (full.length === 0) throw new Error('the run spanned no full window: use more rows');
  const mean = full.reduce((a, b) => a + b, 0) / full.length;
  const limited = summary.requests.rate_limited;
  const per1000 = (limited / rows) * 1000;
  console.log(
    `rate ceiling: ${rows} rows, emulator ${limit} per ${windowMs} ms fixed windows, client --rate ${limit} per ${windowMs} ms, ${fmt(seconds, 1)} s`,
  );
  console.log(`  accepted per full window: [${full.join(', ')}]`);
  console.log(
    `  achieved per window / L: ${fmt(mean / limit)} (min ${fmt(Math.min(...full) / limit)}) target >= 0.97 ${verdict(mean / limit >= 0.97)}`,
  );
  console.log(
    `  429s per 1000 rows: ${fmt(per1000, 2)} (${limited} in ${summary.requests.total} requests) target <= 1 ${verdict(per1000 <= 1)}`,
  );
} finally {
  await s.cleanup();
}
