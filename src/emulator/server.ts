/**
 * The emulator's server: seeded state, the HTTP listener on 127.0.0.1 only (each exchange is
 * http-handler.ts), and the handle tests drive it with. Never writes to stdout/stderr.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Conversation } from '../types.js';
import { mergeFaults, NO_FAULTS } from './faults.js';
import type { FaultOptions } from './faults.js';
import { handleRequest } from './http-handler.js';
import type { ServerState } from './http-handler.js';
import { UsageError } from '../errors.js';
import { newApiKey } from './keys.js';
import { DEFAULT_RATE_LIMIT, DEFAULT_SCOPES, DEFAULTS } from './options.js';
import type { Emulator, EmulatorOptions, RequestLogEntry } from './options.js';
import { FixedWindowLimiter } from './rate-limit.js';
import type { RateLimitConfig } from './rate-limit.js';
import { mulberry32 } from './rng.js';
import { generateConversations } from './seed.js';
import { ConversationStore } from './state.js';

const DAY_MS = 86_400_000;
/** Mixed into the seed so fault draws are independent of the data draws. */
const FAULT_SEED_SALT = 0x9e3779b9;

/** The shared state plus what only the handle writes to: the table and the key registry. */
interface EmulatorState extends ServerState {
  readonly store: ConversationStore;
  readonly keys: Map<string, ReadonlySet<string>>;
}

function checkOptions(opts: EmulatorOptions): { port: number; seed: number; count: number } {
  const port = opts.port ?? DEFAULTS.port;
  const seed = opts.seed ?? DEFAULTS.seed;
  const count = opts.count ?? DEFAULTS.count;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port must be 0–65535: ${port}`);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer: ${seed}`);
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer: ${count}`);
  return { port, seed, count };
}

/** Options out of range reject like the library's other usage errors: a stable code, exitCode 2. */
function startingState(opts: EmulatorOptions): { port: number; state: EmulatorState; apiKey: string } {
  try {
    const { port, seed, count } = checkOptions(opts);
    const apiKey = newApiKey();
    return { port, state: initialState(opts, seed, count, apiKey), apiKey };
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError(err.message, 'bad_emulator_option', { cause: err });
    throw err;
  }
}

/** The seeded store, the keys (the first one given), rate limit and faults, and empty instrumentation. */
function initialState(opts: EmulatorOptions, seed: number, count: number, apiKey: string): EmulatorState {
  const clock = opts.clock ?? Date.now;
  const store = new ConversationStore();
  // Anchored to the start of the current UTC day: same seed and day (or injected clock), same data.
  store.loadSorted(generateConversations(seed, count, Math.floor(clock() / DAY_MS) * DAY_MS));
  if (opts.conversations) store.insert(opts.conversations);

  const keys = new Map<string, ReadonlySet<string>>();
  keys.set(apiKey, new Set(opts.scopes ?? DEFAULT_SCOPES));

  const faults: FaultOptions = mergeFaults(NO_FAULTS, opts.faults ?? {});
  const rate = opts.rateLimit === undefined ? DEFAULT_RATE_LIMIT : opts.rateLimit;
  return {
    store,
    keys,
    ctx: { store, keys, limiter: rate ? new FixedWindowLimiter(rate, clock) : null, failingIds: faults.failingIds },
    clock,
    faultRng: mulberry32((seed ^ FAULT_SEED_SALT) >>> 0),
    faults,
    log: [],
    inFlight: 0,
    peakInFlight: 0,
    closing: null,
    sockets: new Set<Socket>(),
    sleepers: new Set<() => void>(),
    unsettled: new Set<(status: number | null) => void>(),
  };
}

/** The listener: plain HTTP, or HTTPS with `tls`. */
type Listener = Server | HttpsServer;

/** Listens on 127.0.0.1:port, over TLS when given a certificate; resolves with the base URL once it does. */
async function listen(state: ServerState, port: number, tls: EmulatorOptions['tls']): Promise<{ server: Listener; baseUrl: string }> {
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    // The server's clock, as the API's Date header gives it: the rate headers are read against it.
    res.setHeader('Date', new Date(state.clock()).toUTCString());
    void handleRequest(state, req, res);
  };
  const server: Listener = tls === undefined ? createServer(handler) : createHttpsServer(tls, handler);
  // Idle keep-alive sockets stay open longer than a client pool's usual idle timeout, so clients
  // do not race a server-side close (a spurious ECONNRESET the real API's proxies would not cause).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.on('connection', (socket: Socket) => {
    state.sockets.add(socket);
    socket.on('close', () => state.sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('emulator: no TCP address');
  return { server, baseUrl: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${address.port}` };
}

/** Cancels sleeps, stops listening and destroys sockets; the same promise on every call. */
function close(state: ServerState, server: Listener): Promise<void> {
  state.closing ??= new Promise<void>((resolve) => {
    for (const cancel of [...state.sleepers]) cancel();
    server.close(() => {
      // A destroyed socket's 'close' may come after the server's: settle what is left now.
      for (const settle of [...state.unsettled]) settle(null);
      resolve();
    });
    for (const socket of state.sockets) socket.destroy();
  });
  return state.closing;
}

function emulatorHandle(state: EmulatorState, server: Listener, baseUrl: string, apiKey: string): Emulator {
  const { ctx, clock, store, keys } = state;
  return {
    baseUrl,
    apiKey,
    createKey(scopes: string[]): string {
      const key = newApiKey();
      keys.set(key, new Set(scopes));
      return key;
    },
    setFaults(f: Partial<FaultOptions>): void {
      state.faults = mergeFaults(state.faults, f);
      ctx.failingIds = state.faults.failingIds;
    },
    setRateLimit(r: RateLimitConfig | null): void {
      ctx.limiter = r ? new FixedWindowLimiter(r, clock) : null;
    },
    insert(conversations: Conversation[]): void {
      store.insert(conversations);
    },
    get: (id: string) => store.get(id),
    dump: () => store.all(),
    get requests(): readonly RequestLogEntry[] {
      return state.log;
    },
    get inFlight(): number {
      return state.inFlight;
    },
    get peakInFlight(): number {
      return state.peakInFlight;
    },
    resetStats(): void {
      state.log = [];
      state.peakInFlight = state.inFlight;
    },
    close: () => close(state, server),
  };
}

/** Starts an emulator on 127.0.0.1; resolves once it listens. */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const { port, state, apiKey } = startingState(opts);
  const { server, baseUrl } = await listen(state, port, opts.tls);
  return emulatorHandle(state, server, baseUrl, apiKey);
}
