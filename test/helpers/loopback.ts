/** Scripted node:http servers on 127.0.0.1, and the per-test cleanups that close them. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

/** Runs what a test registered, newest first, after each test of the file that calls it. */
export function cleanupsAfterEach(): Array<() => Promise<void> | void> {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });
  return cleanups;
}

/** Starts `server` on 127.0.0.1 (port 0), closed by `cleanups`; returns its base URL. */
export async function listenOnLoopback(server: Server, cleanups: Array<() => Promise<void> | void>): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
