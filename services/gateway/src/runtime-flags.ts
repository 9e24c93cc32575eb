// How a gateway node's process is started: the Dockerfile's CMD and ENV, `npm run gateway:prod`, and
// the bench and scale runs (test/bench) all use these; test/ops/compose.test.ts checks the first two.
// Measured in docs/OPERATIONS.md, "Memory".

/**
 * V8 heap limits. The default young generation grows to 2 × 16 MB and stays there; 2 × 2 MB costs a
 * few more short scavenges and keeps 28 MB less. A 4 GB old-generation limit (the default on a big
 * host) lets the heap grow to four times what is live before a full collection; with 512 MB it grows
 * by about 1.4 times, so a loaded node's heap stays near what it uses. 512 MB is still ten times
 * the live heap of a busy node (~50 MB), with room for the largest message (KB_MAX_MESSAGE_BYTES).
 */
export const nodeFlags = ['--max-semi-space-size=2', '--max-old-space-size=512'] as const;

/**
 * glibc makes a malloc arena per thread that allocates (V8's compiler and GC helpers, libuv's pool),
 * each keeping what it once held; two arenas keep ~15 MB less under load.
 */
export const nodeEnv = { MALLOC_ARENA_MAX: '2' } as const;
