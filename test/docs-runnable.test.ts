/**
 * The commands in the docs run, so they cannot rot: every fenced block whose info string is
 * `sh runnable` (optionally `exit=N`, the exit code it must end with; 0 otherwise) in README.md and
 * docs/*.md runs in bash against the emulator, the blocks of one page in order in one scratch
 * folder, with the built CLI on PATH as `vorel-sync`. Loopback only; each block is bounded in time.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { BIN, ROOT } from './helpers/cli.js';

const BLOCK_TIMEOUT_MS = 45_000;

interface Block {
  line: number;
  exit: number;
  code: string;
}

/** The runnable blocks of a Markdown page, dedented (blocks inside list items are indented). */
function runnableBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)```sh runnable(?: exit=(\d+))?\s*$/.exec(lines[i]!);
    if (open === null) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^ *```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(indent));
    if (j === lines.length) throw new Error(`line ${i + 1}: a runnable block that never closes`);
    blocks.push({ line: i + 1, exit: Number(open[2] ?? 0), code: `${body.join('\n')}\n` });
    i = j;
  }
  return blocks;
}

const PAGES = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

function runBash(code: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', code], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), BLOCK_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (exit) => {
      clearTimeout(timer);
      resolve({ code: exit, output });
    });
  });
}

describe('runnable blocks in the docs', () => {
  let emulator: Emulator;
  let scratch: string;
  let bin: string;
  beforeAll(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'vorel-docs-'));
    bin = path.join(scratch, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'vorel-sync'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(path.join(bin, 'vorel-sync'), 0o755);
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('finds the README walkthrough among them', () => {
    expect(runnableBlocks(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).length).toBeGreaterThanOrEqual(4);
  });

  for (const page of PAGES) {
    const blocks = runnableBlocks(readFileSync(path.join(ROOT, page), 'utf8'));
    if (blocks.length === 0) continue;
    it(`${page}: ${blocks.length} block(s) run against the emulator`, async () => {
      // The emulator's default data, as `vorel-sync emulator` serves it: the ids in the docs exist.
      emulator = await startEmulator({});
      const home = mkdtempSync(path.join(scratch, 'home-'));
      const work = mkdtempSync(path.join(scratch, 'work-'));
      const env: NodeJS.ProcessEnv = {
        PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
        HOME: home,
        LANG: 'C.UTF-8',
        NO_COLOR: '1',
        VOREL_BASE_URL: emulator.baseUrl,
        VOREL_API_KEY: emulator.apiKey,
      };
      try {
        for (const block of blocks) {
          const run = await runBash(block.code, work, env);
          expect(run.code, `${page}:${block.line}\n${block.code}\n--- output ---\n${run.output}`).toBe(block.exit);
        }
      } finally {
        await emulator.close();
      }
    }, 240_000);
  }
});
