/**
 * GitHub's documented REST rate limits in the emulator (`limits` option, `Emulator.setLimits`,
 * `Emulator.limitStats`, emulator/limits.ts), over real HTTP on 127.0.0.1 with the global fetch: each
 * rule's refusal answer (status, GitHub's message, `retry-after`, `x-ratelimit-*`) and that a refused
 * request has no effect, the penalty, the primary budget coming back, the route keys, and the stats.
 * Budgets are tiny so that nothing waits for a real minute; the sliding windows themselves are
 * checked on the enforcer with synthetic times. The shared fixture validates every handled answer
 * against the OpenAPI description and each test ends with no violation recorded.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, test } from '@jest/globals'
import { RateLimitMeter } from '../emulator/faults.js'
import { LimitEnforcer, isHookCreation, pointsOf, type LimitRules } from '../emulator/limits.js'
import { GITHUB_LIMITS, githubLimits, routeKey, startEmulator, type Emulator } from '../emulator/server.js'
import { emulator, callApi, rateLimitOf, useEmulator, type Answer } from './helpers/emulator.js'

const TOKEN = 'test-token'
const REPO = { owner: 'octo-org', repo: 'hello-world' }
const ORG = { org: 'octo-org' }
const HOOKS = '/repos/octo-org/hello-world/hooks'
const ORG_HOOKS = '/orgs/octo-org/hooks'
const REPO_ROUTE = '/repos/{owner}/{repo}/hooks'
const SECONDARY_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits'
const PRIMARY_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits'
const SECONDARY_MESSAGE = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'
const CREATION_MESSAGE =
  'You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.'

useEmulator({}, 'limits-s3cret')

/** Calls an emulator (default: the fixture's) as TOKEN; `path` is relative to its root. */
const call = (method: string, path: string, body?: unknown, target: Emulator = emulator): Promise<Answer> =>
  callApi(target.url, method, path, { body, token: TOKEN, headers: { 'X-GitHub-Api-Version': '2022-11-28' } })

const list = (path = HOOKS): Promise<Answer> => call('GET', path)
let serial = 0
/** Creates a hook (a new URL each time, so no 422 for a duplicate) on the repository or, with ORG_HOOKS, the organization. */
const create = (path = HOOKS, target: Emulator = emulator): Promise<Answer> =>
  call('POST', path, { name: 'web', events: ['push'], config: { url: `https://example.com/hook/${++serial}` } }, target)

/** Expects GitHub's secondary-rate-limit answer. */
function expectSecondary(answer: Answer, status: 403 | 429 = 403, message = SECONDARY_MESSAGE): void {
  expect(answer.status).toBe(status)
  expect(answer.body).toEqual({ message, documentation_url: SECONDARY_DOCS, status: String(status) })
  expect(answer.body.message).toMatch(/\bsecondary rate\b/i) // what @octokit/plugin-throttling looks for
  expect(answer.headers.get('x-github-api-version-selected')).toBe('2022-11-28')
  expect(Number(answer.headers.get('x-ratelimit-remaining'))).toBeGreaterThan(0) // not taken for a primary limit
}

const refusals = (): Array<string | undefined> => emulator.requests.map((r) => r.refusal)

