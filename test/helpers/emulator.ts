import { makeConversation, startEmulator, type Emulator } from '../../src/emulator/index.js';
import type { EmulatorOptions } from '../../src/emulator/index.js';

/** Deterministic test ids: `00000000-0000-4000-8000-<n as 12 hex>`. */
export function testId(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** An emulator holding conversations testId(1..n), no rate limit unless asked. */
export async function emulatorWith(n: number, opts: EmulatorOptions = {}): Promise<Emulator> {
  const conversations = Array.from({ length: n }, (_, i) =>
    makeConversation({ id: testId(i + 1), customer_name: `Before ${i + 1}`, customer_language: 'en' }),
  );
  return startEmulator({ count: 0, rateLimit: null, conversations, ...opts });
}
