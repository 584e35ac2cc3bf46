/**
 * README.md and docs/ are for users: one name per thing, in their words, and nothing that points
 * outside the repository. Builders' words and design history belong in CONTRIBUTING.md (and
 * docs/architecture.md, the contributors' map of the code, which names files such as settle.ts).
 * Codes in files (`superseded`, `carried_over`, `not_attempted`, `would_update`) are fine.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

const USER_PAGES = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
].filter((p) => p !== 'docs/architecture.md');
const ALL_PAGES = [...USER_PAGES, 'docs/architecture.md', 'CONTRIBUTING.md'];

/** Builders' words, each with the plain words used instead. */
const BANNED: [RegExp, string][] = [
  [/\bcontract\b/i, 'say what the tool does'],
  [/\bsettl(e|ed|es|ing)\b/i, 'finished, done'],
  [/\bcarried\b|\bcarry over\b/i, 'taken over (the code `carried_over` stays)'],
  [/neutrali[sz]/i, "written with a leading '"],
  [/\bspool/i, 'copied into the run folder'],
  [/fail-open/i, 'when the limiter is down, requests pass unthrottled'],
  [/\bways on\b/i, 'what to do instead'],
  [/\bV8\b|\bGC\b|garbage collect/, 'CONTRIBUTING.md'],
  [/<run-dir>|<run>|<run folder>|reports\/<run>(?!-id)/, 'the run folder: `<run-folder>` (or `reports/<run-id>`)'],
];

/** Prose and commands, without the inside of backticks (codes and quoted output are not prose). */
function prose(markdown: string): string[] {
  return markdown.split('\n').map((line) => line.replace(/`[^`]*`/g, (code) => (/<run|reports\//.test(code) ? code : '``')));
}

describe('the user docs', () => {
  for (const page of USER_PAGES) {
    it(`${page} uses the users' words`, () => {
      const hits: string[] = [];
      prose(readFileSync(path.join(ROOT, page), 'utf8')).forEach((line, i) => {
        for (const [word, instead] of BANNED) if (word.test(line)) hits.push(`${page}:${i + 1}: ${word} (say: ${instead})`);
      });
      expect(hits).toEqual([]);
    });
  }

  for (const page of ALL_PAGES) {
    it(`${page} links only to files of the repository that exist`, () => {
      const text = readFileSync(path.join(ROOT, page), 'utf8');
      const bad: string[] = [];
      for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/i.test(target)) continue;
        const resolved = path.resolve(path.dirname(path.join(ROOT, page)), target);
        if (!resolved.startsWith(ROOT + path.sep) || !existsSync(resolved)) bad.push(target);
      }
      expect(text).not.toMatch(/\.\.\/shared/);
      expect(bad).toEqual([]);
    });
  }
});

describe('README.md', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  it('stays short: at most 250 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(251);
  });
  it('keeps the quick start of a fresh clone', () => {
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm test');
  });
});
