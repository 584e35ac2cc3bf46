// An emulator in its own process, for benchmarks that measure the client alone (the real API is
// not on the client's event loop). Driven by lib.mjs over the IPC channel of child_process.fork.
import path from 'node:path';

const dist = path.resolve(import.meta.dirname, '../dist');
const { startEmulator, makeConversation } = await import(path.join(dist, 'emulator/index.js'));
const { idFor } = await import('./ids.mjs');

process.once('message', async ({ rows, options }) => {
  const conversations = Array.from({ length: rows }, (_, i) =>
    // A numbered identifier: the seeded random ones collide past ~100k conversations.
    makeConversation({
      id: idFor(i + 1),
      customer_identifier: `+1555${String(i + 1).padStart(8, '0')}`,
      customer_name: `Before ${i + 1}`,
      customer_language: 'en',
    }),
  );
  // A function cannot cross the IPC channel: `clockOffsetMs` sets the emulator's clock that far off ours.
  const { clockOffsetMs, ...rest } = options;
  const clock = clockOffsetMs ? { clock: () => Date.now() + clockOffsetMs } : {};
  const emulator = await startEmulator({ count: 0, conversations, ...rest, ...clock });
  process.on('message', async (message) => {
    if (message === 'stats') process.send({ requests: emulator.requests, peakInFlight: emulator.peakInFlight });
    if (message === 'close') {
      await emulator.close();
      process.disconnect();
    }
  });
  process.send({ baseUrl: emulator.baseUrl, apiKey: emulator.apiKey });
});
