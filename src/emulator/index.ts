/**
 * The built-in Vorel API emulator (`vorel-sync emulator`): a real HTTP server on 127.0.0.1 that
 * follows docs/vorel-api.md strictly, for demos, tests and benchmarks.
 */
export { startEmulator } from './server.js';
export { makeConversation } from './seed.js';
export { runEmulatorCommand } from './command.js';
export type { EmulatorCommandArgs, EmulatorCommandIo } from './command.js';
export type { Emulator, EmulatorOptions, RequestLogEntry } from './options.js';
export { DEFAULT_RATE_LIMIT, DEFAULT_SCOPES, MAX_LOG_ENTRIES } from './options.js';
export type { FaultOptions } from './faults.js';
export type { RateLimitConfig } from './rate-limit.js';
export { keyFingerprint } from './keys.js';
