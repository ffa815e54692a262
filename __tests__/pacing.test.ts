/**
 * The pacing layer (src/github/pacing.ts): the sliding-window budgets, the routes, and the Pacer's answers
 * to GitHub's refusals, first in-process with a stand-in `fetch` (exact send times), then end to end:
 * the bundled action against the emulator with GitHub's limits enforced (emulator/limits.ts), at
 * GitHub's own pace (`ghes_rate_limit_factor: 1`).
 */
import { describe, expect, test } from '@jest/globals'
import { runStep } from '../emulator/runner.js'
import {
  busiestMinute,
  isHookCreation,
  mostInWindow,
  Pacer,
  pacingBudget,
  pointsOf,
  RateLimitStop,
  routeOf,
  WindowLedger
} from '../src/github/pacing.js'
import { emulator, receiver, useEmulator } from './helpers/emulator.js'

const SECRET = 'pacing-s3cret'
const REPOS = ['octo-org/svc-a', 'octo-org/svc-b', 'octo-org/svc-c', 'octo-org/svc-d']
useEmulator({ repos: ['octo-org/hello-world', ...REPOS] }, SECRET)

/** The most of `at` (ms) that fall within any `window` ms. */
const mostAt = (at: readonly number[], window: number): number =>
  mostInWindow(
    at.map((time) => ({ at: time, weight: 1 })),
    window
  )

describe('budgets', () => {
  test('a sliding-window ledger lets no window hold more than its limit, and a request waits exactly until the entry that blocks it leaves', () => {
    const ledger = new WindowLedger(10, 1000)
    const at: number[] = []
    let now = 0
    for (let n = 0; n < 40; n++) {
      now = ledger.fitsAt(now, 3)
      ledger.add(now, 3)
      at.push(now, now, now)
    }
    expect(mostAt(at, 1000)).toBeLessThanOrEqual(10)
    // 3 + 3 + 3 at 0; the fourth fits once the first leaves at 1000, not sooner, not later.
    expect(at.slice(0, 12).filter((_, i) => i % 3 === 0)).toEqual([0, 0, 0, 1000])
    const settled = new WindowLedger(100, 1000)
    const entry = settled.add(0, 90)
    expect(settled.fitsAt(0, 20)).toBe(1000)
    settled.settle(entry, 10)
    expect(settled.fitsAt(0, 20)).toBe(0)
    expect(settled.fitsAt(0, 101)).toBe(Infinity)
  })

  test("GitHub's figures with their margins; the factor scales them (GitHub Enterprise Server)", () => {
    expect(pacingBudget()).toEqual({
      concurrency: 10,
      points_per_minute: 855,
      response_ms_per_minute: 81_000,
      creations_per_minute: 72,
      creations_per_hour: 500,
      write_spacing_ms: 1000
    })
    expect(pacingBudget(10)).toMatchObject({ points_per_minute: 8550, write_spacing_ms: 100 })
  })

  test('points, routes and creations', () => {
    expect(['GET', 'head', 'OPTIONS'].map(pointsOf)).toEqual([1, 1, 1])
    expect(['POST', 'PATCH', 'PUT', 'DELETE'].map(pointsOf)).toEqual([5, 5, 5, 5])
    const api = 'https://api.github.com'
    expect(routeOf('https://api.github.com/repos/octo-org/svc-a/hooks?per_page=100', api)).toBe('/repos/{owner}/{repo}/hooks')
    expect(routeOf('https://api.github.com/repositories/1296269/hooks?page=2', api)).toBe('/repos/{owner}/{repo}/hooks')
    expect(routeOf('https://api.github.com/repos/o/r/hooks/12/deliveries/34/attempts', api)).toBe(
      '/repos/{owner}/{repo}/hooks/{id}/deliveries/{id}/attempts'
    )
    expect(routeOf('https://api.github.com/organizations/9919/repos?page=3', api)).toBe('/orgs/{org}/repos')
    expect(routeOf('https://ghes.example.com/api/v3/orgs/octo-org/hooks/7/pings', 'https://ghes.example.com/api/v3')).toBe(
      '/orgs/{org}/hooks/{id}/pings'
    )
    expect(isHookCreation('POST', '/repos/{owner}/{repo}/hooks')).toBe(true)
    expect(isHookCreation('POST', '/orgs/{org}/hooks')).toBe(true)
    expect(isHookCreation('POST', '/repos/{owner}/{repo}/hooks/{id}/pings')).toBe(false)
    expect(isHookCreation('PATCH', '/repos/{owner}/{repo}/hooks')).toBe(false)
  })

  test('the busiest minute: per route for points, over all routes for response time', () => {
    const sent = [
      { at: 0, route: '/a', points: 5, response_ms: 100 },
      { at: 30_000, route: '/a', points: 1, response_ms: 100 },
      { at: 59_999, route: '/b', points: 5, response_ms: 300 },
      { at: 61_000, route: '/a', points: 1, response_ms: 100 }
    ]
    expect(busiestMinute(sent)).toEqual({ points: 6, route: '/a', response_ms: 500 })
  })
})

