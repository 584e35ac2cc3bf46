import { describe, expect, it } from 'vitest';
import { estimateRunBytes, freeBytesAt, lowSpaceWarning } from '../src/import/first-pass/disk-space.js';

describe('the free-space check before a run', () => {
  it('warns with the estimate when the run may not fit, and says it goes on', () => {
    const need = estimateRunBytes(1_000_000, 60_000_000, false);
    expect(need).toBe(1_000_000 * 330 + 60_000_000 + 2_000_000);
    const warning = lowSpaceWarning(1_000_000, need, 100_000_000);
    expect(warning).toMatch(/has 100 MB free; this run of 1000000 rows may need up to 392 MB/);
    expect(warning).toMatch(/Going on/);
  });

  it('says nothing when it fits, or when the free space cannot be read', () => {
    expect(lowSpaceWarning(10, 10_000, 1_000_000)).toBeNull();
    expect(lowSpaceWarning(10, 10_000, null)).toBeNull();
    expect(freeBytesAt('/no/such/dir')).toBeNull();
  });

  it('an --only-changed run counts the journaled before-values too', () => {
    expect(estimateRunBytes(1000, 0, true)).toBeGreaterThan(estimateRunBytes(1000, 0, false));
  });
});
