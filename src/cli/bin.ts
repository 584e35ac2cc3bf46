#!/usr/bin/env node
import { EXIT } from '../exit-code.js';
import { runCli } from './main.js';

// The one place that touches process.exit, signals and the real streams.
const controller = new AbortController();
let interrupts = 0;
const onSignal = (): void => {
  interrupts++;
  if (interrupts === 1) {
    controller.abort();
    return;
  }
  // A second Ctrl-C: stop now. The journal is append-only and fsync'd, so it stays valid.
  process.stderr.write('\nstopped at once (second interrupt); an import can still be resumed with --resume <run folder>\n');
  process.exit(EXIT.interrupted);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const code = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
});
process.exitCode = code;
// Keep-alive sockets or a paused stdin must not hold the process open once the work is done.
setImmediate(() => process.exit(code));