describe('routeKey', () => {
  test.each([
    ['/repos/octo-org/hello-world/hooks', REPO_ROUTE],
    ['/api/v3/repos/octo-org/hello-world/hooks?per_page=100', REPO_ROUTE],
    ['/repositories/1296269/hooks?page=2', REPO_ROUTE],
    ['https://api.github.com/repositories/1296269/hooks?page=2', REPO_ROUTE],
    ['http://127.0.0.1:1234/api/v3/repos/Other/Repo/hooks/', REPO_ROUTE],
    ['/repos/o/r/hooks/12/deliveries/34/attempts', '/repos/{owner}/{repo}/hooks/{id}/deliveries/{id}/attempts'],
    ['/repos/o/r', '/repos/{owner}/{repo}'],
    ['/orgs/octo-org/hooks/7/config', '/orgs/{org}/hooks/{id}/config'],
    ['/organizations/9919/repos?page=3', '/orgs/{org}/repos'],
    ['/orgs/octo-org/properties/values', '/orgs/{org}/properties/values'],
    ['/users/octocat/repos', '/users/{username}/repos'],
    ['/user/583231/repos?page=2', '/users/{username}/repos'],
    ['/app/hook/deliveries/5', '/app/hook/deliveries/{id}'],
    ['/app/hook/config', '/app/hook/config'],
    ['/api/v3', '/'],
    ['/', '/']
  ])('%s → %s', (path, key) => {
    expect(routeKey(path)).toBe(key)
  })

  test('points and hook creations', () => {
    expect(['GET', 'head', 'OPTIONS', 'POST', 'patch', 'PUT', 'DELETE'].map(pointsOf)).toEqual([1, 1, 1, 5, 5, 5, 5])
    expect(isHookCreation('post', REPO_ROUTE)).toBe(true)
    expect(isHookCreation('POST', '/orgs/{org}/hooks')).toBe(true)
    expect(isHookCreation('GET', REPO_ROUTE)).toBe(false)
    expect(isHookCreation('POST', '/repos/{owner}/{repo}/hooks/{id}/pings')).toBe(false)
    expect(isHookCreation('POST', '/app/hook/deliveries/{id}/attempts')).toBe(false)
  })
})

describe('without limits (the default)', () => {
  test('nothing is refused; every request is recorded with its times and route; limitStats on a hand-computed mix', async () => {
    const before = Date.now()
    expect((await list()).status).toBe(200) // 1 point on REPO_ROUTE
    const hook = (await create()).body // 5, creation
    expect((await create()).status).toBe(201) // 5, creation
    expect((await call('GET', `${HOOKS}/${hook.id}`)).status).toBe(200) // 1 on …/hooks/{id}
    expect((await call('PATCH', `${HOOKS}/${hook.id}`, { active: false })).status).toBe(200) // 5 on …/hooks/{id}
    expect((await create(ORG_HOOKS)).status).toBe(201) // 5 on /orgs/{org}/hooks, creation
    expect((await callApi(emulator.ghesUrl, 'GET', `${HOOKS}?per_page=1`, { token: TOKEN })).status).toBe(200) // 1 on REPO_ROUTE
    const after = Date.now()

    expect(emulator.requests.map((r) => r.route)).toEqual([
      REPO_ROUTE,
      REPO_ROUTE,
      REPO_ROUTE,
      '/repos/{owner}/{repo}/hooks/{id}',
      '/repos/{owner}/{repo}/hooks/{id}',
      '/orgs/{org}/hooks',
      REPO_ROUTE
    ])
    for (const r of emulator.requests) {
      expect(r.refusal).toBeUndefined()
      expect(r.receivedAt).toBeGreaterThanOrEqual(before)
      expect(r.answeredAt).toBeGreaterThanOrEqual(r.receivedAt ?? Infinity)
      expect(r.answeredAt).toBeLessThanOrEqual(after)
    }
    const responseMs = emulator.requests.reduce((sum, r) => sum + (r.answeredAt ?? 0) - (r.receivedAt ?? 0), 0)
    expect(emulator.limitStats()).toEqual({
      requests: 7,
      points: 23,
      refusals: 0,
      refusalsByKind: {},
      sentDuringPenalty: 0,
      busiestMinutePoints: 12,
      busiestMinuteRoute: REPO_ROUTE,
      busiestMinuteResponseMs: responseMs,
      peakConcurrency: 1,
      creationsBusiestMinute: 3,
      creationsBusiestHour: 3
    })
  })

  test('no budget is enforced; the x-ratelimit-* headers count as before', async () => {
    const answers: Answer[] = []
    for (let i = 0; i < 3; i++) answers.push(await create())
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201])
    expect(rateLimitOf(answers[2])).toMatchObject({ limit: 5000, remaining: 4997, used: 3, resource: 'core' })
  })

  test('peakConcurrency and busiestMinuteResponseMs of overlapping slow requests', async () => {
    emulator.setFaults({ slowEvery: 1, slowMs: 150 })
    const answers = await Promise.all([list(), list(), list(), list(ORG_HOOKS)])
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200])
    const stats = emulator.limitStats()
    expect(stats).toMatchObject({ requests: 4, points: 4, peakConcurrency: 4, busiestMinutePoints: 3, busiestMinuteRoute: REPO_ROUTE })
    expect(stats.busiestMinuteResponseMs).toBeGreaterThanOrEqual(4 * 140) // each waited at least its 150 ms
  })

  test('reset() and setLimits() clear the stats', async () => {
    await list()
    expect(emulator.limitStats().requests).toBe(1)
    emulator.setLimits(undefined)
    expect(emulator.limitStats()).toMatchObject({ requests: 0, points: 0, busiestMinuteRoute: '', peakConcurrency: 0 })
    await list()
    emulator.reset()
    expect(emulator.limitStats().requests).toBe(0)
  })
})

