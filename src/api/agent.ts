/**
 * The keep-alive agent every request of a client goes through: straight to the API, or through a
 * CONNECT tunnel of `https-proxy-agent` (the proxy's credentials, percent-decoded by it, go in
 * Proxy-Authorization). `--ca-cert` adds to the certificates Node trusts; it never replaces them.
 */
import type { ClientRequest } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import type { PeerCertificate } from 'node:tls';
import { HttpsProxyAgent } from 'https-proxy-agent';
import type { HttpsProxyAgentOptions } from 'https-proxy-agent';

/** Sockets to the API at once, at most. */
const MAX_SOCKETS = 64;

/** `proxy` null: straight to the API; `ca`: extra PEM certificates to trust, or null. */
export function createAgent(opts: { secure: boolean; proxy: URL | null; ca: string | null }): http.Agent {
  const ca = opts.ca === null ? undefined : [...defaultTrust(), opts.ca];
  const base = { keepAlive: true, maxSockets: MAX_SOCKETS, ...(ca ? { ca } : {}) };
  if (opts.proxy !== null) return new TunnelAgent(opts.proxy, base, ca);
  return opts.secure ? new https.Agent(base) : new http.Agent(base);
}

/**
 * What Node trusts by default: `tls.getCACertificates('default')` where Node has it (22.15+, with
 * NODE_EXTRA_CA_CERTS), else its bundled roots (Node 20: NODE_EXTRA_CA_CERTS then goes in the
 * `--ca-cert` file too; docs/proxy-and-tls.md).
 */
function defaultTrust(): readonly string[] {
  const node = tls as { getCACertificates?: (type: 'default') => string[] };
  return node.getCACertificates?.('default') ?? tls.rootCertificates;
}

type ConnectOptions = Parameters<HttpsProxyAgent<string>['connect']>[1];

/**
 * The tunnel's TLS to the API is made from the request's own options (agent-base's `connect(req,
 * opts)` contract), which axios does not let us extend, so two TLS options are added there: the
 * extra trust, and for an IP address as the API's host the check of the certificate against that
 * address (https-proxy-agent passes no host to the TLS upgrade, so Node would check the name
 * `localhost` instead).
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
    // A plain http:// target has no certificate.
    if (!opts.secureEndpoint) return super.connect(req, opts);
    const host = opts.host ?? '';
    return super.connect(req, {
      ...opts,
      ...(this.ca ? { ca: this.ca } : {}),
      ...(isIP(host) !== 0 ? { checkServerIdentity: (_name: string, cert: PeerCertificate) => tls.checkServerIdentity(host, cert) } : {}),
    });
  }
}
