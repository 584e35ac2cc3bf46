/**
 * One HTTP exchange of the emulator: log entry and in-flight accounting, body reading, injected
 * latency and faults, then routes.ts. Never writes to stdout/stderr (tests run it in-process).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FaultOptions, FaultPlan } from './faults.js';
import { planFaults } from './faults.js';
import { keyFingerprint, parseAuthorization } from './keys.js';
import { MAX_LOG_ENTRIES } from './options.js';
import type { RequestLogEntry } from './options.js';
import type { Rng } from './rng.js';
import { errorBody, handleApiRequest } from './routes.js';
import type { ApiContext, ApiResponse } from './routes.js';
import { MAX_BODY_BYTES } from './validate.js';

/** What the request handler and the emulator's handle share; mutated by both. */
export interface ServerState {
  readonly ctx: ApiContext;
  readonly clock: () => number;
  readonly faultRng: Rng;
  faults: FaultOptions;
  log: RequestLogEntry[];
  inFlight: number;
  peakInFlight: number;
  closing: Promise<void> | null;
  readonly sockets: Set<Socket>;
  /** Cancel functions of pending latency sleeps, so close() does not wait for them. */
  readonly sleepers: Set<() => void>;
  /** Settle functions of requests not yet answered, so close() can account for hung ones. */
  readonly unsettled: Set<(status: number | null) => void>;
}

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

/** Resolves true after ms, or false at once when close() cancels it. */
function sleep(state: ServerState, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const cancel = (): void => {
      clearTimeout(timer);
      state.sleepers.delete(cancel);
      resolve(false);
    };
    const timer = setTimeout(() => {
      state.sleepers.delete(cancel);
      resolve(true);
    }, ms);
    state.sleepers.add(cancel);
  });
}

/** Logs the request and counts it in flight until its response finishes or its socket closes. */
function trackRequest(state: ServerState, req: IncomingMessage, res: ServerResponse): RequestLogEntry {
  const auth = parseAuthorization(req.headers.authorization);
  const now = state.clock();
  const entry: RequestLogEntry = {
    method: req.method ?? '',
    path: req.url ?? '',
    status: null,
    startedAt: now,
    endedAt: now,
    applied: false,
    key: auth.kind === 'key' ? keyFingerprint(auth.key) : auth.kind === 'missing' ? '' : '(malformed)',
  };
  if (state.log.length >= MAX_LOG_ENTRIES) state.log.splice(0, MAX_LOG_ENTRIES / 5);
  state.log.push(entry);
  state.inFlight++;
  state.peakInFlight = Math.max(state.peakInFlight, state.inFlight);
  let settled = false;
  const settle = (status: number | null): void => {
    if (settled) return;
    settled = true;
    state.unsettled.delete(settle);
    state.inFlight--;
    entry.status = status;
    entry.endedAt = state.clock();
  };
  state.unsettled.add(settle);
  res.on('finish', () => settle(res.statusCode));
  res.on('close', () => settle(null)); // closed before 'finish': reset, hang ended by close(), client gone
  return entry;
}

/** Carries out a fault that replaces the answer; false when the request goes on to the routes. */
function injectFault(plan: FaultPlan, req: IncomingMessage, res: ServerResponse): boolean {
  switch (plan.kind) {
    case 'hang':
      return true; // held until the client gives up or close() destroys the socket
    case 'resetBefore':
      req.socket.destroy();
      return true;
    case 'serverError': {
      const code = plan.status === 500 ? 'internal_error' : plan.status === 502 ? 'bad_gateway' : 'service_unavailable';
      send(res, plan.status, {}, errorBody(code, 'injected server error'));
      return true;
    }
    case 'none':
      return false;
  }
}

function route(ctx: ApiContext, req: IncomingMessage, body: Body, key: string): ApiResponse {
  try {
    return handleApiRequest(ctx, {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: body.bytes,
      bodyTooLarge: body.tooLarge,
    });
  } catch {
    return { status: 500, headers: {}, body: errorBody('internal_error', 'internal error'), applied: false, key };
  }
}

export async function handleRequest(state: ServerState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const entry = trackRequest(state, req, res);
  // Drawn at arrival, so a sequential client sees the same faults for the same seed.
  const plan = planFaults(state.faultRng, state.faults);
  const body = await readBody(req);
  if (body === null || state.closing) return;
  if (plan.latencyMs > 0 && !(await sleep(state, plan.latencyMs))) return;
  if (state.closing) return;
  if (injectFault(plan, req, res)) return;

  const response = route(state.ctx, req, body, entry.key);
  entry.applied = response.applied;
  if (plan.resetAfter) {
    req.socket.destroy();
    return;
  }
  send(res, response.status, response.headers, response.body);
}