describe('points per route per minute', () => {
  test('over the budget: 403, the secondary message, retry-after 60, the request has no effect, refused points count in the stats', async () => {
    emulator.setLimits({ pointsPerMinute: 10 })
    expect((await create()).status).toBe(201)
    expect((await create()).status).toBe(201) // 10 points: at the budget, still accepted
    const refused = await create()
    expectSecondary(refused)
    expect(refused.headers.get('retry-after')).toBe('60')
    expect(rateLimitOf(refused)).toEqual({ limit: 5000, remaining: 4997, used: 3, reset: rateLimitOf(refused).reset, resource: 'core' }) // counted
    expect(emulator.hooks(REPO)).toHaveLength(2)
    expect(refusals()).toEqual([undefined, undefined, 'points'])
    expect(emulator.requests[2]).toMatchObject({ method: 'POST', status: 403, route: REPO_ROUTE, refusal: 'points' })
    expect(emulator.limitStats()).toMatchObject({
      requests: 3,
      points: 15,
      refusals: 1,
      refusalsByKind: { points: 1 },
      sentDuringPenalty: 0,
      busiestMinutePoints: 15,
      creationsBusiestMinute: 3
    })
  })

  test('one key per route template: /repositories/{id}/… and /api/v3 share it; other routes have their own budget', async () => {
    emulator.setLimits({ pointsPerMinute: 3, retryAfterSeconds: 0 }) // retry-after 0: no penalty
    expect((await list()).status).toBe(200)
    expect((await list(`${HOOKS}?per_page=5`)).status).toBe(200)
    expect((await callApi(emulator.ghesUrl, 'GET', HOOKS, { token: TOKEN })).status).toBe(200) // 3 points on REPO_ROUTE
    const viaId = await list('/repositories/1296269/hooks?page=2')
    expectSecondary(viaId)
    expect(viaId.headers.get('retry-after')).toBe('0')
    expectSecondary(await callApi(emulator.ghesUrl, 'GET', HOOKS, { token: TOKEN, headers: { 'X-GitHub-Api-Version': '2022-11-28' } }))
    expect((await list(`${HOOKS}/1`)).status).toBe(404) // …/hooks/{id}: its own budget
    expect((await list(ORG_HOOKS)).status).toBe(200)
    expect(refusals()).toEqual([undefined, undefined, undefined, 'points', 'points', undefined, undefined])
    expect(emulator.requests.map((r) => r.route)).toEqual([
      REPO_ROUTE,
      REPO_ROUTE,
      REPO_ROUTE,
      REPO_ROUTE,
      REPO_ROUTE,
      '/repos/{owner}/{repo}/hooks/{id}',
      '/orgs/{org}/hooks'
    ])
  })
})

