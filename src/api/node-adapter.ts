/**
 * The axios adapter (axios' documented `adapter` option) every attempt goes through: one
 * node:http(s) exchange on a keep-alive agent, the answer read as UTF-8 text. It exists for what
 * it leaves out. axios' own Node adapter builds a stream pipeline per request (transform streams,
 * decompression, redirect bookkeeping, progress events): ~40 KB of garbage a request, which at 32
 * requests in flight outlives the young generation and grows the heap (CONTRIBUTING.md, "Memory").
 *
 * What it honours of the config axios hands it: `method`, `url` (a path on the adapter's origin,
 * never another origin), `headers`, `data` (a string), `timeout` (the whole exchange:
 * connect, headers and body), `maxContentLength`, `validateStatus`. What it never does: follow a
 * redirect (a 3xx is an answer like any other), use a proxy, ask for a compressed body.
 */
import http from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import https from 'node:https';
import { AxiosError } from 'axios';
import type { AxiosAdapter, AxiosResponse, RawAxiosResponseHeaders } from 'axios';

export interface NodeAdapterOptions {
  /** The API origin (credentials.ts allows no path, query or credentials in it). */
  origin: URL;
  /** The keep-alive agent for the base URL's protocol. */
  agent: http.Agent;
}

export function nodeAdapter(opts: NodeAdapterOptions): AxiosAdapter {
  const { protocol, port } = opts.origin;
  const send = protocol === 'https:' ? https.request : http.request;
  const hostname = opts.origin.hostname.replace(/^\[|\]$/g, ''); // an IPv6 literal without its brackets
  return (config) =>
    new Promise<AxiosResponse>((resolve, reject) => {
      const url = config.url ?? '';
      // A path only: a full URL here could take the Authorization header to another origin.
      if (!url.startsWith('/') || url.startsWith('//')) {
        reject(new AxiosError(`not a path on the API origin: ${url}`, AxiosError.ERR_INVALID_URL, config));
        return;
      }
      const data: unknown = config.data;
      if (data !== undefined && typeof data !== 'string') {
        reject(new AxiosError('the request body must be a string', AxiosError.ERR_BAD_OPTION_VALUE, config));
        return;
      }
      const headers = config.headers.toJSON(true) as Record<string, string>;
      if (data !== undefined) headers['Content-Length'] = String(Buffer.byteLength(data));
      const limit = typeof config.maxContentLength === 'number' && config.maxContentLength > -1 ? config.maxContentLength : Infinity;

      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (): boolean => {
        if (done) return false;
        done = true;
        if (timer !== undefined) clearTimeout(timer);
        return true;
      };
      const fail = (error: AxiosError): void => {
        if (finish()) reject(error);
      };

      const req: ClientRequest = send({
        protocol,
        hostname,
        port,
        path: url,
        method: (config.method ?? 'get').toUpperCase(),
        headers,
        agent: opts.agent,
      });
      if (typeof config.timeout === 'number' && config.timeout > 0) {
        const ms = config.timeout;
        timer = setTimeout(() => {
          fail(new AxiosError(`timeout of ${ms}ms exceeded`, AxiosError.ETIMEDOUT, config, req));
          req.destroy();
        }, ms);
      }
      req.on('error', (error) => fail(AxiosError.from(error, (error as NodeJS.ErrnoException).code, config, req)));
      req.on('response', (res: IncomingMessage) => {
        const response: AxiosResponse<string> = {
          data: '',
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? '',
          headers: res.headers as RawAxiosResponseHeaders, // Node's: lower-case names, no undefined values
          config,
          request: req,
        };
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > limit) {
            fail(new AxiosError(`maxContentLength size of ${limit} exceeded`, AxiosError.ERR_BAD_RESPONSE, config, req, response));
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          const text = (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString('utf8');
          response.data = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
          if (!finish()) return;
          if (config.validateStatus?.(response.status) ?? true) resolve(response);
          else
            reject(
              new AxiosError(`Request failed with status code ${response.status}`, statusErrorCode(response.status), config, req, response),
            );
        });
        // The connection ended before the body did: the answer is not usable.
        res.on('close', () => {
          if (!res.complete) fail(new AxiosError('stream has been aborted', AxiosError.ERR_BAD_RESPONSE, config, req, response));
        });
        res.on('error', () => {
          // 'close' follows and reports it; without a listener the error would be thrown
        });
      });
      req.end(data);
    });
}

function statusErrorCode(status: number): string {
  return status >= 400 && status < 500 ? AxiosError.ERR_BAD_REQUEST : AxiosError.ERR_BAD_RESPONSE;
}
