/** What each run mode does with a valid row, and what it adds to the summary. */
import type { ImportOptions } from '../../options.js';
import type { RunSummary } from '../../report/summary.js';
import type { OutcomeKind } from '../../types.js';
import { chooseReadStrategy, type ModeContext, openCurrentValues } from './current-values.js';
import { importHandler, type RowHandler } from './row-handler.js';
import { readFirstHandler } from './read-first.js';
import { type PrefetchingValues, prefetching } from './pending.js';

export interface PreparedMode {
  handler: RowHandler;
  /** Reads ahead of the row's handling, for the gate's count; null when the mode reads nothing. */
  prefetch: PrefetchingValues['prefetch'] | null;
  summary(totals: Readonly<Record<OutcomeKind, number>>): Pick<RunSummary, 'read' | 'plan'>;
}

export function readsFirst(opts: Pick<ImportOptions, 'mode' | 'matchBy'>): boolean {
  return opts.mode === 'plan' || opts.mode === 'only-changed' || opts.matchBy === 'customer_identifier';
}

/** For the reading modes, reads (scans) first. Never throws for HTTP trouble. */
export async function prepareMode(opts: ImportOptions, ctx: ModeContext): Promise<PreparedMode> {
  const { client } = ctx;
  if (!readsFirst(opts)) return { handler: importHandler(client), prefetch: null, summary: () => ({}) };

  const choice = chooseReadStrategy({ read: opts.read, matchBy: opts.matchBy, stdin: opts.file === '-', rows: ctx.scan.rows });
  const { current: values, scanned } = await openCurrentValues(opts, ctx, choice);
  const current = prefetching(values);
  return {
    handler: readFirstHandler(opts.mode, client, current),
    prefetch: current.prefetch,
    summary: (totals) => {
      const read = { strategy: choice.strategy, reason: choice.reason, requests: current.requests, conversations_scanned: scanned };
      if (opts.mode !== 'plan') return { read };
      const requests = current.requests + totals.would_update;
      return {
        read,
        plan: {
          would_change: totals.would_update,
          patch_requests: totals.would_update,
          read_requests: current.requests,
          requests,
          // At the pace the run keeps by now, as the pace line says.
          estimated_minutes: Math.ceil((requests / client.pace.per_min) * 10) / 10,
          rate: client.pace.per_min,
        },
      };
    },
  };
}
