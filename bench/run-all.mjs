// Every benchmark, one after the other, each in its own process (`npm run bench` builds first).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const benches = ['dry-run.mjs', 'rate-ceiling.mjs', 'latency-bound.mjs'];
let failed = 0;
for (const bench of benches) {
  console.log(`== ${bench}`);
  const r = spawnSync(process.execPath, [path.join(import.meta.dirname, bench)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
