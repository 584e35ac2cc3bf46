/** The keep-alive agent of a client: straight to the API, or a CONNECT tunnel (docs/architecture.md "Proxies and trust"). */
import type { ClientRequest } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import type { PeerCertificate } from 'node:tls';
import { HttpsProxyAgent } from 'https-proxy-agent';
import type { HttpsProxyAgentOptions } from 'https-proxy-agent';

const MAX_SOCKETS = 64;

/** `ca`: PEM certificates trusted in addition to Node's own, never instead. */
export function createAgent(opts: { secure: boolean; proxy: URL | null; ca: string | null }): http.Agent {
  const ca = opts.ca === null ? undefined : [...defaultTrust(), opts.ca];
  const base = { keepAlive: true, maxSockets: MAX_SOCKETS, ...(ca ? { ca } : {}) };
  if (opts.proxy !== null) return new TunnelAgent(opts.proxy, base, ca);
  return opts.secure ? new https.Agent(base) : new http.Agent(base);
}

/** Node 22.15+ has `getCACertificates` (with NODE_EXTRA_CA_CERTS); Node 20 only its bundled roots (docs/proxy-and-tls.md). */
function defaultTrust(): readonly string[] {
  const node = tls as { getCACertificates?: (type: 'default') => string[] };
  return node.getCACertificates?.('default') ?? tls.rootCertificates;
}

type ConnectOptions = Parameters<HttpsProxyAgent<string>['connect']>[1];

/**
 * The tunnel's TLS is made from the request's options, which axios cannot extend, so `connect`
 * (agent-base's extension point) adds the extra trust, and for an IP host the identity check
 * against that IP (https-proxy-agent drops the host, so Node would check `localhost`).
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
