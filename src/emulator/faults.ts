/**
 * Fault injection, drawn from the seeded RNG so a failing run can be replayed. The real API's
 * 5xx behaviour is undocumented (vorel-api.md §1 "5xx: not documented", §6): these faults are the
 * ones a bulk client must survive, not a model of Vorel's infrastructure.
 */
import type { Rng } from './rng.js';

/** What can go wrong, and how often. Rates are probabilities in [0, 1]. */
export interface FaultOptions {
  /** Probability of answering 500/502/503 (chosen at random) without applying. */
  serverErrorRate: number;
  /** Probability of destroying the socket before applying a write. */
  resetBeforeRate: number;
  /** Probability of applying a PATCH then destroying the socket (no response). */
  resetAfterRate: number;
  /** Probability of never answering (exercise client timeouts); socket closed on server.close(). */
  hangRate: number;
  /** Fixed latency added before answering. */
  latencyMs: number;
  /** Plus uniform random 0..jitter. */
  latencyJitterMs: number;
  /** Ids whose PATCH always answers 500. */
  failingIds: string[];
}

/** No faults, no latency. */
export const NO_FAULTS: Readonly<FaultOptions> = Object.freeze({
  serverErrorRate: 0,
  resetBeforeRate: 0,
  resetAfterRate: 0,
  hangRate: 0,
  latencyMs: 0,
  latencyJitterMs: 0,
  failingIds: [],
});

const RATES = ['serverErrorRate', 'resetBeforeRate', 'resetAfterRate', 'hangRate'] as const;

/** Merges a partial update into `base`, checking ranges; failing ids are lower-cased. */
export function mergeFaults(base: Readonly<FaultOptions>, update: Partial<FaultOptions>): FaultOptions {
  const merged: FaultOptions = { ...base, ...update, failingIds: [...(update.failingIds ?? base.failingIds)] };
  for (const name of RATES) {
    const rate = merged[name];
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`${name} must be a probability in [0, 1]: ${rate}`);
  }
  for (const name of ['latencyMs', 'latencyJitterMs'] as const) {
    const ms = merged[name];
    if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`${name} must be a non-negative number: ${ms}`);
  }
  merged.failingIds = merged.failingIds.map((id) => id.toLowerCase());
  return merged;
}

/** What the server does with one request before (or instead of) handling it. */
export interface FaultPlan {
  /** hang: never answer; resetBefore: destroy the socket unprocessed; serverError: answer 5xx. */
  kind: 'none' | 'hang' | 'resetBefore' | 'serverError';
  /** The 5xx status when kind is serverError. */
  status: 500 | 502 | 503;
  /** Handle normally (a PATCH is applied) then destroy the socket instead of answering. */
  resetAfter: boolean;
  latencyMs: number;
}

const SERVER_ERRORS = [500, 502, 503] as const;

/**
 * Draws the plan for one request. Always consumes the same number of draws, so the sequence of
 * plans for a given seed does not depend on which rates are zero.
 */
export function planFaults(rng: Rng, f: Readonly<FaultOptions>): FaultPlan {
  const [hang, resetBefore, serverError, statusPick, resetAfter, jitter] = [
    rng.next(),
    rng.next(),
    rng.next(),
    rng.next(),
    rng.next(),
    rng.next(),
  ] as const;
  const kind =
    hang < f.hangRate ? 'hang' : resetBefore < f.resetBeforeRate ? 'resetBefore' : serverError < f.serverErrorRate ? 'serverError' : 'none';
  return {
    kind,
    status: SERVER_ERRORS[Math.floor(statusPick * SERVER_ERRORS.length)] ?? 500,
    resetAfter: kind === 'none' && resetAfter < f.resetAfterRate,
    latencyMs: f.latencyMs + Math.floor(jitter * (f.latencyJitterMs + 1)),
  };
}
