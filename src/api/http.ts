/**
 * One HTTP attempt through axios' own Node adapter (`adapter: 'http'`), configured so that it
 * sends to the API origin only: no redirect followed (a 3xx could carry the key elsewhere), no
 * absolute URL, no proxy from the environment (`proxy: false`; a proxy comes only as the agent
 * the options name). Every status is an answer; only an attempt that brought no usable answer
 * (timeout, network, a body cut off or too large) is a failure, returned as a value.
 */
import type { Readable } from 'node:stream';
import axios from 'axios';
import type { AxiosResponse } from 'axios';
import { packageVersion } from '../version.js';
import { createAgent } from './agent.js';
import type { ApiClientOptions } from './client.js';
import { proxyFor } from './proxy-route.js';
import { failureOf } from './response.js';
import type { Failure, HeaderBag } from './retry-policy.js';

export type HttpOptions = Pick<ApiClientOptions, 'baseUrl' | 'apiKey' | 'timeoutMs' | 'network'>;

/** Largest answer read, bytes. */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** How one attempt ended: an HTTP answer (any status), or no usable answer at all. */
export type Exchange =
  | { kind: 'answer'; status: number; headers: HeaderBag; text: string }
  | { kind: 'no_answer'; error: unknown; failure: Failure; headers: HeaderBag };

export type Http = ReturnType<typeof createHttp>;

export function createHttp(opts: HttpOptions) {
  const secure = new URL(opts.baseUrl).protocol === 'https:';
  const proxy = proxyFor(opts.baseUrl, opts.network?.proxy ?? null, opts.network?.noProxy);
  // One origin, one protocol: one agent. Its keep-alive sockets are what close() ends.
  const agent = createAgent({ secure, proxy, ca: opts.network?.ca ?? null });
  const instance = axios.create({
    adapter: 'http',
    baseURL: opts.baseUrl,
    allowAbsoluteUrls: false,
    maxRedirects: 0,
    proxy: false,
    ...(secure ? { httpsAgent: agent } : { httpAgent: agent }),
    timeout: opts.timeoutMs,
    // A stream, read to the end here: an answer over the cap then fails while its status is known.
    responseType: 'stream',
    maxContentLength: MAX_ANSWER_BYTES,
    // The body goes out as the JSON text request.ts made, byte for byte.
    transformRequest: [],
    validateStatus: () => true, // the retry policy classifies statuses, not axios
    headers: {
      Authorization: `Bearer ${opts.apiKey}`,
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'User-Agent': `vorel-csv-sync/${packageVersion()}`,
    },
  });

  return {
    /** The proxy requests go through, or null. */
    proxy,
    /** One attempt. `path` is a path on the API origin (`/api/v1/...`); anything else is refused unsent. */
    async send(method: string, path: string, body?: string): Promise<Exchange> {
      // A path only: a full or protocol-relative URL could take the Authorization header to another origin.
      if (!path.startsWith('/') || path.startsWith('//')) {
        const error = new Error(`not a path on the API origin: ${path}`);
        return { kind: 'no_answer', error, failure: { kind: 'network', code: 'ERR_INVALID_URL', message: error.message }, headers: {} };
      }
      // axios' `timeout` covers the wait for the headers; this deadline covers the body as well. Its
      // timer ends with the attempt: an AbortSignal.timeout() would hold the finished request for
      // the whole timeout, thousands of them in a fast run.
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(), opts.timeoutMs);
      const timedOut = (): boolean => deadline.signal.aborted;
      let response: AxiosResponse<Readable>;
      try {
        response = await instance.request<Readable>({
          method,
          url: path,
          signal: deadline.signal,
          ...(body !== undefined ? { data: body } : {}),
        });
        // Lower-case names, read by bracket notation as axios documents.
        const headers = response.headers as HeaderBag;
        try {
          return { kind: 'answer', status: response.status, headers, text: await readText(response.data) };
        } catch (error) {
          return { kind: 'no_answer', error, failure: failureOf(error, { timedOut: timedOut(), status: response.status }), headers };
        }
      } catch (error) {
        return { kind: 'no_answer', error, failure: failureOf(error, { timedOut: timedOut() }), headers: {} };
      } finally {
        clearTimeout(timer);
      }
    },
    /** Closes idle keep-alive sockets. */
    close(): void {
      agent.destroy();
    },
  };
}

/** The body as UTF-8 text, without a BOM. */
async function readText(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
