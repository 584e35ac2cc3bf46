import type { InputEncoding } from '../../types.js';

/**
 * The one stderr hint printed for the first `bad_encoding` row (issue 7): files from Excel on
 * Windows are windows-1252, and read as UTF-8 their accents are invalid bytes.
 */
export function encodingHint(encoding: InputEncoding, line: number): string {
  const what = `line ${line} holds bytes that are not valid ${encoding} (or a NUL byte): such rows are invalid (bad_encoding) and nothing of them is sent`;
  return encoding === 'utf-8'
    ? `${what}. If the file comes from Excel on Windows, try --encoding windows-1252`
    : `${what}. Check the file's encoding (--encoding)`;
}