describe('penalty after a secondary refusal', () => {
  test('every request before retry-after has passed is refused with the same answer and counted; afterwards only the rules apply', async () => {
    emulator.setLimits({ pointsPerMinute: 1, retryAfterSeconds: 1 })
    expect((await list()).status).toBe(200)
    const refused = await list()
    expectSecondary(refused)
    expect(refused.headers.get('retry-after')).toBe('1')
    const during = await create(ORG_HOOKS) // another route, within budget, but sent during the penalty
    expectSecondary(during)
    expect(during.headers.get('retry-after')).toBe('1')
    expect(emulator.hooks(ORG)).toEqual([])
    await sleep(1100)
    expect((await list(ORG_HOOKS)).status).toBe(200) // the penalty is over
    expectSecondary(await list()) // the repository list is still over its budget
    expect(refusals()).toEqual([undefined, 'points', 'penalty', undefined, 'points'])
    expect(emulator.limitStats()).toMatchObject({ refusals: 3, refusalsByKind: { points: 2, penalty: 1 }, sentDuringPenalty: 1 })
  })

  test('retryAfterSeconds: null sends no retry-after (the penalty is then 60 s); secondaryStatus: 429', async () => {
    emulator.setLimits({ pointsPerMinute: 1, retryAfterSeconds: null, secondaryStatus: 429 })
    expect((await list()).status).toBe(200)
    const refused = await list()
    expectSecondary(refused, 429)
    expect(refused.headers.get('retry-after')).toBeNull()
    const during = await list(ORG_HOOKS)
    expectSecondary(during, 429)
    expect(during.headers.get('retry-after')).toBeNull()
    expect(refusals()).toEqual([undefined, 'points', 'penalty'])
    expect(emulator.limitStats().sentDuringPenalty).toBe(1)
  })
})

describe('concurrency', () => {
  test('a request arriving while `concurrency` are in flight is refused and has no effect (limits given as an option)', async () => {
    const slowed = await startEmulator({ latencyMs: 300, validate: true, limits: { concurrency: 2 } })
    try {
      const answers = await Promise.all([create(HOOKS, slowed), create(HOOKS, slowed), create(HOOKS, slowed)])
      expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 403])
      const refused = answers.find((a) => a.status === 403) as Answer
      expectSecondary(refused)
      expect(refused.headers.get('retry-after')).toBe('60')
      expect(slowed.hooks(REPO)).toHaveLength(2)
      expect(slowed.requests.map((r) => r.refusal).filter(Boolean)).toEqual(['concurrency'])
      expect(slowed.limitStats()).toMatchObject({ peakConcurrency: 3, refusals: 1, refusalsByKind: { concurrency: 1 } })
      // reset() comes back to the options' limits, not to none.
      slowed.reset()
      await Promise.all([create(HOOKS, slowed), create(HOOKS, slowed), create(HOOKS, slowed)])
      expect(slowed.requests.map((r) => r.refusal).filter(Boolean)).toEqual(['concurrency'])
      expect(slowed.violations).toEqual([])
    } finally {
      await slowed.close()
    }
  })
})

describe('response time per minute', () => {
  test('once the answered requests of the last minute took more than the budget, new requests are refused', async () => {
    emulator.setLimits({ responseMsPerMinute: 100, retryAfterSeconds: 0 })
    emulator.setFaults({ slowEvery: 1, slowMs: 200, times: 1 })
    expect((await list()).status).toBe(200) // took ≥ 200 ms
    expectSecondary(await list())
    expectSecondary(await create())
    expect(emulator.hooks(REPO)).toEqual([])
    expect(refusals()).toEqual([undefined, 'responseTime', 'responseTime'])
    expect(emulator.limitStats().busiestMinuteResponseMs).toBeGreaterThanOrEqual(190)
  })
})

