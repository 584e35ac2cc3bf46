#!/usr/bin/env node
import { closeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { runCli } from './main.js';
import { abortOnStopSignals } from './stop-signals.js';

// The one place that touches process.exit, signals and the real streams.
// A run must outlive its terminal: once the SSH connection drops, every write to the tty fails
// with EIO, and a pipe whose reader exited (`| head`, a crashed `tee`) with EPIPE. Node reports
// those as an 'error' event, which without a listener ends the process; after the first error it
// drops further writes to that stream by itself. The reports still get written.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});
// Taken at start, before a hang-up can take the terminals away.
const terminals = [0, 1, 2].map((fd) => isatty(fd));
const exit = (code: number): never => {
  // At exit Node puts each terminal it started on back the way it found it, and aborts (SIGABRT,
  // exit 134 instead of 129) when the terminal is gone (nodejs/node#51519, fixed only in newer
  // release lines); a closed descriptor is skipped, and a terminal still there is left alone.
  terminals.forEach((wasTerminal, fd) => {
    if (wasTerminal && !isatty(fd)) closeSync(fd);
  });
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
