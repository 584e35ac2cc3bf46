/**
 * `--proxy`, `NO_PROXY`, `--ca-cert`, checked before any request, and which requests use the proxy.
 * The CLI reads the environment (cli/api-session.ts). A proxy URL is never echoed whole: it may hold a password.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isLoopbackHost } from './credentials.js';
import { UsageError } from './errors.js';

export interface NetworkOptions {
  /** Unless `noProxy` or a loopback base URL says otherwise. */
  proxy: URL | null;
  noProxy: string | undefined;
  /** `--ca-cert`'s PEM certificates, trusted in addition to Node's own. */
  ca: string | null;
  /** For the commands a run prints (a proxy is never repeated there). */
  caCertFile?: string | undefined;
}

export function checkNetworkOptions(o: {
  proxy?: string | undefined;
  noProxy?: string | undefined;
  caCert?: string | undefined;
}): NetworkOptions {
  return {
    proxy: o.proxy === undefined || o.proxy === '' ? null : checkProxy(o.proxy),
    noProxy: o.noProxy,
    ca: o.caCert === undefined ? null : readCaCert(o.caCert),
    caCertFile: o.caCert,
  };
}

/** `host:port` alone means an http:// proxy, as curl reads it. */
function checkProxy(value: string): URL {
  const text = value.includes('://') ? value : `http://${value}`;
  if (!URL.canParse(text)) {
    throw new UsageError(
      '--proxy is not a URL: expected http://host:port, with credentials http://user:pass@host:port (percent-encoded)',
      'bad_proxy',
    );
  }
  const url = new URL(text);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--proxy ${shownProxy(url)}: use an http:// (or https://) proxy URL`, 'bad_proxy');
  }
  if (url.hostname === '') throw new UsageError('--proxy names no host: expected http://host:port', 'bad_proxy');
  return url;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** A bundle of several certificates works; each one is checked. */
function readCaCert(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : `cannot be read (${code ?? String(error)})`;
    throw new UsageError(`--ca-cert ${file}: ${why}`, 'ca_cert', { cause: error });
  }
  const certificates = text.match(PEM_CERTIFICATE) ?? [];
  if (certificates.length === 0) {
    throw new UsageError(`--ca-cert ${file}: no PEM certificate in it (-----BEGIN CERTIFICATE-----)`, 'ca_cert');
  }
  certificates.forEach((pem, i) => {
    try {
      new X509Certificate(pem);
    } catch (error) {
      throw new UsageError(`--ca-cert ${file}: certificate ${i + 1} is not a valid PEM certificate`, 'ca_cert', { cause: error });
    }
  });
  return certificates.join('\n');
}

/** `http://user:***@host:port`, never the password. */
export function shownProxy(proxy: URL): string {
  const credentials = proxy.username !== '' || proxy.password !== '' ? `${proxy.username}:***@` : '';
  return `${proxy.protocol}//${credentials}${proxy.host}`;
}

/** None for a loopback host (a local emulator works under a company-wide HTTPS_PROXY) or one `noProxy` names. */
export function proxyFor(baseUrl: string, proxy: URL | null, noProxy: string | undefined): URL | null {
  if (proxy === null) return null;
  const target = new URL(baseUrl);
  if (isLoopbackHost(target.hostname) || bypasses(noProxy ?? '', target)) return null;
  return proxy;
}

/** NO_PROXY as curl and proxy-from-env read it (the latter is the test oracle). */
export function bypasses(noProxy: string, target: URL): boolean {
  const list = noProxy.toLowerCase();
  if (list === '*') return true;
  const host = target.hostname;
  const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
  return list.split(/[,\s]/).some((entry) => {
    if (entry === '') return false;
    const withPort = /^(.+):(\d+)$/.exec(entry);
    const name = withPort?.[1] ?? entry;
    const entryPort = Number(withPort?.[2] ?? 0);
    if (entryPort !== 0 && entryPort !== port) return false;
    if (!/^[.*]/.test(name)) return host === name;
    return host.endsWith(name.startsWith('*') ? name.slice(1) : name);
  });
}
