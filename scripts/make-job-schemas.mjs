// Regenerates the JSON Schemas of job files (`--config`) from the CLI's option tables:
// `npm run build && node scripts/make-job-schemas.mjs`. test/cli-job-file.test.ts keeps them in sync.
import { mkdirSync, writeFileSync } from 'node:fs';
import { jobJsonSchemas } from '../dist/cli/job-schemas.js';

mkdirSync(new URL('../schema/', import.meta.url), { recursive: true });
for (const [name, schema] of Object.entries(jobJsonSchemas())) {
  writeFileSync(new URL(`../schema/${name}.schema.json`, import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);
}
