/**
 * Runs before every test file (jest `setupFiles`).
 * - The action's waits go 20× faster than GitHub's pace (`MANAGE_WEBHOOKS_TIME_SCALE`, read by
 *   src/model.ts): poll intervals, retry backoff, rate-limit waits and the spacing of writes. Bundled
 *   runs (emulator/runner.ts) inherit it from the environment. Timeouts and GitHub's whole-second
 *   timestamps are not scaled.
 * - Bundled runs share Node's compile cache (`NODE_COMPILE_CACHE`).
 * - Workflow commands the action writes outside a captured run (`::debug::` of a client a test built
 *   itself, `::add-mask::`) are dropped, so the test output stays readable.
 */
import { tmpdir } from 'node:os'
import { join } from 'node:path'

process.env.MANAGE_WEBHOOKS_TIME_SCALE ??= '0.05'
// Bundled runs load dist/index.js hundreds of times: Node's compile cache saves ~30 ms each.
process.env.NODE_COMPILE_CACHE ??= join(tmpdir(), 'manage-webhooks-compile-cache')

const write = process.stdout.write.bind(process.stdout)
process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  const text = chunk.toString()
  if (/^::[a-z-]+::/m.test(text) && text.split('\n').every((line) => line === '' || /^::[a-z-]+::/.test(line))) return true
  return write(chunk, ...rest)
}) as typeof process.stdout.write
