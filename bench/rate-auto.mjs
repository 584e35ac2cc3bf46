// --rate auto against the API's real numbers: the emulator (child process) allows 200 requests per
// fixed 60 s window per key, aligned to the clock, and sends X-RateLimit-* on every answer. How much
// of the key's budget does a run use, how often does it still meet a 429, and does it ever go over
// 200 in a sliding minute? Then two runs at once on the same key: together within the budget?
// With a skew, the API's clock (its Date header, windows and X-RateLimit-Reset) runs that many
// seconds ahead of ours (negative: behind), as for a laptop without time sync.
// Takes about 5 minutes. Usage: npm run build && node bench/rate-auto.mjs [rows=400] [skew seconds=0]
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fmt, idFor, runImport, setup, verdict } from './lib.mjs';

const rows = Number(process.argv[2] ?? 400);
const skewSeconds = Number(process.argv[3] ?? 0);
const LIMIT = 200;
const WINDOW_MS = 60_000;

/** Most entries with a time inside any half-open window [x, x + w). */
function maxInSlidingWindow(times, w) {
  const s = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < s.length; hi++) {
    while (s[hi] - s[lo] >= w) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/** Requests the server accepted per fixed window, as it counted them. */
function acceptedPerWindow(requests) {
  const per = new Map();
  for (const r of requests) {
    if (r.status === 429) continue;
    const w = Math.floor(r.startedAt / WINDOW_MS);
    per.set(w, (per.get(w) ?? 0) + 1);
  }
  return [...per.values()];
}

/**
 * Share of the key's budget used: the pace achieved between the first and the last request the
 * server accepted, against 200 per 60 s. A run at exactly the limit has n − 1 gaps of 300 ms.
 */
function budgetShare(requests) {
  const starts = requests.filter((r) => r.status !== 429).map((r) => r.startedAt);
  const span = Math.max(...starts) - Math.min(...starts);
  return (starts.length - 1) / ((span / WINDOW_MS) * LIMIT);
}

const emulatorOptions = { rateLimit: { limit: LIMIT, windowMs: WINDOW_MS }, clockOffsetMs: skewSeconds * 1000 };
if (skewSeconds !== 0) console.log(`the API's clock is ${skewSeconds} s ${skewSeconds > 0 ? 'ahead of' : 'behind'} ours`);

// One run on its own.
{
  const s = await setup(rows, emulatorOptions);
  try {
    const { summary, seconds } = await runImport(s, ['--concurrency', '4']);
    const { requests } = await s.stats();
    const share = budgetShare(requests);
    const per1000 = (summary.requests.rate_limited / rows) * 1000;
    const sliding = maxInSlidingWindow(
      requests.map((r) => r.startedAt),
      WINDOW_MS,
    );
    console.log(`rate auto: ${rows} rows, emulator ${LIMIT} per fixed 60 s window with rate headers, ${fmt(seconds, 1)} s`);
    console.log(`  pace in force: ${summary.rate.mode} ${summary.rate.per_min}/min from ${summary.rate.source}`);
    console.log(`  accepted per fixed window: [${acceptedPerWindow(requests).join(', ')}]`);
    console.log(`  share of the key's budget used: ${fmt(share)} target >= 0.97 ${verdict(share >= 0.97)}`);
    console.log(
      `  429s per 1000 rows: ${fmt(per1000, 2)} (${summary.requests.rate_limited} in ${summary.requests.total} requests) target <= 1 ${verdict(per1000 <= 1)}`,
    );
    console.log(`  max requests per sliding 60 s: ${sliding} target <= ${LIMIT} ${verdict(sliding <= LIMIT)}`);
  } finally {
    await s.cleanup();
  }
}

// Two runs at once on the same key, each updating its own half of the rows.
{
  const s = await setup(rows, emulatorOptions);
  try {
    const half = Math.floor(rows / 2);
    const second = path.join(path.dirname(s.file), 'second.csv');
    const lines = ['id,customer_name,customer_language'];
    for (let i = half + 1; i <= rows; i++) lines.push(`${idFor(i)},Second ${i},de`);
    writeFileSync(second, `${lines.join('\n')}\n`);
    const first = path.join(path.dirname(s.file), 'first.csv');
    const firstLines = ['id,customer_name,customer_language'];
    for (let i = 1; i <= half; i++) firstLines.push(`${idFor(i)},First ${i},fr`);
    writeFileSync(first, `${firstLines.join('\n')}\n`);
    const started = process.hrtime.bigint();
    // Each run has its own report folder (a folder holds one run at a time).
    const [a, b] = await Promise.all([
      runImport({ ...s, file: first, reportDir: `${s.reportDir}-a` }, ['--concurrency', '4']),
      runImport({ ...s, file: second, reportDir: `${s.reportDir}-b` }, ['--concurrency', '4']),
    ]);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const { requests } = await s.stats();
    const perWindow = acceptedPerWindow(requests);
    const limited = a.summary.requests.rate_limited + b.summary.requests.rate_limited;
    const per1000 = (limited / rows) * 1000;
    // The API counts fixed windows: two clients that each keep 200 per sliding minute can still
    // land up to 400 in one sliding minute across a boundary, never more than 200 in a window.
    const sliding = maxInSlidingWindow(
      requests.filter((r) => r.status !== 429).map((r) => r.startedAt),
      WINDOW_MS,
    );
    console.log(`rate auto, shared key: two runs of ${half} rows on one key at once, ${fmt(seconds, 1)} s`);
    console.log(
      `  accepted per fixed window, together: [${perWindow.join(', ')}] target <= ${LIMIT} ${verdict(Math.max(...perWindow) <= LIMIT)}`,
    );
    console.log(`  429s per 1000 rows, together: ${fmt(per1000, 2)} (${limited}) target <= 10 ${verdict(per1000 <= 10)}`);
    console.log(`  accepted per sliding 60 s, together: ${sliding} (no target: the API's windows are fixed)`);
  } finally {
    await s.cleanup();
  }
}
