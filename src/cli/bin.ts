#!/usr/bin/env node
import { releaseLostTerminals, terminalsAtStart, tolerateLostOutput } from './lost-output.js';
import { runCli } from './main.js';
import { abortOnStopSignals } from './stop-signals.js';

// The one place that touches process.exit, signals and the real streams.
// A closed terminal or pipe must never end a run: its reports still get written.
tolerateLostOutput(process.stdout);
tolerateLostOutput(process.stderr);
const terminals = terminalsAtStart();
const exit = (code: number): never => {
  releaseLostTerminals(terminals);
  process.exit(code);
};
const controller = new AbortController();
abortOnStopSignals(process, controller, (code) => {
  // A second Ctrl-C: stop now. The journal is append-only and fsync'd, so it stays valid.
  process.stderr.write('\nstopped at once (second interrupt); an import can still be resumed with --resume <run folder>\n');
  exit(code);
});

const code = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
});
process.exitCode = code;
// Keep-alive sockets or a paused stdin must not hold the process open once the work is done.
setImmediate(() => exit(code));
