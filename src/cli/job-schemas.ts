import { z } from 'zod';
import { EXPORT_OPTIONS } from './export-command.js';
import { IMPORT_OPTIONS } from './import-command.js';
import { jobSchema } from './job-file.js';

/** schema/<name>.schema.json → its JSON Schema, as the package ships them. */
export function jobJsonSchemas(): Record<string, unknown> {
  const schema = (title: string, zod: z.ZodType): unknown => {
    const json = z.toJSONSchema(zod);
    return { $schema: json.$schema, title, ...json };
  };
  return {
    'import-job': schema(
      'vorel-sync import job file (--config)',
      jobSchema(IMPORT_OPTIONS, 'the input: a CSV file (or - for stdin), relative to this file'),
    ),
    'export-job': schema(
      'vorel-sync export job file (--config)',
      jobSchema(EXPORT_OPTIONS, 'the output file (- for stdout), relative to this file'),
    ),
  };
}
