/** `npm run demo`: the emulator in-process, fixtures/sample.csv imported through the real CLI. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeConversation, startEmulator } from '../emulator/index.js';
import { runCli } from './main.js';

const sample = fileURLToPath(new URL('../../fixtures/sample.csv', import.meta.url));
const ids = [...readFileSync(sample, 'utf8').matchAll(/^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}),/gm)].map(
  (m) => m[1] ?? '',
);
// One id is left out of the emulator so the demo also shows what a 404 looks like.
const missing = ids[100];
const emulator = await startEmulator({
  count: 0,
  conversations: ids
    .filter((id) => id !== missing)
    .map((id) => makeConversation({ id, customer_name: 'Old Name', customer_language: 'en' })),
  // Scaled up so the demo takes seconds; the real API allows 200 requests/min per key.
  rateLimit: { limit: 2000, windowMs: 60_000 },
});
process.stderr.write(`demo: emulator at ${emulator.baseUrl} with ${ids.length - 1} conversations\n`);
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
const code = await runCli(['import', sample, '--base-url', emulator.baseUrl, '--rate', '1800', '--concurrency', '8', '--yes'], {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: { ...process.env, VOREL_API_KEY: emulator.apiKey },
  signal: controller.signal,
});
await emulator.close();
process.stderr.write(
  `demo: vorel-sync exited ${code}` +
    (code === 1 ? ' (expected: the sample holds a few invalid rows and one unknown id; see failed.csv and report.html)\n' : '\n'),
);
// Exit 0 or 1 are both reports of a finished run.
process.exit(code === 0 || code === 1 ? 0 : code);
