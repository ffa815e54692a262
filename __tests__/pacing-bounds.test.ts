/**
 * The pacer's waits keep their bounds (issue "Pacing you can trust"), on a virtual clock
 * (helpers/virtual-clock.ts): GitHub's retry-after is never cut nor overrun, rate_limit_wait bounds
 * every wait GitHub imposes, a poll bounded by a deadline ends at once, a creation waiting for the
 * hourly budget holds no other write, a target that has written finishes after a stop, and nothing
 * hangs. Each case found by the simulation or the review is kept here as a plain regression test.
 */
import { describe, expect, test } from '@jest/globals'
import { isGitHubCloud } from '../src/inputs/credentials.js'
import { RateLimitStop, RateLimitWait, retryAfterOf, withDeadline } from '../src/github/pacing.js'
import { API, refusal, virtual } from './helpers/virtual-pacer.js'
import { checkRun, simulate, type Workload } from '../emulator/pacing-sim.js'

describe('retry-after is kept, never cut nor overrun', () => {
  test('retry-after: 1200 twice (rate_limit_wait 3600): each retry goes exactly 1200 s after its refusal', async () => {
    const { sent, call, run } = virtual((n) => (n < 2 ? refusal('1200') : new Response('[]')), { rate_limit_wait: 3600 })
    const response = await run(call('/repos/o/a/hooks'))
    expect((response as Response).status).toBe(200)
    expect(sent[1].at - sent[0].at).toBeGreaterThanOrEqual(1200_000 + 50)
    expect(sent[2].at - sent[1].at).toBeGreaterThanOrEqual(1200_000 + 50)
    expect(sent[2].at - sent[1].at).toBeLessThan(1200_000 + 2000)
  })

  test('retry-after: 7200 beyond rate_limit_wait (600 s): the run stops at once, saying when to run again, and sleeps nothing', async () => {
    const { sent, call, run, elapsed, pacer } = virtual(() => refusal('7200'))
    const stopped = await run(call('/repos/o/a/hooks'))
    expect(stopped).toBeInstanceOf(RateLimitStop)
    expect((stopped as Error).message).toMatch(
      /a wait beyond rate_limit_wait \(600 s\); stopped\. Run again after \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\./
    )
    expect(sent).toHaveLength(1)
    expect(elapsed()).toBeLessThan(1000)
    expect(await run(call('/repos/o/b/hooks'))).toBeInstanceOf(RateLimitStop)
    expect(pacer.stop()).toBeDefined()
  })

  test('a negative, empty or non-numeric retry-after counts as absent: 60 s, then doubling', async () => {
    for (const value of ['-5', '', 'soon']) {
      const { sent, call, run } = virtual((n) => (n < 2 ? refusal(value) : new Response('[]')))
      await run(call('/repos/o/a/hooks'))
      expect(sent[1].at - sent[0].at).toBeGreaterThanOrEqual(60_000)
      expect(sent[2].at - sent[1].at).toBeGreaterThanOrEqual(120_000)
    }
    expect([retryAfterOf('-5', 0), retryAfterOf('', 0), retryAfterOf('x', 0), retryAfterOf(null, 0)]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined
    ])
    expect(retryAfterOf('30', 0)).toBe(30)
    expect(retryAfterOf('Thu, 01 Jan 1970 00:01:00 GMT', 0)).toBe(60)
  })

  test('a secondary limit with its queue of requests goes on after the pause (the reservoirs that never refilled after a slow-down: exit code 13)', async () => {
    // A GitHub Enterprise Server with a stricter limit: 40 points per 5 s on a route, retry-after: 3.
    const accepted: number[] = []
    const { call, run, clock, pacer } = virtual((_n, _method, url) => {
      const now = clock.now()
      const recent = accepted.filter((at) => at > now - 5000).length
      if (url.endsWith('/hooks') && recent >= 40) return refusal('3')
      accepted.push(now)
      return new Response('[]')
    })
    const results = (await run(Promise.all(Array.from({ length: 100 }, (_, i) => call(`/repos/o/r${i}/hooks`))))) as Response[]
    expect(results.map((response) => response.status)).toEqual(Array(100).fill(200))
    expect(pacer.stats().budget.points_per_minute).toBeLessThan(855)
  })
})

describe('hook creations', () => {
  test('100 creations: one a second, within 1.2× the 100 s floor, and 0 refusals', async () => {
    const { sent, call, run, elapsed } = virtual(() => new Response('{}', { status: 201 }))
    await run(Promise.all(Array.from({ length: 100 }, (_, i) => call(`/repos/o/r${i}/hooks`, 'POST'))))
    expect(sent).toHaveLength(100)
    expect(elapsed()).toBeLessThanOrEqual(1.2 * 100_000)
    const gaps = sent.slice(1).map((request, i) => request.at - sent[i].at)
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000)
  })

  test('600 creations with rate_limit_wait 600 s: 500 in the first hour, then creations stop, saying when to run again', async () => {
    const { sent, call, run } = virtual(() => new Response('{}', { status: 201 }))
    const results = (await run(
      Promise.all(Array.from({ length: 600 }, (_, i) => call(`/repos/o/r${i}/hooks`, 'POST').catch((error: unknown) => error)))
    )) as unknown[]
    expect(sent).toHaveLength(500)
    const stops = results.filter((result) => result instanceof RateLimitStop) as RateLimitStop[]
    expect(stops).toHaveLength(100)
    expect(stops[0].message).toMatch(/500 hook creations in the last hour.*Hook creations stopped; other requests go on\. Run again after /)
  })

  test('600 creations with rate_limit_wait 3600 s: the 501st goes once the first has left the hour', async () => {
    const { sent, call, run } = virtual(() => new Response('{}', { status: 201 }), { rate_limit_wait: 3600 })
    await run(Promise.all(Array.from({ length: 600 }, (_, i) => call(`/repos/o/r${i}/hooks`, 'POST'))))
    expect(sent).toHaveLength(600)
    expect(sent[500].at - sent[0].at).toBeGreaterThanOrEqual(3_600_000)
    expect(sent[500].at - sent[0].at).toBeLessThan(3_600_000 + 2000)
  })

  test('a creation waiting for the hourly budget holds no other write: updates go on meanwhile', async () => {
    const { sent, call, run } = virtual(() => new Response('{}'), { rate_limit_wait: 3600, budget: { creations_per_hour: 2 } })
    const work = Promise.all([
      call('/repos/o/a/hooks', 'POST'),
      call('/repos/o/b/hooks', 'POST'),
      call('/repos/o/c/hooks', 'POST'), // waits an hour
      ...['d', 'e', 'f'].map((repo) => call(`/repos/o/${repo}/hooks/1`, 'PATCH'))
    ])
    await run(work)
    const patches = sent.filter((request) => request.method === 'PATCH')
    expect(Math.max(...patches.map((request) => request.at))).toBeLessThan(10_000)
    expect(sent.at(-1)).toMatchObject({ method: 'POST' })
  })
})

