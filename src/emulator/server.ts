/**
 * The HTTP shell around routes.ts: sockets, body reading, latency and faults, instrumentation.
 * Listens on 127.0.0.1 only and never writes to stdout/stderr (tests run it in-process).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Conversation } from '../types.js';
import { mergeFaults, NO_FAULTS, planFaults } from './faults.js';
import type { FaultOptions } from './faults.js';
import { keyFingerprint, newApiKey, parseAuthorization } from './keys.js';
import { DEFAULT_RATE_LIMIT, DEFAULT_SCOPES, DEFAULTS, MAX_LOG_ENTRIES } from './options.js';
import type { Emulator, EmulatorOptions, RequestLogEntry } from './options.js';
import { FixedWindowLimiter } from './rate-limit.js';
import type { RateLimitConfig } from './rate-limit.js';
import { mulberry32 } from './rng.js';
import { errorBody, handleApiRequest } from './routes.js';
import type { ApiContext, ApiResponse } from './routes.js';
import { generateConversations } from './seed.js';
import { ConversationStore } from './state.js';
import { MAX_BODY_BYTES } from './validate.js';

const DAY_MS = 86_400_000;
/** Mixed into the seed so fault draws are independent of the data draws. */
const FAULT_SEED_SALT = 0x9e3779b9;

interface Body {
  bytes: Buffer;
  tooLarge: boolean;
}

/** Reads the body, keeping at most MAX_BODY_BYTES + 1 bytes; null when the client went away. */
function readBody(req: IncomingMessage): Promise<Body | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return; // keep draining so the 413 can still be sent on this connection
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        tooLarge = true;
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve({ bytes: Buffer.concat(chunks), tooLarge }));
    req.on('error', () => resolve(null));
    req.on('close', () => resolve(null)); // no-op after 'end'
  });
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  if (res.destroyed || res.writableEnded) return;
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(payload.length),
    'cache-control': 'no-store',
  });
  res.end(payload);
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

/** Starts an emulator on 127.0.0.1; resolves once it listens. */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const { port, seed, count } = checkOptions(opts);
  const clock = opts.clock ?? Date.now;

  const store = new ConversationStore();
  // Anchored to the start of the current UTC day: same seed and day (or injected clock), same data.
  store.loadSorted(generateConversations(seed, count, Math.floor(clock() / DAY_MS) * DAY_MS));
  if (opts.conversations) store.insert(opts.conversations);

  const keys = new Map<string, ReadonlySet<string>>();
  const apiKey = newApiKey();
  keys.set(apiKey, new Set(opts.scopes ?? DEFAULT_SCOPES));

  let faults: FaultOptions = mergeFaults(NO_FAULTS, opts.faults ?? {});
  const faultRng = mulberry32((seed ^ FAULT_SEED_SALT) >>> 0);
  const rate = opts.rateLimit === undefined ? DEFAULT_RATE_LIMIT : opts.rateLimit;
  const ctx: ApiContext = {
    store,
    keys,
    limiter: rate ? new FixedWindowLimiter(rate, clock) : null,
    failingIds: faults.failingIds,
  };

  let log: RequestLogEntry[] = [];
  let inFlight = 0;
  let peakInFlight = 0;
  let closing: Promise<void> | null = null;
  const sockets = new Set<Socket>();
  const sleepers = new Set<() => void>();
  /** Settle functions of requests not yet answered, so close() can account for hung ones. */
  const unsettled = new Set<(status: number | null) => void>();

  /** Resolves true after ms, or false at once when close() cancels it. */
  const sleep = (ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      const cancel = (): void => {
        clearTimeout(timer);
        sleepers.delete(cancel);
        resolve(false);
      };
      const timer = setTimeout(() => {
        sleepers.delete(cancel);
        resolve(true);
      }, ms);
      sleepers.add(cancel);
    });

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const auth = parseAuthorization(req.headers.authorization);
    const now = clock();
    const entry: RequestLogEntry = {
      method: req.method ?? '',
      path: req.url ?? '',
      status: null,
      startedAt: now,
      endedAt: now,
      applied: false,
      key: auth.kind === 'key' ? keyFingerprint(auth.key) : auth.kind === 'missing' ? '' : '(malformed)',
    };
    if (log.length >= MAX_LOG_ENTRIES) log.splice(0, MAX_LOG_ENTRIES / 5);
    log.push(entry);
    inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    let settled = false;
    const settle = (status: number | null): void => {
      if (settled) return;
      settled = true;
      unsettled.delete(settle);
      inFlight--;
      entry.status = status;
      entry.endedAt = clock();
    };
    unsettled.add(settle);
    res.on('finish', () => settle(res.statusCode));
    res.on('close', () => settle(null)); // closed before 'finish': reset, hang ended by close(), client gone

    // Drawn at arrival, so a sequential client sees the same faults for the same seed.
    const plan = planFaults(faultRng, faults);
    const body = await readBody(req);
    if (body === null || closing) return;
    if (plan.latencyMs > 0 && !(await sleep(plan.latencyMs))) return;
    if (closing) return;

    switch (plan.kind) {
      case 'hang':
        return; // held until the client gives up or close() destroys the socket
      case 'resetBefore':
        req.socket.destroy();
        return;
      case 'serverError': {
        const code = plan.status === 500 ? 'internal_error' : plan.status === 502 ? 'bad_gateway' : 'service_unavailable';
        send(res, plan.status, {}, errorBody(code, 'injected server error'));
        return;
      }
      case 'none':
        break;
    }

    let response: ApiResponse;
    try {
      response = handleApiRequest(ctx, {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: body.bytes,
        bodyTooLarge: body.tooLarge,
      });
    } catch {
      response = { status: 500, headers: {}, body: errorBody('internal_error', 'internal error'), applied: false, key: entry.key };
    }
    entry.applied = response.applied;
    if (plan.resetAfter) {
      req.socket.destroy();
      return;
    }
    send(res, response.status, response.headers, response.body);
  };

  const server = createServer((req, res) => void onRequest(req, res));
  // Idle keep-alive sockets stay open longer than a client pool's usual idle timeout, so clients
  // do not race a server-side close (a spurious ECONNRESET the real API's proxies would not cause).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
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
  const baseUrl = `http://127.0.0.1:${address.port}`;

  return {
    baseUrl,
    apiKey,
    createKey(scopes: string[]): string {
      const key = newApiKey();
      keys.set(key, new Set(scopes));
      return key;
    },
    setFaults(f: Partial<FaultOptions>): void {
      faults = mergeFaults(faults, f);
      ctx.failingIds = faults.failingIds;
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
      return log;
    },
    get inFlight(): number {
      return inFlight;
    },
    get peakInFlight(): number {
      return peakInFlight;
    },
    resetStats(): void {
      log = [];
      peakInFlight = inFlight;
    },
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        for (const cancel of [...sleepers]) cancel();
        server.close(() => {
          // A destroyed socket's 'close' may come after the server's: settle what is left now.
          for (const settle of [...unsettled]) settle(null);
          resolve();
        });
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
