/** The emulator's public types and defaults (re-exported by index.ts). */
import type { Conversation } from '../types.js';
import type { FaultOptions } from './faults.js';
import type { RateLimitConfig } from './rate-limit.js';

/** How to start an emulator; every field is optional. */
export interface EmulatorOptions {
  /** Port on 127.0.0.1; default 0 (a free port). The host is always loopback. */
  port?: number;
  /** Seed of the generated data and of the fault RNG; default 1. */
  seed?: number;
  /** Number of generated conversations; default 1000. */
  count?: number;
  /** Extra conversations inserted as given (ids lower-cased), after the generated ones. */
  conversations?: Conversation[];
  /** Scopes of `apiKey`; default `['read', 'conversations:write']`. */
  scopes?: string[];
  /** Per-key fixed-window limit; default 200 per 60 s (vorel-api.md §5); null turns it off. */
  rateLimit?: RateLimitConfig | null;
  /** Fault injection; default none. */
  faults?: Partial<FaultOptions>;
  /** Epoch milliseconds; default Date.now. Drives rate-limit windows, the `Date` header, the log and the data anchor. */
  clock?: () => number;
  /** Serve HTTPS with this certificate and key (PEM text, as `https.createServer` takes them); `baseUrl` is then `https://`. */
  tls?: { cert: string; key: string };
}

/** One request as the server saw it. */
export interface RequestLogEntry {
  method: string;
  /** The request target, query string included. */
  path: string;
  /** The status sent; null when the socket was reset, or the request hung or was abandoned. */
  status: number | null;
  startedAt: number;
  endedAt: number;
  /** True when a PATCH was applied to the state (also true for a reset-after). */
  applied: boolean;
  /** Key fingerprint (`vapk_live_` + 12 hex + `…` + last 4), '' when none, never the full key. */
  key: string;
}

/** A running emulator. */
export interface Emulator {
  /** e.g. `http://127.0.0.1:40123`. */
  readonly baseUrl: string;
  /** The throwaway demo key, with the scopes of EmulatorOptions.scopes. */
  readonly apiKey: string;
  /** Issues another valid key with these scopes (e.g. read-only, or none). */
  createKey(scopes: string[]): string;
  /** Changes fault injection from now on (merged into the current settings). */
  setFaults(f: Partial<FaultOptions>): void;
  /** Replaces the rate limit (counters restart); null turns it off. */
  setRateLimit(r: RateLimitConfig | null): void;
  /** Inserts or replaces conversations. */
  insert(conversations: Conversation[]): void;
  /** A copy of one conversation (id case-insensitive). */
  get(id: string): Conversation | undefined;
  /** Copies of all conversations, in list order (created_at DESC, id DESC). */
  dump(): Conversation[];
  /** Requests in arrival order (the oldest are dropped past MAX_LOG_ENTRIES). */
  readonly requests: readonly RequestLogEntry[];
  /** Requests received and not yet answered, reset or abandoned. */
  readonly inFlight: number;
  /** Highest inFlight since start or resetStats(). */
  readonly peakInFlight: number;
  /** Clears the request log and peakInFlight. */
  resetStats(): void;
  /** Stops listening and destroys every socket, hung ones included. */
  close(): Promise<void>;
}

/** Scopes of the demo key: everything this tool needs (vorel-api.md §3). */
export const DEFAULT_SCOPES: readonly string[] = Object.freeze(['read', 'conversations:write']);
/** The documented per-key limit (vorel-api.md §5 [RL]). */
export const DEFAULT_RATE_LIMIT: Readonly<RateLimitConfig> = Object.freeze({ limit: 200, windowMs: 60_000 });
/** Defaults for the other options. */
export const DEFAULTS = Object.freeze({ port: 0, seed: 1, count: 1000 });
/** The request log keeps at most this many entries, dropping the oldest (long demo sessions). */
export const MAX_LOG_ENTRIES = 500_000;
