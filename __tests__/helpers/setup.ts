/**
 * Runs before every test file (jest `setupFiles`).
 * - The action's own waits go 20× faster (`MANAGE_WEBHOOKS_TIME_SCALE`, read by src/model.ts): poll
 *   intervals and the retry backoff after a 5xx. Bundled runs (emulator/runner.ts) inherit it from
 *   the environment. Timeouts, GitHub's waits and GitHub's whole-second timestamps are not scaled.
 * - Every step gets `ghes_rate_limit_factor: 100` unless it sets the input (emulator/runner.ts
 *   `withTestDefaults`): the emulator stands for an Enterprise Server with raised limits, so writes
 *   are 10 ms apart instead of 1 s. Tests of the pacing set the input themselves.
 * - Bundled runs share Node's compile cache (`NODE_COMPILE_CACHE`).
 * - Workflow commands the action writes outside a captured run (`::debug::` of a client a test built
 *   itself, `::add-mask::`) are dropped, so the test output stays readable.
 */
import { tmpdir } from 'node:os'
import { join } from 'node:path'

process.env.MANAGE_WEBHOOKS_TIME_SCALE ??= '0.05'
process.env.MANAGE_WEBHOOKS_TEST_RATE_LIMIT_FACTOR ??= '100'
// Bundled runs load dist/index.js hundreds of times: Node's compile cache saves ~30 ms each.
process.env.NODE_COMPILE_CACHE ??= join(tmpdir(), 'manage-webhooks-compile-cache')

const write = process.stdout.write.bind(process.stdout)
process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  const text = chunk.toString()
  if (/^::[a-z-]+::/m.test(text) && text.split('\n').every((line) => line === '' || /^::[a-z-]+::/.test(line))) return true
  return write(chunk, ...rest)
}) as typeof process.stdout.write
