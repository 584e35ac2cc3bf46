import type { ImportOptions } from '../options.js';
import type { RunSummary } from '../report/summary.js';

/** Contract exit codes, the highest-ranked that applies: 130/129 > 3 > 2 > 1 > 4 > 0 (2 is thrown earlier). */
export function exitCodeFor(
  summary: Pick<RunSummary, 'totals' | 'stopped'>,
  opts: Pick<ImportOptions, 'mode' | 'detailedExitcode'>,
): number {
  if (summary.stopped?.reason === 'interrupted') return 130;
  if (summary.stopped?.reason === 'hangup') return 129;
  if (summary.stopped?.reason === 'aborted') return 3;
  const { totals } = summary;
  if (totals.invalid + totals.failed + totals.not_attempted > 0) return 1;
  if (opts.mode === 'plan' && opts.detailedExitcode && totals.would_update > 0) return 4;
  return 0;
}