/** GitHub's answers, as a stand-in `fetch` gives them. */
const ok = (headers: Record<string, string> = {}) => new Response('[]', { status: 200, headers })
const secondary = (
  status: 403 | 429,
  retryAfter?: number,
  message = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'
) => new Response(JSON.stringify({ message }), { status, headers: retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) } })

/** A Pacer over a stand-in `fetch` that answers with `answer(n)` for the nth request (from 0), recording when each was sent. */
function paced(
  answer: (n: number, url: string, method: string) => Response,
  options: { budget?: Partial<ReturnType<typeof pacingBudget>>; rate_limit_wait?: number } = {}
) {
  const sent: { at: number; url: string; method: string }[] = []
  const waits: string[] = []
  const pacer = new Pacer({
    api_url: 'https://api.github.com',
    budget: { ...pacingBudget(), ...options.budget },
    rate_limit_wait: options.rate_limit_wait ?? 600,
    onWait: (message) => waits.push(message)
  })
  const fetch = pacer.fetch(async (input, init) => {
    const url = String(input)
    sent.push({ at: Date.now(), url, method: init?.method ?? 'GET' })
    return answer(sent.length - 1, url, init?.method ?? 'GET')
  })
  const call = (path: string, method = 'GET', signal?: AbortSignal) => fetch(`https://api.github.com${path}`, { method, signal })
  return { pacer, sent, waits, call }
}

