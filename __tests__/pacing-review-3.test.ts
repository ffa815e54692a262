/**
 * Regression tests of the hostile review of the pacer (issue 25), on a virtual clock: each case
 * was reproduced against the first version of the new scheduler and is kept as it was found.
 * H13 isolated refusals: the slow-down comes back up (one step every 30 s without a refusal).
 */
import { expect, test } from '@jest/globals'
import { Pacer, pacingBudget } from '../src/github/pacing.js'
import { VirtualClock } from './helpers/virtual-clock.js'
const API = 'https://api.github.com'
const SECONDARY = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'

test('H13 three isolated secondary refusals (retry-after 1) over 3000 GETs: within 1.25x floor + waits', async () => {
  const clock = new VirtualClock()
  const start = clock.now()
  const pacer = new Pacer({ api_url: API, budget: pacingBudget(), rate_limit_wait: 600, clock })
  let n = 0
  const refuseAt = new Set([100, 600, 1100])
  const send: typeof fetch = async () => {
    const i = n++
    await clock.sleep(100)
    return refuseAt.has(i)
      ? new Response(JSON.stringify({ message: SECONDARY }), { status: 403, headers: { 'retry-after': '1' } })
      : new Response('[]')
  }
  const f = pacer.fetch(send)
  const { default: pLimit } = await import('p-limit')
  const limit = pLimit(20)
  await clock.run(Promise.all(Array.from({ length: 3000 }, (_, i) => limit(() => f(`${API}/repos/o/r${i}/hooks`)))))
  const elapsed = clock.now() - start
  const floor = (3000 / 900) * 60_000
  expect(elapsed).toBeLessThanOrEqual(1.25 * floor + 3 * 1000 + 3 * 1000)
})
