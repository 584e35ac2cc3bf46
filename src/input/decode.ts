import { createRequire } from 'node:module';
import type iconvModule from 'iconv-lite';
import type { InputEncoding } from '../types.js';

/** Loaded only for an input that is not UTF-8: most runs never need its ~7 MB. */
const loadIconv = (): typeof iconvModule => createRequire(import.meta.url)('iconv-lite') as typeof iconvModule;

/** Partial characters are carried to the next write. */
export interface ChunkDecoder {
  write(bytes: Uint8Array): string;
  end(): string;
}

/**
 * For the bytes after the BOM. Invalid bytes become U+FFFD, which the framer flags `badEncoding`.
 * iconv-lite for the rest: Node 20's TextDecoder('windows-1252') is Latin-1 (0x80 → U+0080, not €).
 */
export function createDecoder(encoding: InputEncoding): ChunkDecoder {
  if (encoding === 'utf-8') {
    const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
    return {
      write: (bytes) => decoder.decode(bytes, { stream: true }),
      end: () => decoder.decode(),
    };
  }
  const decoder = loadIconv().getDecoder(encoding, { stripBOM: false });
  const utf16 = encoding === 'utf-16le' || encoding === 'utf-16be';
  let total = 0;
  return {
    write: (bytes) => {
      total += bytes.byteLength;
      return decoder.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
    // iconv-lite silently drops a dangling odd byte of UTF-16: a U+FFFD flags the last record.
    end: () => (decoder.end() ?? '') + (utf16 && total % 2 === 1 ? '\uFFFD' : ''),
  };
}

/** A line ending in the input's encoding, for bytes failed.csv adds. */
export function encodeAscii(text: string, encoding: InputEncoding): Buffer {
  if (encoding === 'utf-16le') return Buffer.from(text, 'utf16le');
  if (encoding === 'utf-16be') return Buffer.from(text, 'utf16le').swap16();
  return Buffer.from(text, 'latin1');
}
