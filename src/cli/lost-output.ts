import { closeSync } from 'node:fs';
import { isatty } from 'node:tty';

/**
 * A run must outlive its terminal: once the SSH connection drops, every write to the tty fails
 * with EIO, and a pipe whose reader exited (`| head`, a crashed `tee`) fails with EPIPE. Node
 * reports those as an 'error' event, which without a listener ends the process. After the first
 * error Node drops further writes to that stream by itself, so one listener is all it takes.
 */
export function tolerateLostOutput(stream: NodeJS.EventEmitter, onLost: (error: Error) => void = () => {}): void {
  let lost = false;
  stream.on('error', (error: Error) => {
    if (lost) return;
    lost = true;
    onLost(error);
  });
}

/**
 * Progress output stops for the rest of the run once its stream is lost: every later call is
 * dropped (a bar would otherwise go on redrawing four times a second into a dead terminal).
 */
export function progressUntilLost<P extends { close(): void }>(stream: NodeJS.EventEmitter, progress: P | undefined): P | undefined {
  if (progress === undefined) return undefined;
  let lost = false;
  tolerateLostOutput(stream, () => {
    progress.close();
    lost = true;
  });
  return new Proxy(progress, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => (lost ? undefined : Reflect.apply(value, target, args));
    },
  });
}

/** Which of stdin, stdout and stderr are terminals: taken at start, before a hang-up can take them away. */
export function terminalsAtStart(): readonly boolean[] {
  return [0, 1, 2].map((fd) => isatty(fd));
}

/**
 * Closes the stdio descriptors whose terminal went away, just before exiting. At exit Node puts
 * each terminal it started on back the way it found it, and aborts (SIGABRT, a native stack on
 * stderr, exit 134 instead of 129) when the terminal is gone (nodejs/node#51519, fixed only in
 * newer release lines); a closed descriptor is skipped. A terminal that is still there answers
 * isatty() and is left alone.
 */
export function releaseLostTerminals(wereTerminals: readonly boolean[]): void {
  wereTerminals.forEach((wasTerminal, fd) => {
    if (wasTerminal && !isatty(fd)) closeSync(fd);
  });
}
