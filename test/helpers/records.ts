/** The input's records one at a time, for tests that look at them one by one. */
import { type ReadRecordsOptions, readRecordBatches } from '../../src/input/records.js';
import type { InputSource } from '../../src/input/source.js';
import type { SourceRecord } from '../../src/types.js';

export async function* readRecords(source: InputSource, opts: ReadRecordsOptions = {}): AsyncGenerator<SourceRecord> {
  for await (const batch of readRecordBatches(source, opts)) yield* batch;
}
