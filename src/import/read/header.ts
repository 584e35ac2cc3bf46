import { UsageError } from '../../errors.js';
import { MAPPABLE_FIELDS, type MappableField, type MatchBy } from '../../options.js';

/** Lower case, trimmed, spaces and hyphens → `_` (contract: `--map`). `Conversation ID` = `conversation_id`. */
export function normaliseHeader(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

const ALIASES: ReadonlyMap<string, MappableField> = new Map([
  ['id', 'id'],
  ['conversation_id', 'id'],
  ['uuid', 'id'],
  ['name', 'customer_name'],
  ['customer_name', 'customer_name'],
  ['language', 'customer_language'],
  ['lang', 'customer_language'],
  ['customer_language', 'customer_language'],
  ['customer_identifier', 'customer_identifier'],
  ['channel', 'channel'],
]);

/** Export's read-only columns: recognised, never sent, no warning. */
const READ_ONLY_COLUMNS = new Set(['status', 'created_at']);

export interface HeaderMap {
  readonly width: number;
  readonly columns: Readonly<Partial<Record<MappableField, number>>>;
  /** Neither mapped nor known read-only. */
  readonly unknown: readonly string[];
}

export function mapHeader(cells: readonly string[], opts: { map: ReadonlyMap<string, MappableField>; matchBy: MatchBy }): HeaderMap {
  const columns: Partial<Record<MappableField, number>> = {};
  const unknown: string[] = [];
  const seen = new Map<string, number>();
  cells.forEach((cell, index) => {
    const name = normaliseHeader(cell);
    if (name === '') {
      throw new UsageError(`header column ${index + 1} has no name: every column needs a header`, 'empty_header');
    }
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      throw new UsageError(
        `duplicate header ${JSON.stringify(cell.trim())} (columns ${earlier + 1} and ${index + 1}): rename or remove one`,
        'duplicate_header',
      );
    }
    seen.set(name, index);
    const field = opts.map.get(name) ?? ALIASES.get(name);
    if (field === undefined) {
      if (!READ_ONLY_COLUMNS.has(name)) unknown.push(cell.trim());
      return;
    }
    const taken = columns[field];
    if (taken !== undefined) {
      throw new UsageError(
        `columns ${JSON.stringify(cells[taken]?.trim())} and ${JSON.stringify(cell.trim())} both map to ${field}: keep one, or map the other elsewhere with --map`,
        'duplicate_field',
      );
    }
    columns[field] = index;
  });
  for (const [column] of opts.map) {
    if (!seen.has(column)) {
      throw new UsageError(
        `--map names column ${JSON.stringify(column)}, which the header does not have (headers: ${cells.map((c) => c.trim()).join(', ')})`,
        'bad_map',
      );
    }
  }
  const key: MappableField = opts.matchBy === 'id' ? 'id' : 'customer_identifier';
  if (columns[key] === undefined) {
    throw new UsageError(
      opts.matchBy === 'id'
        ? `no id column: the header needs one of id, conversation_id, uuid (or --map "<your column>=id"); found: ${cells.map((c) => c.trim()).join(', ')}`
        : `no customer_identifier column (needed by --match-by customer_identifier); found: ${cells.map((c) => c.trim()).join(', ')}`,
      'missing_column',
    );
  }
  if (columns.customer_name === undefined && columns.customer_language === undefined) {
    throw new UsageError(
      `nothing to update: the header needs customer_name (or name) and/or customer_language (or language, lang); found: ${cells.map((c) => c.trim()).join(', ')}`,
      'missing_column',
    );
  }
  return { width: cells.length, columns, unknown };
}

export function parseMapArg(arg: string): [string, MappableField] {
  const eq = arg.lastIndexOf('=');
  const column = normaliseHeader(arg.slice(0, Math.max(eq, 0)));
  const field = arg.slice(eq + 1).trim();
  if (eq <= 0 || column === '' || !isMappable(field)) {
    throw new UsageError(
      `--map ${JSON.stringify(arg)}: expected <column>=<field> with field one of id, customer_name, customer_language, customer_identifier, channel`,
      'bad_map',
    );
  }
  return [column, field];
}

function isMappable(field: string): field is MappableField {
  return (MAPPABLE_FIELDS as readonly string[]).includes(field);
}
