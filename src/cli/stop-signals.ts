import { HangUp, type Interruption, StopSignal, stopExitCode } from '../exit-code.js';

/**
 * SIGINT, SIGTERM and SIGHUP ask the run to drain; a second SIGINT/SIGTERM calls `forceExit`. A
 * repeated SIGHUP never does: a dropped SSH session sends more than one.
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