describe('content creation', () => {
  test('creationsPerMinute: hook creations (repository and organization together) past it get the content-creation block; other requests go on', async () => {
    emulator.setLimits({ creationsPerMinute: 2 })
    expect((await create()).status).toBe(201)
    expect((await create(ORG_HOOKS)).status).toBe(201)
    const blocked = await create()
    expectSecondary(blocked, 403, CREATION_MESSAGE)
    expect(blocked.headers.get('retry-after')).toBe('60')
    const hook = emulator.hooks(REPO)[0]
    expect((await list()).status).toBe(200)
    expect((await call('PATCH', `${HOOKS}/${hook.id}`, { active: false })).status).toBe(200)
    expectSecondary(await create(ORG_HOOKS), 403, CREATION_MESSAGE) // during the creation penalty
    expect(emulator.hooks(REPO)).toHaveLength(1)
    expect(emulator.hooks(ORG)).toHaveLength(1)
    expect(refusals()).toEqual([undefined, undefined, 'creationsPerMinute', undefined, undefined, 'creationPenalty'])
    expect(emulator.limitStats()).toMatchObject({
      refusals: 2,
      refusalsByKind: { creationsPerMinute: 1, creationPenalty: 1 },
      sentDuringPenalty: 1,
      creationsBusiestMinute: 4,
      creationsBusiestHour: 4
    })
  })

  test('creationsPerHour', async () => {
    emulator.setLimits({ creationsPerMinute: 10, creationsPerHour: 1, retryAfterSeconds: 0 })
    expect((await create()).status).toBe(201)
    expectSecondary(await create(ORG_HOOKS), 403, CREATION_MESSAGE)
    expectSecondary(await create(), 403, CREATION_MESSAGE)
    expect(refusals()).toEqual([undefined, 'creationsPerHour', 'creationsPerHour'])
    expect(emulator.hooks(ORG)).toEqual([])
  })

  test('refuseCreations blocks every creation and nothing else', async () => {
    emulator.setLimits({ refuseCreations: true, secondaryStatus: 429, retryAfterSeconds: 5 })
    const blocked = await create()
    expectSecondary(blocked, 429, CREATION_MESSAGE)
    expect(blocked.headers.get('retry-after')).toBe('5')
    expect((await list()).status).toBe(200)
    expect(refusals()).toEqual(['refuseCreations', undefined])
    expect(emulator.hooks(REPO)).toEqual([])
  })
})

describe('refuseAll', () => {
  test('every request gets the secondary limit', async () => {
    emulator.setLimits({ refuseAll: true, retryAfterSeconds: 0 })
    expectSecondary(await list())
    expectSecondary(await create())
    expect(emulator.hooks(REPO)).toEqual([])
    expect(refusals()).toEqual(['refuseAll', 'refuseAll'])
  })

  test('with the default retry-after, the refusals after the first are penalty ones', async () => {
    emulator.setLimits({ refuseAll: true })
    expectSecondary(await list())
    expectSecondary(await list())
    expect(emulator.limitStats()).toMatchObject({ refusalsByKind: { refuseAll: 1, penalty: 1 }, sentDuringPenalty: 1 })
  })
})