describe('deadlines, stops and guards', () => {
  test('a poll bounded by wait_timeout ends at once when GitHub asks to wait past it, and nothing is sent meanwhile', async () => {
    const { sent, call, run, clock, elapsed } = virtual((n) => (n === 0 ? refusal('60') : new Response('[]')))
    const signal = withDeadline(new AbortController().signal, clock.now() + 15_000)
    const ended = await run(call('/repos/o/a/hooks/1/deliveries', 'GET', { signal }))
    expect(ended).toBeInstanceOf(RateLimitWait)
    expect((ended as Error).message).toMatch(/GitHub's secondary rate limit asked to wait until .* past wait_timeout/)
    expect(sent).toHaveLength(1)
    expect(elapsed()).toBeLessThan(1000)
  })

  test('after a stop, a target that has written still sends its verification and rollback; others are refused', async () => {
    const reset = String(Math.ceil(Date.now() / 1000) + 7200)
    const { call, run, pacer } = virtual(
      () => new Response('[]', { headers: { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '15', 'x-ratelimit-reset': reset } })
    )
    await run(call('/repos/o/a/hooks'))
    // 15 left, 20 kept in reserve for targets that have written: the run stops for the others.
    expect(await run(call('/repos/o/b/hooks'))).toBeInstanceOf(RateLimitStop)
    expect(pacer.stop()).toBeDefined()
    const finishing = pacer.fetch(async () => new Response('[]'), { finishing: () => true })
    const rollback = await run(finishing(`${API}/repos/o/a/hooks/1`, { method: 'PATCH' }))
    expect((rollback as Response).status).toBe(200)
  })

  test("each request refused by a stop gets its own copy: one target's context never reaches another's message", async () => {
    const { call, run } = virtual(() => refusal('7200'))
    const first = (await run(call('/repos/o/a/hooks'))) as RateLimitStop
    const second = (await run(call('/repos/o/b/hooks'))) as RateLimitStop
    first.message += ' (New secret written; …)'
    const third = (await run(call('/repos/o/c/hooks'))) as RateLimitStop
    expect(second).not.toBe(first)
    expect(third.message).toBe(second.message)
    expect(third.message).not.toContain('New secret written')
  })

  test('a budget that can never be met fails the request with an internal error instead of hanging', async () => {
    const { call, run } = virtual(() => new Response('{}'), { budget: { creations_per_hour: 0 }, rate_limit_wait: Infinity })
    const failed = await run(call('/repos/o/a/hooks', 'POST'))
    expect(failed).toBeInstanceOf(Error)
    expect((failed as Error).message).toMatch(/^internal error: the pacer would hold 1 request queued \(1 on \/repos\/\{owner\}\/\{repo\}\/hooks\)/)
  })

  test("ghes_rate_limit_factor's check knows github.com however its host is written", () => {
    for (const url of ['https://api.github.com./', 'https://API.GITHUB.COM', 'https://api.github.com:443/', 'https://api.octo.ghe.com./']) {
      expect(isGitHubCloud(url)).toBe(true)
    }
    expect(isGitHubCloud('https://ghes.example.com/api/v3')).toBe(false)
  })
})

describe('found by the simulation (emulator/pacing-sim.ts), kept as plain cases', () => {
  test('a request queued behind another on its route holds up no other route (seed -2052915619, shrunk)', async () => {
    // 11 targets, each reading its deliveries, then its hooks. The 6th to 11th deliveries reads wait for
    // their route's smoothing window; they held the shared response-time budget too, so the first hooks
    // reads, free to go at 20 ms, waited 341 ms behind them: 1,073 ms in all, over 1.25 × the 733 ms floor.
    const workload: Workload = {
      targets: 11,
      patterns: [
        [
          { method: 'GET', path: '/hooks/1/deliveries' },
          { method: 'GET', path: '/hooks' }
        ]
      ],
      refusals: [],
      hidden: undefined,
      primary: { limit: 5000, window_s: 3600 },
      rate_limit_wait: 600,
      seed: 0,
      answer_ms: { lo: 10, hi: 10 }
    }
    const run = await simulate(workload)
    expect(checkRun(run)).toEqual([])
    const hooksReads = run.received.filter((request) => request.route.endsWith('/hooks')).map((request) => request.at - run.received[0].at)
    expect(hooksReads[0]).toBeLessThanOrEqual(20)
  })
})
