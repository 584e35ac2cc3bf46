/** One HTTP attempt, to the API origin only (CONTRIBUTING.md "Requests and pace", "Proxies and trust"). */
import http, { type ClientRequest } from 'node:http';
import https from 'node:https';
import { isIP, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import tls, { type PeerCertificate } from 'node:tls';
import axios from 'axios';
import { HttpsProxyAgent, type HttpsProxyAgentOptions } from 'https-proxy-agent';
import { packageVersion } from '../version.js';
import type { ApiClientOptions } from './client.js';
import { proxyFor } from '../network.js';
import { failureOf } from './response.js';
import type { Failure, HeaderBag } from './retry-policy.js';

export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
const MAX_SOCKETS = 64;

export type Exchange =
  | { kind: 'answer'; status: number; headers: HeaderBag; text: string }
  | { kind: 'no_answer'; failure: Failure; headers: HeaderBag };

export function createHttp(opts: Pick<ApiClientOptions, 'baseUrl' | 'apiKey' | 'timeoutMs' | 'network'>) {
  const secure = new URL(opts.baseUrl).protocol === 'https:';
  const proxy = proxyFor(opts.baseUrl, opts.network?.proxy ?? null, opts.network?.noProxy);
  // `--ca-cert` adds to the certificates Node trusts, never replaces them.
  const ca = opts.network?.ca ? [...defaultTrust(), opts.network.ca] : undefined;
  const base = { keepAlive: true, maxSockets: MAX_SOCKETS, ...(ca && { ca }) };
  const agent = proxy !== null ? new TunnelAgent(proxy, base, ca) : secure ? new https.Agent(base) : new http.Agent(base);
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

/** Node 22.15+ has `getCACertificates` (with NODE_EXTRA_CA_CERTS); Node 20 only its bundled roots (docs/proxy-and-tls.md). */
function defaultTrust(): readonly string[] {
  const node = tls as { getCACertificates?: (type: 'default') => string[] };
  return node.getCACertificates?.('default') ?? tls.rootCertificates;
}

type ConnectOptions = Parameters<HttpsProxyAgent<string>['connect']>[1];

/**
 * axios cannot extend the tunnel's TLS options, so `connect` (agent-base's extension point) adds the
 * trust, and for an IP host the check against it (https-proxy-agent drops the host: Node would check `localhost`).
 */
class TunnelAgent extends HttpsProxyAgent<string> {
  constructor(
    proxy: URL,
    opts: HttpsProxyAgentOptions<string>,
    private readonly ca: string[] | undefined,
  ) {
    super(proxy, opts);
  }

  override connect(req: ClientRequest, opts: ConnectOptions): Promise<Socket> {
    if (!opts.secureEndpoint) return super.connect(req, opts);
    const host = opts.host ?? '';
    return super.connect(req, {
      ...opts,
      ...(this.ca ? { ca: this.ca } : {}),
      ...(isIP(host) !== 0 ? { checkServerIdentity: (_name: string, cert: PeerCertificate) => tls.checkServerIdentity(host, cert) } : {}),
    });
  }
}
