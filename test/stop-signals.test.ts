import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { abortOnStopSignals } from '../src/cli/stop-signals.js';
import { HangUp, interruptionCause, interruptionOf, stopExitCode } from '../src/exit-code.js';

function wired(): { target: EventEmitter; controller: AbortController; forced: number[] } {
  const target = new EventEmitter();
  const controller = new AbortController();
  const forced: number[] = [];
  abortOnStopSignals(target, controller, (code) => forced.push(code));
  return { target, controller, forced };
}

describe('stop signals', () => {
  it('SIGHUP aborts with a HangUp: the run drains and ends 129', () => {
    const { target, controller, forced } = wired();
    target.emit('SIGHUP');
    expect(controller.signal.reason).toBeInstanceOf(HangUp);
    expect(stopExitCode(interruptionOf(controller.signal))).toBe(129);
    expect(forced).toEqual([]);
  });

  it.each(['SIGINT', 'SIGTERM'])('%s is an interruption: 130', (signal) => {
    const { target, controller } = wired();
    target.emit(signal);
    expect(stopExitCode(interruptionOf(controller.signal))).toBe(130);
    expect(interruptionCause(controller.signal)).toBe('interrupted (Ctrl-C or SIGTERM)');
  });

  it('a library caller aborting with any other reason is an interruption', () => {
    expect(interruptionOf(AbortSignal.abort(new Error('mine')))).toBe('interrupted');
  });

  it('repeated hang-ups never force an exit; a Ctrl-C after one does, with the first stop’s code', () => {
    const { target, forced } = wired();
    target.emit('SIGHUP');
    target.emit('SIGHUP');
    target.emit('SIGHUP');
    expect(forced).toEqual([]);
    target.emit('SIGINT');
    expect(forced).toEqual([129]);
  });

  it('a second Ctrl-C forces the exit at once (130)', () => {
    const { target, forced } = wired();
    target.emit('SIGINT');
    expect(forced).toEqual([]);
    target.emit('SIGTERM');
    expect(forced).toEqual([130]);
  });
});
