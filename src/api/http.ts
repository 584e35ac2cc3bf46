/**
 * The axios instance every attempt goes through: one attempt per call, no retries, no
 * interceptors (request.ts is the loop around it), our own node:http adapter (node-adapter.ts)
 * under it. Every status resolves; only a request that brought no usable answer (timeout,
 * network, a body cut off or too large) rejects.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { nodeAdapter } from './node-adapter.js';

export interface HttpOptions {
  baseUrl: string;
  /** The secret: only in the Authorization header of this instance. */
  apiKey: string;
  timeoutMs: number;
  userAgent?: string;
  maxSockets?: number;
}

/** Largest answer read, bytes. */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** An axios instance and the keep-alive agents it owns. */
export interface Http {
  readonly axios: AxiosInstance;
  /** Closes idle keep-alive sockets. */
  close(): void;
}

export function createHttp(opts: HttpOptions): Http {
  const origin = new URL(opts.baseUrl);
  const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets ?? 64 };
  // One origin, one protocol: one agent. Its keep-alive sockets are what close() ends.
  const agent = origin.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  const instance = axios.create({
    // The adapter sends to this origin only, never follows a 3xx (a redirect could carry the key
    // elsewhere) and never reads HTTP(S)_PROXY from the environment.
    adapter: nodeAdapter({ origin, agent }),
    timeout: opts.timeoutMs, // the whole attempt, body included, not only until the headers
    responseType: 'text',
    // Bodies go out as the JSON text request.ts made and come back as text it parses and validates:
    // no transforms, which axios would otherwise run (header scans, type checks) on every attempt.
    transformRequest: [],
    transformResponse: [],
    validateStatus: () => true, // the retry policy classifies statuses, not axios
    maxContentLength: MAX_ANSWER_BYTES,
    headers: {
      Authorization: `Bearer ${opts.apiKey}`,
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'User-Agent': opts.userAgent ?? `vorel-csv-sync/${packageVersion()}`,
    },
  });
  return {
    axios: instance,
    close() {
      agent.destroy();
    },
  };
}

/** The package version for the User-Agent, found by walking up to our package.json. */
function packageVersion(): string {
  try {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (let i = 0; i < 6; i += 1) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
        if (pkg.name === 'vorel-csv-sync' && typeof pkg.version === 'string') return pkg.version;
      } catch {
        // not here; go up
      }
      dir = dirname(dir);
    }
  } catch {
    // import.meta.url not a file URL (bundled): fall through
  }
  return '0.0.0';
}
