/** The import rules docs/architecture.md draws: dependencies point one way, down the layers. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

const SRC = path.join(ROOT, 'src');

/** Every `src` file with the folders (or root modules) it imports from. */
function imports(): { file: string; from: string; to: string }[] {
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const folder = (rel: string): string => (rel.includes(path.sep) ? (rel.split(path.sep)[0] ?? '') : 'root');
  return files.flatMap((file) =>
    [...readFileSync(path.join(SRC, file), 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)].map((m) => {
      const target = path.relative(SRC, path.resolve(path.dirname(path.join(SRC, file)), m[1] ?? ''));
      return { file, from: folder(file), to: folder(target) };
    }),
  );
}

/** Who may import what, besides itself and the root modules. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  cli: ['import', 'export', 'emulator', 'report', 'api', 'input'],
  import: ['api', 'input', 'report'],
  export: ['api', 'input', 'report'],
  report: [],
  input: [],
  api: [],
  emulator: [],
};

describe('src layout', () => {
  it('has dependencies that point down the layers only', () => {
    const wrong = imports().filter(({ file, from, to }) => {
      if (from === to || to === 'root') return false;
      // The entry re-exports the commands; log.ts scrubs every line with the API layer's redactor.
      if (from === 'root') return !(file === 'index.ts' || (file === 'log.ts' && to === 'api'));
      return !(MAY_IMPORT[from] ?? []).includes(to);
    });
    expect(wrong).toEqual([]);
  });

  it('keeps src/cli/ imported by nothing outside it', () => {
    expect(imports().filter(({ from, to }) => to === 'cli' && from !== 'cli')).toEqual([]);
  });
});
