import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A temp folder removed after the file's tests, and a writer of numbered files in it. */
export function scratchDir(prefix: string): { dir: string; tmpFile: (content: string | Buffer) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let fileNo = 0;
  return {
    dir,
    tmpFile: (content) => {
      const path = join(dir, `f${fileNo++}.csv`);
      writeFileSync(path, content);
      return path;
    },
  };
}
