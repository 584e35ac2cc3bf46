import { renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchInput } from '../src/input/input-watch.js';
import { tempDir } from './helpers/cli.js';

function file(content = 'id,customer_name\n'): string {
  const p = path.join(tempDir('vorel-watch-'), 'in.csv');
  writeFileSync(p, content);
  return p;
}

describe('watchInput', () => {
  it('says nothing while the file is untouched (reading it changes nothing)', () => {
    const p = file();
    const watch = watchInput(p);
    expect(watch.check()).toBeNull();
    expect(watch.check()).toBeNull();
  });

  it('notices a new size, a rewrite of the same size, a replacement and a removal', () => {
    const grown = file();
    const a = watchInput(grown);
    writeFileSync(grown, 'id,customer_name\nx,y\n');
    expect(a.check()).toMatch(/size went from 17 to 21 bytes/);

    const same = file('id,customer_name\n');
    const b = watchInput(same);
    writeFileSync(same, 'id,customer_nbme\n');
    expect(b.check()).toBe('it was written to');

    const replaced = file();
    const c = watchInput(replaced);
    writeFileSync(`${replaced}.new`, 'id,customer_name\n');
    renameSync(`${replaced}.new`, replaced);
    expect(c.check()).toBe('it was replaced by another file');

    const removed = file();
    const d = watchInput(removed);
    rmSync(removed);
    expect(d.check()).toBe('it was removed');
  });

  it('a tool that puts the old mtime back is still caught (the ctime moved)', () => {
    const p = file('id,customer_name\n');
    utimesSync(p, new Date(2020, 0, 1), new Date(2020, 0, 1));
    const watch = watchInput(p);
    writeFileSync(p, 'id,customer_nbme\n');
    utimesSync(p, new Date(2020, 0, 1), new Date(2020, 0, 1));
    expect(watch.check()).toBe('it was written to');
  });

  it('once changed it stays changed, even if the file is put back', () => {
    const p = file('id,customer_name\n');
    const watch = watchInput(p);
    writeFileSync(p, 'id,customer_name\nx,y\n');
    expect(watch.check()).not.toBeNull();
    writeFileSync(p, 'id,customer_name\n');
    expect(watch.check()).not.toBeNull();
  });

  it('never watches stdin', () => {
    expect(watchInput('-').check()).toBeNull();
  });
});