describe('the Pacer', () => {
  test('writes are sent one at a time, each at least the spacing after the last', async () => {
    const { pacer, sent, call } = paced(() => ok(), { budget: { write_spacing_ms: 300 } })
    await Promise.all(['a', 'b', 'c', 'd'].map((repo) => call(`/repos/o/${repo}/hooks/1`, 'PATCH')))
    await pacer.close()
    const gaps = sent.slice(1).map((request, i) => request.at - sent[i].at)
    expect(gaps.every((gap) => gap >= 300)).toBe(true)
  })

  test('a secondary limit pauses every request, not only the refused one, for retry-after; then the run goes on more slowly', async () => {
    const { pacer, sent, waits, call } = paced((n) => (n === 0 ? secondary(403, 1) : ok()))
    const first = call('/repos/o/a/hooks')
    await new Promise((resolve) => setTimeout(resolve, 50)) // the refusal is in
    const others = Promise.all(['b', 'c', 'd'].map((repo) => call(`/repos/o/${repo}/hooks`)))
    expect((await first).status).toBe(200)
    await others
    await pacer.close()
    const refusedAt = sent[0].at
    expect(sent.slice(1).every((request) => request.at >= refusedAt + 1000)).toBe(true)
    expect(waits).toEqual([
      expect.stringMatching(/^GitHub's secondary rate limit: GitHub answered 403 .* with retry-after: 1; every request waits 1 s/)
    ])
    expect(pacer.stats()).toMatchObject({ refusals: { secondary: 1 }, waited_s: { secondary: 1 }, budget: { concurrency: 5 } })
  })

  test('a 429 without retry-after waits 60 s (GitHub: "at least one minute"); a poll bounded by a signal ends its wait', async () => {
    const { pacer, waits, call } = paced((n) => (n === 0 ? new Response('{"message":"Too Many Requests"}', { status: 429 }) : ok()))
    const abort = new AbortController()
    const poll = call('/repos/o/a/hooks/1/deliveries', 'GET', abort.signal)
    while (waits.length === 0) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(waits[0]).toMatch(/answered 429 "Too Many Requests" without retry-after; every request waits 60 s/)
    expect(pacer.pausedUntil()?.until).toBeGreaterThan(Date.now() + 55_000)
    abort.abort()
    await expect(poll).rejects.toThrow()
    await pacer.close()
  })

  test('four refusals in a row stop the run: every later request is refused at once, with when to run again', async () => {
    const { pacer, sent, call } = paced(() => secondary(403, 0))
    const refused = await call('/repos/o/a/hooks').catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(RateLimitStop)
    expect((refused as Error).message).toMatch(/4 refusals in a row; GitHub answered 403 .* Run again after \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\.$/)
    expect(sent).toHaveLength(4)
    await expect(call('/repos/o/b/hooks')).rejects.toBeInstanceOf(RateLimitStop)
    expect(sent).toHaveLength(4)
    expect((refused as { status?: number }).status).toBeUndefined() // nobody takes it for an answer of GitHub's
    await pacer.close()
  })

  test('the primary budget: nothing is sent that would use the last request; the reset is waited for within rate_limit_wait', async () => {
    const reset = Math.ceil(Date.now() / 1000) + 1
    const { pacer, sent, waits, call } = paced((n) => ok(n === 0 ? { 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': String(reset) } : {}))
    await call('/repos/o/a/hooks')
    await call('/repos/o/b/hooks')
    await pacer.close()
    expect(sent[1].at).toBeGreaterThanOrEqual(reset * 1000)
    expect(waits[0]).toMatch(/^GitHub's primary rate limit .*: 1 request left; every request waits for the reset/)
  })

  test('the primary budget with a reset beyond rate_limit_wait: the run stops, naming the time to run again', async () => {
    const reset = Math.ceil(Date.now() / 1000) + 3600
    const { pacer, sent, call } = paced(() => ok({ 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': String(reset) }), { rate_limit_wait: 600 })
    await call('/repos/o/a/hooks')
    const stopped = await call('/repos/o/b/hooks').catch((error: unknown) => error)
    await pacer.close()
    expect(sent).toHaveLength(1)
    expect(stopped).toBeInstanceOf(RateLimitStop)
    expect((stopped as Error).message).toContain(`Run again after ${new Date(reset * 1000 + 1000).toISOString().slice(0, 19).replace('T', ' ')} UTC.`)
  })

  test('a content-creation block beyond rate_limit_wait stops hook creations only; reads and other writes go on', async () => {
    const blocked =
      'You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.'
    const { pacer, sent, call } = paced((_n, url, method) => (method === 'POST' && url.endsWith('/hooks') ? secondary(403, 300, blocked) : ok()), {
      budget: { write_spacing_ms: 10 },
      rate_limit_wait: 60
    })
    await expect(call('/repos/o/a/hooks', 'POST')).rejects.toThrow(/content-creation limit.*Hook creations stopped; other requests go on/)
    await expect(call('/repos/o/b/hooks', 'POST')).rejects.toBeInstanceOf(RateLimitStop)
    expect((await call('/repos/o/b/hooks')).status).toBe(200)
    expect((await call('/repos/o/b/hooks/1', 'PATCH')).status).toBe(200)
    expect(sent.map((request) => request.method)).toEqual(['POST', 'GET', 'PATCH'])
    expect(pacer.stop()).toBeUndefined()
    await pacer.close()
  })
})

test('a content-creation block that keeps coming back stops creations after 4 refusals in a row; reads go on', async () => {
  const blocked =
    'You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.'
  const { pacer, sent, call } = paced((_n, url, method) => (method === 'POST' && url.endsWith('/hooks') ? secondary(403, 0, blocked) : ok()), {
    budget: { write_spacing_ms: 10 }
  })
  await expect(call('/repos/o/a/hooks', 'POST')).rejects.toThrow(/content-creation limit.*4 refusals in a row/)
  expect(sent.filter((request) => request.method === 'POST')).toHaveLength(4)
  expect((await call('/repos/o/a/hooks')).status).toBe(200)
  expect(pacer.stop()).toBeUndefined()
  await pacer.close()
})

test('a content-creation block of a minute or less is waited out by the creations alone', async () => {
  const blocked =
    'You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.'
  const { pacer, sent, waits, call } = paced((n) => (n === 0 ? secondary(403, 1, blocked) : ok()), { budget: { write_spacing_ms: 10 } })
  const created = call('/repos/o/a/hooks', 'POST')
  await new Promise((resolve) => setTimeout(resolve, 100))
  expect((await call('/repos/o/a/hooks')).status).toBe(200) // a read is not held
  expect((await created).status).toBe(200)
  await pacer.close()
  expect(sent.map((request) => request.method)).toEqual(['POST', 'GET', 'POST'])
  expect(sent[2].at - sent[0].at).toBeGreaterThanOrEqual(1000)
  expect(waits[0]).toMatch(/content-creation limit .*hook creations wait 1 s/)
})

describe('end to end, the bundled action at GitHub pace against GitHub limits', () => {
  const fleet = { token: 'test-token', api_url: emulator?.url ?? '', ghes_rate_limit_factor: '1' }
  const step = (inputs: Record<string, string>) => runStep({ ...fleet, api_url: emulator.url, ...inputs })

  test('a first rollout and its rerun over a fleet: 0 refusals, creations 1 s apart, verified by GitHub’s creation pings, the rerun all GETs', async () => {
    emulator.setLimits({ pointsPerMinute: 900, concurrency: 100, responseMsPerMinute: 90_000, creationsPerMinute: 80, creationsPerHour: 500 })
    const first = await step({ operation: 'ensure', repositories: 'octo-org/svc-*', url: receiver.url, secret: SECRET, events: 'push' })
    expect(first.exitCode).toBe(0)
    expect(first.outputs.result_counts).toBe(JSON.stringify({ created: 4 }))
    const posts = emulator.requests.filter((request) => request.method !== 'GET')
    expect(posts.map((request) => request.path).sort()).toEqual(REPOS.map((repo) => `/repos/${repo}/hooks`).sort())
    // One second apart as sent (the in-process tests measure it exactly); as received, a busy machine
    // may delay one arrival, so the span of the four is checked with room for that (unpaced: ~30 ms).
    const span = (posts.at(-1)?.receivedAt ?? 0) - (posts[0].receivedAt ?? 0)
    expect(span).toBeGreaterThanOrEqual(3 * 1000 - 500)
    expect(first.stdout).toMatch(
      /Paced: \d+ requests \(\d+ points\) in [\d.]+ s; busiest minute: \d+ points on \S+ \(GitHub allows 900 per endpoint\)/
    )
    expect(first.summary).toContain('⏱️ Paced:')
    const rerun = await step({ operation: 'ensure', repositories: 'octo-org/svc-*', url: receiver.url, secret: SECRET, events: 'push' })
    expect(rerun.outputs.result_counts).toBe(JSON.stringify({ unchanged: 4 }))
    expect(emulator.limitStats().refusals).toBe(0)
  })

  test('GitHub refuses (a points limit): the run pauses for retry-after, sends nothing meanwhile, and stops after 4 refusals saying when to run again', async () => {
    emulator.setLimits({ pointsPerMinute: 2, retryAfterSeconds: 1 })
    const run = await step({ operation: 'list', repository: 'octo-org/hello-world', retries: '0' })
    const later = await step({ operation: 'list', repository: 'octo-org/hello-world' })
    expect(run.exitCode).toBe(0) // within its budget of 2 points
    expect(later.exitCode).toBe(0)
    const third = await step({ operation: 'list', repository: 'octo-org/hello-world' })
    expect(third.exitCode).toBe(1)
    expect(third.stdout).toMatch(/::error::GitHub's secondary rate limit: 4 refusals in a row; GitHub answered 403 .*Run again after/)
    expect(emulator.limitStats()).toMatchObject({ refusals: 4, sentDuringPenalty: 0 })
  })

  test('the primary budget runs out: the run waits for the reset and finishes, with 0 refusals', async () => {
    emulator.setLimits({ primaryLimit: 4, primaryResetSeconds: 2 })
    const run = await step({ operation: 'list', repositories: 'octo-org/svc-*' })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.result_counts).toBe(JSON.stringify({ listed: 4 }))
    expect(run.stdout).toMatch(/::warning::GitHub's primary rate limit .*every request waits for the reset/)
    expect(emulator.limitStats().refusals).toBe(0)
  })

  test('a long wait logs a progress line at least every 10 s, saying what the run waits for', async () => {
    emulator.setLimits({ primaryLimit: 4, primaryResetSeconds: 15 })
    const run = await step({ operation: 'list', repositories: 'octo-org/svc-*' })
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toMatch(/^Still running: \d of 4 done, \d+ requests sent; waiting until .* UTC for GitHub's primary rate limit/m)
  })

  test('the primary budget runs out beyond rate_limit_wait: the rest is skipped, and the step fails saying when to run again', async () => {
    emulator.setLimits({ primaryLimit: 3, primaryResetSeconds: 3600 })
    const run = await step({ operation: 'list', repositories: 'octo-org/svc-*', rate_limit_wait: '60' })
    expect(run.exitCode).toBe(1)
    const results = JSON.parse(run.outputs.results) as { result: string }[]
    expect(results.filter((result) => result.result === 'skipped').length).toBeGreaterThan(0)
    expect(run.stdout).toMatch(
      /::error::\d+ of 4 not done: GitHub's primary rate limit .*beyond rate_limit_wait \(60 s\); stopped\. Run again after /
    )
    expect(emulator.limitStats().refusals).toBe(0)
  })

  test('blocked from content creation: creations are skipped (rerun to continue), the fleet’s reads go on', async () => {
    emulator.setLimits({ refuseCreations: true, retryAfterSeconds: 300 })
    const run = await step({ operation: 'ensure', repositories: 'octo-org/svc-*', url: receiver.url, secret: SECRET, rate_limit_wait: '60' })
    const results = JSON.parse(run.outputs.results) as { result: string; error?: string }[]
    expect(results.map((result) => result.result)).toEqual(['skipped', 'skipped', 'skipped', 'skipped'])
    expect(results[0].error).toMatch(/content-creation limit/)
    // Work left undone fails the step, saying when to run again (it exited 0: hostile review of issue 25).
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(
      /::error::4 of 4 not done: GitHub's content-creation limit .*Hook creations stopped; other requests go on\. Run again after /
    )
    expect(emulator.requests.filter((request) => request.method === 'POST')).toHaveLength(1)
    expect(emulator.requests.filter((request) => request.method === 'GET' && request.path.endsWith('/hooks'))).toHaveLength(4)
  })

  test('a pause longer than what is left of wait_timeout ends the wait for a delivery at once, saying GitHub asked to wait', async () => {
    const hook = emulator.addHook({ owner: 'octo-org', repo: 'hello-world' }, { url: receiver.url, secret: SECRET })
    // The ping's own requests (the newest delivery, the POST, the first poll) leave one request of the
    // budget, whose reset is a minute away: the next read would use the last one.
    emulator.setLimits({ primaryLimit: 4, primaryResetSeconds: 60 })
    const run = await step({ operation: 'ping', repository: 'octo-org/hello-world', hook_id: String(hook.id), wait_timeout: '20' })
    expect(emulator.requests.map((request) => request.method)).toEqual(['GET', 'POST', 'GET'])

    expect(run.stdout).toMatch(
      /The wait for the delivery ended: GitHub's primary rate limit .* asked to wait until .* past wait_timeout; not waiting through it/
    )
  })
})
