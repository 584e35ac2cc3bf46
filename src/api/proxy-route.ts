/** Which proxy requests to the API go through. Pure: the CLI reads the environment (cli/proxy-env.ts). */
import { isLoopbackHost } from '../credentials.js';

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
