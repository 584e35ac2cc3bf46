/**
 * One HTTP attempt through axios' Node adapter, to the API origin only (docs/architecture.md
 * "Requests and pace"). Every status is an answer; anything else is a failure, returned as a value.
 */
import type { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import axios from 'axios';
import { packageVersion } from '../version.js';
import { createAgent } from './agent.js';
import type { ApiClientOptions } from './client.js';
import { proxyFor } from './proxy-route.js';
import { failureOf } from './response.js';
import type { Failure, HeaderBag } from './retry-policy.js';

export type HttpOptions = Pick<ApiClientOptions, 'baseUrl' | 'apiKey' | 'timeoutMs' | 'network'>;

export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

export type Exchange =
  | { kind: 'answer'; status: number; headers: HeaderBag; text: string }
  | { kind: 'no_answer'; failure: Failure; headers: HeaderBag };

export type Http = ReturnType<typeof createHttp>;

export function createHttp(opts: HttpOptions) {
  const secure = new URL(opts.baseUrl).protocol === 'https:';
  const proxy = proxyFor(opts.baseUrl, opts.network?.proxy ?? null, opts.network?.noProxy);
  const agent = createAgent({ secure, proxy, ca: opts.network?.ca ?? null });
  const instance = axios.create({
    adapter: 'http',
    baseURL: opts.baseUrl,
    allowAbsoluteUrls: false,
    maxRedirects: 0,
    proxy: false,
    ...(secure ? { httpsAgent: agent } : { httpAgent: agent }),
    timeout: opts.timeoutMs,
    // Read as a stream so that an answer over the cap fails with its status known.
    responseType: 'stream',
    maxContentLength: MAX_ANSWER_BYTES,
    transformRequest: [],
    validateStatus: () => true,
    headers: {
      Authorization: `Bearer ${opts.apiKey}`,
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'User-Agent': `vorel-csv-sync/${packageVersion()}`,
    },
  });

  return {
    proxy,
    /** `path` is a path on the API origin (`/api/v1/...`); anything else is refused unsent. */
    async send(method: string, path: string, body?: string): Promise<Exchange> {
      // A path only: a full or protocol-relative URL could take the Authorization header to another origin.
      if (!path.startsWith('/') || path.startsWith('//')) {
        const message = `not a path on the API origin: ${path}`;
        return { kind: 'no_answer', failure: { kind: 'network', code: 'ERR_INVALID_URL', message }, headers: {} };
      }
      // axios' `timeout` ends at the headers; this deadline covers the body too. A timer cleared with
      // the attempt, not AbortSignal.timeout(), which would hold each finished request for the timeout.
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(), opts.timeoutMs);
      const timedOut = (): boolean => deadline.signal.aborted;
      try {
        const response = await instance.request<Readable>({
          method,
          url: path,
          signal: deadline.signal,
          ...(body !== undefined ? { data: body } : {}),
        });
        const headers = response.headers as HeaderBag;
        try {
          // UTF-8, a BOM dropped (the WHATWG decoder's default).
          return { kind: 'answer', status: response.status, headers, text: await text(response.data) };
        } catch (error) {
          return { kind: 'no_answer', failure: failureOf(error, { timedOut: timedOut(), status: response.status }), headers };
        }
      } catch (error) {
        return { kind: 'no_answer', failure: failureOf(error, { timedOut: timedOut() }), headers: {} };
      } finally {
        clearTimeout(timer);
      }
    },
    close(): void {
      agent.destroy();
    },
  };
}
