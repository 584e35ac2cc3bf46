/** A tmux server of the test's own (its own socket), for tests that drive the CLI in a real terminal. */
import { spawnSync } from 'node:child_process';

export const HAS_TMUX = spawnSync('sh', ['-c', 'command -v tmux']).status === 0;

export interface Tmux {
  /** Runs one tmux command on this socket; throws with tmux's stderr when it fails. */
  run(...args: string[]): string;
  /** The visible screen of the `cli` window (`joined`: wrapped lines joined back). */
  screen(opts?: { joined?: boolean }): string;
  /** Polls `probe` every 100 ms until it returns a value, or fails after `ms` showing the screen. */
  waitFor<T>(what: string, ms: number, probe: () => T | undefined): Promise<T>;
  /** Stops the server and every window of it (nothing to stop is fine). */
  kill(): void;
}

export function tmuxOn(socket: string): Tmux {
  const run = (...args: string[]): string => {
    const r = spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const screen = (opts: { joined?: boolean } = {}): string => run('capture-pane', '-p', ...(opts.joined ? ['-J'] : []), '-t', 'cli');
  return {
    run,
    screen,
    kill: () => void spawnSync('tmux', ['-L', socket, 'kill-server'], { timeout: 10_000 }),
    async waitFor(what, ms, probe) {
      const deadline = Date.now() + ms;
      for (;;) {
        const value = probe();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}; screen:\n${screen()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}
