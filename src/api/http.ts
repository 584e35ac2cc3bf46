/**
 * The axios instance every attempt goes through: one attempt per call, no retries, no
 * interceptors (request.ts is the loop around it). Every status resolves; only a request that
 * brought no usable answer (timeout, network, a body cut off or too large) rejects.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import axios from 'axios';
import type { AxiosInstance } from 'axios';

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
  const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets ?? 64 };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);
  const instance = axios.create({
    baseURL: opts.baseUrl.replace(/\/+$/, ''),
    timeout: opts.timeoutMs,
    maxRedirects: 0, // a 3xx is a failure, never followed (a redirect could carry the key elsewhere)
    proxy: false, // never pick up HTTP(S)_PROXY from the environment
    httpAgent,
    httpsAgent,
    responseType: 'text',
    transformResponse: [(data: unknown) => data], // we parse and validate ourselves
    validateStatus: () => true, // the retry policy classifies statuses, not axios
    maxContentLength: MAX_ANSWER_BYTES,
    transitional: { clarifyTimeoutError: true, silentJSONParsing: false, forcedJSONParsing: false },
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
      httpAgent.destroy();
      httpsAgent.destroy();
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
