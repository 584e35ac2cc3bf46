/** The library's `proxy`, `noProxy` and `caCert`; a lower-case variable wins, as curl and proxy-from-env read them. */
export function networkOptions(
  args: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
  baseUrl: string | undefined,
): { proxy: string | undefined; noProxy: string | undefined; caCert: string | undefined } {
  const plain = baseUrl?.startsWith('http://') === true;
  const fromEnv = plain ? (env.http_proxy ?? env.HTTP_PROXY) : (env.https_proxy ?? env.HTTPS_PROXY);
  const proxy = (args.proxy as string | undefined) ?? (fromEnv === '' ? undefined : fromEnv);
  return { proxy, noProxy: env.no_proxy ?? env.NO_PROXY, caCert: args['ca-cert'] as string | undefined };
}

/** The proxy's password, for the error printer to scrub echoes of. */
export function proxySecrets(proxy: string | undefined): string[] {
  if (proxy === undefined) return [];
  try {
    const { password } = new URL(proxy.includes('://') ? proxy : `http://${proxy}`);
    // A very short password would scrub ordinary words out of every message.
    return password.length >= 6 ? [password, decodeURIComponent(password)] : [];
  } catch {
    return [];
  }
}
