/** proxy-from-env ships no types; the one function the tests use as their oracle. */
declare module 'proxy-from-env' {
  /** The proxy for `url` from the *_PROXY and NO_PROXY variables of process.env, or '' for none. */
  export function getProxyForUrl(url: string | URL): string;
}
