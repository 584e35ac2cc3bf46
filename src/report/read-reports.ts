/** plan.csv and rollback.csv, built in the same pass as results.csv. */
import { cleanCell, codePointLength, differingFields, LANGUAGE, MAX_NAME_CODE_POINTS } from '../values.js';
import type { FailedCode, RowResult, WritableValues } from '../types.js';
import { csvLine } from './csv.js';
import { AtomicFileWriter } from './files.js';
import type { RunSummary } from './summary.js';

export interface RowReport {
  add(row: RowResult): void;
  /** Writes the file, if any, and adds its keys to the summary. */
  finish(summary: RunSummary): Promise<void>;
}

const PLAN_HEADER = ['line', 'id', 'field', 'before', 'after'] as const;
const ROLLBACK_HEADER = ['id', 'customer_name', 'customer_language'] as const;

/** One line per field that would change. */
export function planLines(row: RowResult): string[] {
  if (row.outcome.kind !== 'would_update' || row.before === null) return [];
  const before = row.before;
  return differingFields(row.patch, before).map((field) =>
    csvLine([row.line, row.id, field, before[field], row.patch[field]], { neutralise: true }),
  );
}

/** Always written in a plan. */
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

/** Failures after which a PATCH may have landed: in rollback.csv too (restoring an unchanged value is harmless). */
const WRITE_MAY_HAVE_LANDED: ReadonlySet<FailedCode> = new Set(['mismatch', 'timeout', 'network', 'server_error', 'unexpected_status']);

export function changedWithBefore(row: RowResult): row is RowResult & { id: string; before: WritableValues } {
  if (row.before === null || row.id === null) return false;
  const { outcome } = row;
  return outcome.kind === 'updated' || (outcome.kind === 'failed' && WRITE_MAY_HAVE_LANDED.has(outcome.code));
}

/** Whether importing the values back gives exactly them (the import trims, drops a guarding `'`, checks). */
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

/** Never neutralised: the values are sent back as they are. */
export function rollbackLine(id: string, before: WritableValues): string {
  return csvLine([id, before.customer_name, before.customer_language], { neutralise: false });
}

/** The values from before the first write to each id; only ids that `mayRepeat` are remembered. */
export class RollbackReport implements RowReport {
  private readonly file: AtomicFileWriter;
  private readonly written = new Set<string>();
  private rows = 0;
  private unrestorable = 0;

  constructor(
    path: string,
    private readonly mayRepeat: (id: string) => boolean,
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
