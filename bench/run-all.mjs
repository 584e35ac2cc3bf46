// Runs every benchmark in bench/ one after another (npm run bench builds first).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
let failed = 0;
// The benchmarks; the other .mjs files here are their shared helpers.
const BENCHES = [
  'memory.mjs',
  'axios-floor.mjs',
  'dry-run.mjs',
  'rate-ceiling.mjs',
  'rate-auto.mjs',
  'latency-bound.mjs',
  'only-changed.mjs',
  'export-memory.mjs',
  'disk.mjs',
  'workbook-dry-run.mjs',
];
for (const file of BENCHES) {
  console.log(`\n== ${file}`);
  const r = spawnSync(process.execPath, [path.join(here, file)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
