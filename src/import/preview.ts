/**
 * What a run that is about to send PATCHes shows before it asks to go on: the terminal prompt
 * prints it, the library hands it to `confirm(preview)`. Pure.
 */
import type { WritableField } from '../types.js';

/** The confirmation preview. snake_case like summary.json, whose keys it shares. */
export interface ConfirmPreview {
  mode: 'import' | 'only-changed';
  /** The input as the summary names it (`-` is stdin). */
  input: string;
  /** The file's data rows. */
  rows: number;
  /** Rows the run will PATCH: the valid rows, or under `--only-changed` the rows whose values differ (read before asking). */
  rows_to_update: number;
  /** `--only-changed`: rows whose values already match (no PATCH); null when current values were not read. */
  unchanged: number | null;
  /** Rows that send `null` for each field (under `--only-changed`: only where the value is not already empty). */
  clears: Record<WritableField, number>;
  /** Ids on more than one row (applied in file order). */
  duplicate_ids: number;
  base_url: string;
  /** As the dashboard shows it: never the key. */
  key_fingerprint: string;
  /** A resumed run: the run it continues, and the rows it will not send again. */
  resumed_from: string | null;
  carried_over: number;
}

/** Asked before the first PATCH; true goes on. The library calls it where the CLI prompts. */
export type Confirm = (preview: ConfirmPreview) => boolean | Promise<boolean>;

/** The preview as the terminal shows it, one fact per line. */
export function renderPreview(p: ConfirmPreview): string {
  const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
  const update =
    p.unchanged === null
      ? `${plural(p.rows_to_update, 'row')} to update`
      : `${plural(p.rows_to_update, 'row')} differ and will be updated (${p.unchanged} already match)`;
  const lines = [
    `About to update conversations (${p.mode === 'only-changed' ? 'import --only-changed' : 'import'}) from ${p.input}:`,
    `  target        ${p.base_url}`,
    `  key           ${p.key_fingerprint}`,
    `  rows          ${p.rows} in the file; ${update}`,
    `  clears        customer_name ${p.clears.customer_name}, customer_language ${p.clears.customer_language} (rows sending an empty value)`,
  ];
  if (p.duplicate_ids > 0) lines.push(`  repeated ids  ${plural(p.duplicate_ids, 'id')} on more than one row (applied in file order)`);
  if (p.resumed_from !== null)
    lines.push(`  resuming      run ${p.resumed_from}: ${plural(p.carried_over, 'row')} already settled, not sent again`);
  return `${lines.join('\n')}\n`;
}
