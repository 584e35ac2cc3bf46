import { HangUp, type Interruption, StopSignal, stopExitCode } from '../exit-code.js';

/**
 * SIGINT, SIGTERM and SIGHUP all ask the run to drain: requests in flight finish, the journal and
 * the reports are written. A second SIGINT/SIGTERM means "now" and calls `forceExit`. A repeated
 * SIGHUP never does: a dropped SSH session sends more than one (the shell forwards its own to the
 * job, the kernel sends one to the foreground group when the session leader exits), and exiting
 * on the second would lose the reports the first one was draining for.
 */
export function abortOnStopSignals(target: NodeJS.EventEmitter, controller: AbortController, forceExit: (code: number) => void): void {
  let first: Interruption | null = null;
  const stop = (kind: Interruption): void => {
    if (first === null) {
      first = kind;
      controller.abort(kind === 'hangup' ? new HangUp() : new StopSignal());
      return;
    }
    if (kind === 'interrupted') forceExit(stopExitCode(first));
  };
  target.on('SIGINT', () => stop('interrupted'));
  target.on('SIGTERM', () => stop('interrupted'));
  target.on('SIGHUP', () => stop('hangup'));
}
