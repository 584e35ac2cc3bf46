/**
 * The reports of the modes that read current values, built from the settled rows in the same
 * pass as results.csv: `plan.csv` (what a plan would change) and `rollback.csv` (the values from
 * before the run's first write to each id, to undo it with `import rollback.csv --empty null`).
 */
import { cleanCell, codePointLength, differingFields, LANGUAGE, MAX_NAME_CODE_POINTS } from '../values.js';
import type { FailedCode, RowResult, WritableValues } from '../types.js';
import { csvLine } from './csv.js';
import { AtomicFileWriter } from './files.js';
import type { RunSummary } from './summary.js';

/** A report built from the settled rows, in input order, alongside results.csv. */
export interface RowReport {
  add(row: RowResult): void;
  /** Writes the file (when it has one to write) and adds its keys to the summary. */
  finish(summary: RunSummary): Promise<void>;
}

const PLAN_HEADER = ['line', 'id', 'field', 'before', 'after'] as const;
const ROLLBACK_HEADER = ['id', 'customer_name', 'customer_language'] as const;

/** plan.csv lines of one row: one per field that would change. Neutralised like results.csv. */
export function planLines(row: RowResult): string[] {
  if (row.outcome.kind !== 'would_update' || row.before === null) return [];
  const before = row.before;
  return differingFields(row.patch, before).map((field) =>
    csvLine([row.line, row.id, field, before[field], row.patch[field]], { neutralise: true }),
  );
}

/** `plan.csv`, always written in a plan (header only when nothing would change). */
export class PlanReport implements RowReport {
  private readonly file: AtomicFileWriter;

  constructor(path: string) {
    this.file = new AtomicFileWriter(path);
    this.file.write(csvLine(PLAN_HEADER, { neutralise: false }));
  }

  add(row: RowResult): void {
    for (const line of planLines(row)) this.file.write(line);
  }

  async finish(): Promise<void> {
    await this.file.commit();
  }
}

/**
 * Failures after which a PATCH may still have been applied: the server changed something else
 * (`mismatch`, an unreadable 200), or the answer was lost (timeout, reset, 5xx after the write).
 * Their ids go into rollback.csv too: restoring a value that was not changed is harmless.
 */
const WRITE_MAY_HAVE_LANDED: ReadonlySet<FailedCode> = new Set(['mismatch', 'timeout', 'network', 'server_error', 'unexpected_status']);

/** Whether the run wrote (or may have written) to the row's conversation, having read its values first. */
export function changedWithBefore(row: RowResult): row is RowResult & { id: string; before: WritableValues } {
  if (row.before === null || row.id === null) return false;
  const { outcome } = row;
  return outcome.kind === 'updated' || (outcome.kind === 'failed' && WRITE_MAY_HAVE_LANDED.has(outcome.code));
}

/**
 * Whether importing the values back gives exactly them: the import trims cells, drops a `'` before
 * a formula character, and checks names and languages; a stored value those would alter (e.g. a
 * name with surrounding spaces, a language like `EN`) cannot be restored exactly.
 */
export function restorable(values: WritableValues): boolean {
  const name = values.customer_name;
  const language = values.customer_language;
  if (
    name !== null &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: a NUL would mark a damaged report
    (name === '' || cleanCell(name) !== name || /[\uFFFD\u0000]/.test(name) || codePointLength(name) > MAX_NAME_CODE_POINTS)
  )
    return false;
  return language === null || LANGUAGE.test(language);
}

/** One rollback.csv line: raw values (never neutralised: they are sent back as they are), null → empty cell. */
export function rollbackLine(id: string, before: WritableValues): string {
  return csvLine([id, before.customer_name, before.customer_language], { neutralise: false });
}

/**
 * `rollback.csv`: one row per id the run changed, with the values from before its FIRST write to
 * it (rows of one id are applied in file order, so that is the first such row in input order).
 * Written only when there is at least one. `mayRepeat(id)`: whether a later row can name the id
 * again; only those ids are remembered, so memory stays O(repeated ids).
 */
export class RollbackReport implements RowReport {
  private readonly file: AtomicFileWriter;
  private readonly written = new Set<string>();
  private rows = 0;
  private unrestorable = 0;

  constructor(
    path: string,
    private readonly mayRepeat: (id: string) => boolean,
    /** The command that imports the file back (it knows the run's API and report dir). */
    private readonly undoCommand: string,
  ) {
    this.file = new AtomicFileWriter(path);
  }

  add(row: RowResult): void {
    if (!changedWithBefore(row)) return;
    if (this.mayRepeat(row.id)) {
      if (this.written.has(row.id)) return;
      this.written.add(row.id);
    }
    if (this.rows === 0) this.file.write(csvLine(ROLLBACK_HEADER, { neutralise: false }));
    this.rows++;
    if (!restorable(row.before)) this.unrestorable++;
    this.file.write(rollbackLine(row.id, row.before));
  }

  async finish(summary: RunSummary): Promise<void> {
    if (this.rows === 0) return;
    await this.file.commit();
    summary.rollback = { rows: this.rows, unrestorable: this.unrestorable, undo_command: this.undoCommand };
  }
}
