// The terminal stays in line mode, so Ctrl-C is a real SIGINT: the answer is no, exit 130.
import { createInterface } from 'node:readline';
import type { Confirm, ConfirmPreview } from '../options.js';
import type { CliIo } from './main.js';

/** No answer is a no (contract): an unattended terminal must not hold the lock for ever. */
const ANSWER_TIMEOUT_MS = 15 * 60_000;

type PromptIo = Pick<CliIo, 'stdin' | 'stderr' | 'signal'>;

/** None unless stdin and stderr are terminals; never with `--yes` or for `import -` (stdin is the data). */
export function terminalConfirm(io: PromptIo, opts: { yes: boolean; file: string }, timeoutMs = ANSWER_TIMEOUT_MS): Confirm | undefined {
  if (opts.yes || opts.file === '-' || io.stdin.isTTY !== true || io.stderr.isTTY !== true) return undefined;
  return (preview) => {
    io.stderr.write(renderPreview(preview));
    return ask(io, 'Proceed? [y/N] ', timeoutMs);
  };
}

function renderPreview(p: ConfirmPreview): string {
  const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
  const update =
    p.unchanged === null
      ? `${plural(p.rowsToUpdate, 'row')} to update`
      : `${plural(p.rowsToUpdate, 'row')} differ and will be updated (${p.unchanged} already match)`;
  const lines = [
    `About to update conversations (${p.mode === 'only-changed' ? 'import --only-changed' : 'import'}) from ${p.input}:`,
    `  target        ${p.baseUrl}`,
    `  key           ${p.keyFingerprint}`,
    `  rows          ${p.rows} in the file; ${update}`,
    `  clears        customer_name ${p.clears.customer_name}, customer_language ${p.clears.customer_language} (rows sending an empty value)`,
  ];
  if (p.duplicateIds > 0) lines.push(`  repeated ids  ${plural(p.duplicateIds, 'id')} on more than one row (applied in file order)`);
  if (p.resumedFrom !== null)
    lines.push(`  resuming      run ${p.resumedFrom}: ${plural(p.carriedOver, 'row')} already settled, not sent again`);
  return `${lines.join('\n')}\n`;
}

/** `y` or `yes` (any case) is yes; anything else, end of input, the signal or the timeout is no. */
export function ask(io: PromptIo, question: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: io.stdin, terminal: false });
    let settled = false;
    const finish = (answer: boolean, say?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      io.signal.removeEventListener('abort', onAbort);
      rl.close();
      if (say !== undefined) io.stderr.write(say);
      resolve(answer);
    };
    const onAbort = (): void => finish(false, '\n');
    const timer = setTimeout(() => finish(false, `\nno answer in ${Math.round(timeoutMs / 60_000)} minutes: taken as no\n`), timeoutMs);
    io.signal.addEventListener('abort', onAbort, { once: true });
    rl.once('line', (line) => finish(/^y(es)?$/i.test(line.trim())));
    rl.once('close', () => finish(false, '\n'));
    io.stderr.write(question);
    if (io.signal.aborted) onAbort();
  });
}