describe('primary budget', () => {
  test('enforced once limits are set: 403, remaining 0, reset at the end of the window, no retry-after; back after primaryResetSeconds', async () => {
    emulator.setLimits({ primaryLimit: 3, primaryResetSeconds: 2 })
    const ok: Answer[] = []
    for (let i = 0; i < 3; i++) ok.push(await list())
    expect(ok.map((a) => [a.status, rateLimitOf(a).remaining, rateLimitOf(a).used])).toEqual([
      [200, 2, 1],
      [200, 1, 2],
      [200, 0, 3]
    ])
    const { reset } = rateLimitOf(ok[0])
    expect(rateLimitOf(ok[0]).limit).toBe(3)
    const refused = await list()
    expect(refused.status).toBe(403)
    expect(refused.body).toEqual({ message: 'API rate limit exceeded for user ID 583231.', documentation_url: PRIMARY_DOCS, status: '403' })
    expect(refused.body.message).not.toMatch(/\bsecondary rate\b/i)
    expect(refused.headers.get('retry-after')).toBeNull()
    expect(rateLimitOf(refused)).toEqual({ limit: 3, remaining: 0, used: 3, reset, resource: 'core' })
    expect((await create()).status).toBe(403)
    expect(emulator.hooks(REPO)).toEqual([])
    expect(refusals()).toEqual([undefined, undefined, undefined, 'primary', 'primary'])

    await sleep(Math.max(0, reset * 1000 - Date.now()) + 20) // at most 2 s
    const back = await create()
    expect(back.status).toBe(201)
    expect(rateLimitOf(back)).toMatchObject({ limit: 3, remaining: 2, used: 1 })
    expect(rateLimitOf(back).reset).toBeGreaterThan(reset)
  })

  test('primaryStatus: 429', async () => {
    emulator.setLimits({ primaryLimit: 1, primaryStatus: 429 })
    expect((await list()).status).toBe(200)
    const refused = await list()
    expect(refused.status).toBe(429)
    expect(refused.body).toMatchObject({ message: expect.stringMatching(/^API rate limit exceeded/), status: '429' })
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0')
  })

  test('secondary refusals count as used; the primary check comes before the points', async () => {
    emulator.setLimits({ primaryLimit: 3, pointsPerMinute: 1, retryAfterSeconds: 0 })
    expect(rateLimitOf(await list())).toMatchObject({ remaining: 2, used: 1 })
    const refused = await list()
    expectSecondary(refused)
    expect(rateLimitOf(refused)).toMatchObject({ remaining: 1, used: 2 })
    expect(rateLimitOf(await list(ORG_HOOKS))).toMatchObject({ remaining: 0, used: 3 })
    expect((await list(ORG_HOOKS)).status).toBe(403) // over both the primary and the route's points
    expect(refusals()).toEqual([undefined, 'points', undefined, 'primary'])
  })

  test('GITHUB_LIMITS and githubLimits(): GitHub’s figures, x-ratelimit-limit 5000, a normal run passes', async () => {
    expect(GITHUB_LIMITS).toEqual({
      pointsPerMinute: 900,
      concurrency: 100,
      responseMsPerMinute: 90_000,
      creationsPerMinute: 80,
      creationsPerHour: 500,
      primaryLimit: 5000,
      primaryResetSeconds: 3600
    })
    expect(githubLimits({ primaryResetSeconds: 2, retryAfterSeconds: null })).toEqual({
      ...GITHUB_LIMITS,
      primaryResetSeconds: 2,
      retryAfterSeconds: null
    })
    emulator.setLimits(GITHUB_LIMITS)
    const created = await create()
    expect(created.status).toBe(201)
    expect(rateLimitOf(created)).toMatchObject({ limit: 5000, remaining: 4999, used: 1 })
    expect((await list()).status).toBe(200)
    expect(emulator.limitStats().refusals).toBe(0)
  })
})

describe('rules are checked', () => {
  test('setLimits throws for invalid rules and keeps the previous ones; startEmulator rejects them', async () => {
    emulator.setLimits({ pointsPerMinute: 1, retryAfterSeconds: 0 })
    const invalid: unknown[] = [
      { pointsPerMinute: 0 },
      { concurrency: 1.5 },
      { responseMsPerMinute: -1 },
      { retryAfterSeconds: -1 },
      { secondaryStatus: 500 },
      { primaryResetSeconds: 0 }
    ]
    for (const rules of invalid) expect(() => emulator.setLimits(rules as LimitRules)).toThrow(RangeError)
    expect(() => emulator.setLimits({ pointPerMinute: 1 } as unknown as LimitRules)).toThrow(/Unknown limit rule 'pointPerMinute'/)
    expect(() => emulator.setLimits({ refuseAll: 'yes' } as unknown as LimitRules)).toThrow(TypeError)
    expect((await list()).status).toBe(200)
    expect((await list()).status).toBe(403) // the previous rules are still in force
    await expect(startEmulator({ limits: { concurrency: -1 } })).rejects.toThrow(RangeError)
  })
})

