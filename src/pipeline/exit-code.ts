import type { ImportOptions } from '../options.js';
import type { RunSummary } from '../report/summary.js';

/**
 * Contract exit codes, the highest-ranked that applies: 130 > 3 > 2 > 1 > 4 > 0. Usage errors throw
 * their 2 earlier; a run refused by the clears guard or the confirmation finishes its reports first.
 */
export function exitCodeFor(
  summary: Pick<RunSummary, 'totals' | 'stopped' | 'clears_guard'>,
  opts: Pick<ImportOptions, 'mode' | 'detailedExitcode'>,
): number {
  if (summary.stopped?.reason === 'interrupted') return 130;
  if (summary.stopped?.reason === 'aborted') return 3;
  if (summary.stopped?.reason === 'declined' || summary.clears_guard.tripped) return 2;
  const { totals } = summary;
  if (totals.invalid + totals.failed + totals.not_attempted > 0) return 1;
  if (opts.mode === 'plan' && opts.detailedExitcode && totals.would_update > 0) return 4;
  return 0;
}
