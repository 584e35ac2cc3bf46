/** docs/cli.md and `--help` name the same options, command by command, so neither can rot alone. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, ROOT } from './helpers/cli.js';

const DOC = readFileSync(path.join(ROOT, 'docs/cli.md'), 'utf8');

/** The section of docs/cli.md about one command: from its heading to the next heading of its level or above. */
function section(command: string): string {
  const start = DOC.search(new RegExp(`^### \`vorel-sync ${command}\\b`, 'm'));
  const rest = DOC.slice(DOC.indexOf('\n', start));
  const end = rest.search(/^#{1,3} /m);
  return end < 0 ? rest : rest.slice(0, end);
}

/** Options in the first cell of the section's option tables. */
function documented(command: string): Set<string> {
  const names = new Set<string>();
  for (const line of section(command).split('\n')) {
    const first = /^\| ([^|]*(?:\\\|[^|]*)*) \|/.exec(line)?.[1] ?? '';
    for (const m of first.matchAll(/`(-\w, )?--([a-z][\w-]*)/g)) names.add(m[2]!);
  }
  return names;
}

/** Options `--help` lists for the command. */
async function inHelp(command: string): Promise<Set<string>> {
  const { stdout } = await cli([command, '--help']);
  const names = new Set<string>();
  for (const m of stdout.matchAll(/^ {2}(?:-\w, | {4})--([a-z][\w-]*)/gm)) if (m[1] !== 'help') names.add(m[1]!);
  return names;
}

describe('docs/cli.md and --help', () => {
  it.each(['import', 'export', 'emulator'])('list the same options for %s', async (command) => {
    const help = await inHelp(command);
    expect(help.size).toBeGreaterThan(5);
    expect([...help].filter((name) => !documented(command).has(name)).sort()).toEqual([]);
    expect([...documented(command)].filter((name) => !help.has(name)).sort()).toEqual([]);
  });
});
