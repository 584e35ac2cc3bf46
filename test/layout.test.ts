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

/** src/import/'s stage folders, in the order a row meets them (docs/architecture.md). */
const IMPORT_STAGES = ['read', 'first-pass', 'modes', 'gate', 'journal', 'send', 'report'];

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

  it('orders the stages of src/import/: each imports only earlier ones (and the run shared at its top)', () => {
    const IMPORT = path.join(SRC, 'import');
    const stage = (rel: string): string => (rel.includes(path.sep) ? (rel.split(path.sep)[0] ?? '') : 'top');
    const files = readdirSync(IMPORT, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const wrong = files.flatMap((file) =>
      [...readFileSync(path.join(IMPORT, file), 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)]
        .map((m) => path.relative(IMPORT, path.resolve(path.dirname(path.join(IMPORT, file)), m[1] ?? '')))
        .filter((target) => !target.startsWith('..'))
        .filter((target) => {
          const from = stage(file);
          const to = stage(target);
          if (from === 'top') return false;
          // A stage may use what the run shares (its parts, the stop switch), never run.ts itself.
          if (to === 'top') return target === 'run.js';
          return IMPORT_STAGES.indexOf(to) > IMPORT_STAGES.indexOf(from);
        })
        .map((target) => `${file} → ${target}`),
    );
    expect(wrong).toEqual([]);
    expect(
      readdirSync(IMPORT, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort(),
    ).toEqual([...IMPORT_STAGES].sort());
  });

  it('keeps src/cli/ imported by nothing outside it', () => {
    expect(imports().filter(({ from, to }) => to === 'cli' && from !== 'cli')).toEqual([]);
  });
});
