import { createRequire } from 'node:module';
import type iconvModule from 'iconv-lite';
import type { InputEncoding } from '../types.js';

/** iconv-lite, loaded only for an input that is not UTF-8: most runs never need its ~7 MB. */
const loadIconv = (): typeof iconvModule => createRequire(import.meta.url)('iconv-lite') as typeof iconvModule;

/** A streaming decoder: bytes in, text out; partial characters are carried to the next write. */
export interface ChunkDecoder {
  write(bytes: Uint8Array): string;
  end(): string;
}

/**
 * Decoder for the bytes AFTER the BOM (the caller skips `source.bom`, so nothing is stripped here).
 * UTF-8 uses TextDecoder in non-fatal mode: invalid bytes become U+FFFD, which the framer flags as
 * `badEncoding` instead of sending mangled text. The others use iconv-lite, because Node 20's
 * TextDecoder('windows-1252') is really Latin-1 (0x80 → U+0080 instead of €).
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
    // iconv-lite silently drops a dangling odd byte at the end of UTF-16: make it a U+FFFD so the
    // last record is flagged `badEncoding` like any other invalid bytes.
    end: () => (decoder.end() ?? '') + (utf16 && total % 2 === 1 ? '\uFFFD' : ''),
  };
}

/** Encodes ASCII text (a line ending) in the input's encoding, for bytes we add to failed.csv. */
export function encodeAscii(text: string, encoding: InputEncoding): Buffer {
  if (encoding === 'utf-16le') return Buffer.from(text, 'utf16le');
  if (encoding === 'utf-16be') return Buffer.from(text, 'utf16le').swap16();
  return Buffer.from(text, 'latin1');
}
