#!/usr/bin/env node
import { closeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { runCli } from './main.js';
import { abortOnStopSignals } from './stop-signals.js';

// The one place that touches process.exit, signals and the real streams.
// A run must outlive its terminal: a lost tty (EIO) or pipe reader (EPIPE) is an 'error' event,
// which without a listener would end the process before the reports are written.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});
const terminals = [0, 1, 2].map((fd) => isatty(fd));
const exit = (code: number): never => {
  // Node's exit resets each terminal it started on, and aborts (134, not 129) when it is gone
  // (nodejs/node#51519); a closed descriptor is skipped.
  terminals.forEach((wasTerminal, fd) => {
    if (wasTerminal && !isatty(fd)) closeSync(fd);
  });
  process.exit(code);
};
const controller = new AbortController();
abortOnStopSignals(process, controller, (code) => {
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