describe('sliding windows (the enforcer with synthetic times, epoch ms)', () => {
  const T0 = 1_700_000_000_000
  /** Sends one request at `now` taking `ms`, returns its refusal. */
  function send(enforcer: LimitEnforcer, method: string, path: string, now: number, ms = 10): string | undefined {
    const arrival = enforcer.arrive(now)
    const admission = enforcer.admit(method, path, arrival, now)
    const { route, points, creation, refusal } = admission
    enforcer.finish(arrival, { route, points, creation, receivedAt: now, answeredAt: now + ms, refusal })
    enforcer.leave()
    return refusal
  }

  test('points come back 60,000 ms after they were accepted; the busiest minute counts refused points too', () => {
    const enforcer = new LimitEnforcer(new RateLimitMeter(), { pointsPerMinute: 2, retryAfterSeconds: 0 })
    const at = [0, 1000, 30_000, 60_000, 60_500, 61_000].map((t) => send(enforcer, 'GET', HOOKS, T0 + t))
    expect(at).toEqual([undefined, undefined, 'points', undefined, 'points', undefined])
    // (T0 + 500, T0 + 60500] holds 1000, 30000, 60000 and 60500 (as does (T0 + 1000, T0 + 61000] with 30000 … 61000): 4 points received.
    expect(enforcer.stats()).toMatchObject({ requests: 6, points: 6, busiestMinutePoints: 4, busiestMinuteRoute: REPO_ROUTE, refusals: 2 })
  })

  test('creations per minute and per hour slide; the busiest hour counts every creation received', () => {
    const enforcer = new LimitEnforcer(new RateLimitMeter(), { creationsPerMinute: 1, creationsPerHour: 2, retryAfterSeconds: 0 })
    const minutes = [0, 0.5, 1, 2, 59, 60, 61] // the busiest hour: (T0, T0 + 60 min] or the one before it, 5 creations
    const at = minutes.map((m) => send(enforcer, 'POST', m % 2 === 0 ? HOOKS : ORG_HOOKS, T0 + m * 60_000))
    expect(at).toEqual([undefined, 'creationsPerMinute', undefined, 'creationsPerHour', 'creationsPerHour', undefined, undefined])
    expect(enforcer.stats()).toMatchObject({
      creationsBusiestMinute: 2,
      creationsBusiestHour: 5,
      refusalsByKind: { creationsPerMinute: 1, creationsPerHour: 2 }
    })
  })

  test('response time: the budget is checked against the answers of the last 60,000 ms', () => {
    const enforcer = new LimitEnforcer(new RateLimitMeter(), { responseMsPerMinute: 1000, retryAfterSeconds: 0 })
    expect(send(enforcer, 'GET', HOOKS, T0, 600)).toBeUndefined()
    expect(send(enforcer, 'GET', HOOKS, T0 + 1000, 600)).toBeUndefined() // 600 so far: not over
    expect(send(enforcer, 'GET', HOOKS, T0 + 2000)).toBe('responseTime') // 1200 > 1000
    expect(send(enforcer, 'GET', HOOKS, T0 + 60_600)).toBeUndefined() // the first answer (T0 + 600) has left the window
    expect(enforcer.stats().busiestMinuteResponseMs).toBe(1210)
  })

  test('a penalty without retry-after lasts 60 s', () => {
    const enforcer = new LimitEnforcer(new RateLimitMeter(), { refuseAll: true, retryAfterSeconds: null })
    const at = [0, 59_999, 60_000].map((t) => send(enforcer, 'GET', HOOKS, T0 + t))
    expect(at).toEqual(['refuseAll', 'penalty', 'refuseAll'])
    expect(enforcer.stats().sentDuringPenalty).toBe(1)
  })
})
