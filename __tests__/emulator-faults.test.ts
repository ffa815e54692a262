/**
 * Fault injection (`Emulator.setFaults`, emulator/faults.ts), the `latencyMs` option and the
 * `x-ratelimit-*` headers of the emulator, over real HTTP on 127.0.0.1 (global fetch, plus raw
 * node:http to observe a dropped connection). The shared fixture validates every unfaulted answer
 * against the OpenAPI description and each test ends with no violation recorded.
 */
import { request as httpRequest } from 'node:http'
import { describe, expect, test } from '@jest/globals'
import { startEmulator, type Emulator, type FaultPlan } from '../emulator/server.js'
import { emulator, receiver, callApi, rateLimitOf, useEmulator, type Answer } from './helpers/emulator.js'

const TOKEN = 'test-token'
const SECRET = 'faulty-s3cret'
const REPO = { owner: 'octo-org', repo: 'hello-world' }
const HOOKS = '/repos/octo-org/hello-world/hooks'
const SECONDARY_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits'
const PRIMARY_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits'

useEmulator({}, SECRET)

/** Calls an emulator (default: the fixture's) as TOKEN; `path` is relative to its root. */
const call = (method: string, path: string, body?: unknown, target: Emulator = emulator): Promise<Answer> =>
  callApi(target.url, method, path, { body, token: TOKEN })

const list = (): Promise<Answer> => call('GET', HOOKS)
const create = (url = 'https://example.com/hook', events = ['push']): Promise<Answer> => call('POST', HOOKS, { name: 'web', events, config: { url } })

/** Sends `count` GETs of the hook list one after the other; their statuses. */
async function statuses(count: number): Promise<number[]> {
  const result: number[] = []
  for (let i = 0; i < count; i++) result.push((await list()).status)
  return result
}

/** One request with node:http on a fresh connection; resolves the status or rejects with the socket error. */
function rawRequest(method: string, path: string, body?: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const req = httpRequest(emulator.url + path, {
      method,
      agent: false,
      headers: { Authorization: `token ${TOKEN}`, ...(payload ? { 'Content-Type': 'application/json' } : {}) }
    })
    req.on('response', (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end(payload)
  })
}

describe('rate-limit headers of normal answers', () => {
  test('limit 5000, remaining counting down, used counting up, reset one hour ahead in epoch seconds', async () => {
    const before = Math.floor(Date.now() / 1000)
    const first = rateLimitOf(await list())
    const second = rateLimitOf(await create())
    const third = rateLimitOf(await call('GET', `${HOOKS}/1`)) // 404: still counted, still with headers
    const after = Math.floor(Date.now() / 1000)
    expect(first).toEqual({ limit: 5000, remaining: 4999, used: 1, reset: first.reset, resource: 'core' })
    expect(second).toMatchObject({ limit: 5000, remaining: 4998, used: 2, reset: first.reset })
    expect(third).toMatchObject({ remaining: 4997, used: 3, reset: first.reset })
    expect(first.reset).toBeGreaterThanOrEqual(before + 3600)
    expect(first.reset).toBeLessThanOrEqual(after + 3600)
  })

  test('reset() starts a new window', async () => {
    await statuses(3)
    emulator.reset()
    expect(rateLimitOf(await list())).toMatchObject({ remaining: 4999, used: 1 })
  })
})

describe('answer faults', () => {
  test('badGatewayEvery: N answers 502 {"message":"Server Error"} to the Nth, 2Nth… request only', async () => {
    emulator.setFaults({ badGatewayEvery: 3 })
    const answers: Answer[] = []
    for (let i = 0; i < 7; i++) answers.push(await list())
    expect(answers.map((a) => a.status)).toEqual([200, 200, 502, 200, 200, 502, 200])
    expect(answers[2].body).toEqual({ message: 'Server Error' })
    expect(answers[2].headers.get('content-type')).toMatch(/^application\/json/)
    expect(answers[2].headers.get('x-ratelimit-limit')).toBeNull() // from the front end, not the API
    expect(answers[2].headers.get('retry-after')).toBeNull()
    expect(emulator.faultsInjected).toBe(2)
    expect(emulator.requests.map((r) => [r.status, r.fault])).toEqual([
      [200, undefined],
      [200, undefined],
      [502, 'badGateway'],
      [200, undefined],
      [200, undefined],
      [502, 'badGateway'],
      [200, undefined]
    ])
  })

  test('a faulted write has no effect', async () => {
    emulator.setFaults({ badGatewayEvery: 1 })
    expect((await create()).status).toBe(502)
    expect(emulator.hooks(REPO)).toEqual([])
    expect(emulator.requests).toHaveLength(1)
    expect(emulator.requests[0]).toMatchObject({ method: 'POST', path: HOOKS, status: 502, fault: 'badGateway', body: { name: 'web' } })
  })

  test('secondaryRateLimitEvery: 403 with retry-after: 1 and the secondary-rate-limit message', async () => {
    emulator.setFaults({ secondaryRateLimitEvery: 2 })
    const first = await list()
    const second = await list()
    const third = await list()
    expect([first.status, second.status, third.status]).toEqual([200, 403, 200])
    expect(first.headers.get('retry-after')).toBeNull()
    expect(second.headers.get('retry-after')).toBe('1')
    expect(second.body).toEqual({
      message: expect.stringMatching(/^You have exceeded a secondary rate limit\. Please wait a few minutes before you try again/),
      documentation_url: SECONDARY_DOCS,
      status: '403'
    })
    expect(second.body.message).toMatch(/\bsecondary rate\b/i) // what @octokit/plugin-throttling looks for
    // The primary limit is not exhausted: remaining stays positive, so it is not taken for one.
    expect(rateLimitOf(second)).toMatchObject({ limit: 5000, remaining: 4998, used: 2, resource: 'core' })
    expect(second.headers.get('x-github-api-version-selected')).toBe('2022-11-28')
    expect(emulator.requests.map((r) => r.fault)).toEqual([undefined, 'secondaryRateLimit', undefined])
  })

  test('tooManyRequestsEvery: 429 with retry-after: 1 and the secondary-rate-limit message', async () => {
    emulator.setFaults({ tooManyRequestsEvery: 1, times: 1 })
    const limited = await list()
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('1')
    expect(limited.body).toMatchObject({ message: expect.stringMatching(/\bsecondary rate\b/i), documentation_url: SECONDARY_DOCS, status: '429' })
    expect(Number(limited.headers.get('x-ratelimit-remaining'))).toBeGreaterThan(0)
    expect((await list()).status).toBe(200)
    expect(emulator.requests.map((r) => [r.status, r.fault])).toEqual([
      [429, 'tooManyRequests'],
      [200, undefined]
    ])
  })

  test('primaryRateLimitEvery: 403, x-ratelimit-remaining 0 and a reset at least one second ahead', async () => {
    emulator.setFaults({ primaryRateLimitEvery: 2 })
    expect((await list()).status).toBe(200)
    const before = Date.now()
    const limited = await list()
    const after = Date.now()
    expect(limited.status).toBe(403)
    expect(limited.body).toEqual({ message: 'API rate limit exceeded for user ID 583231.', documentation_url: PRIMARY_DOCS, status: '403' })
    expect(limited.body.message).not.toMatch(/\bsecondary rate\b/i)
    expect(limited.headers.get('retry-after')).toBeNull()
    const headers = rateLimitOf(limited)
    expect(headers).toMatchObject({ limit: 5000, remaining: 0, used: 5000, resource: 'core' })
    expect(headers.reset * 1000).toBeGreaterThanOrEqual(before + 1000)
    expect(headers.reset).toBeLessThanOrEqual(Math.ceil(after / 1000) + 1)
    // The next normal answer continues the real count.
    expect(rateLimitOf(await list())).toMatchObject({ remaining: 4998, used: 2 })
  })

  test('primaryRateLimitStatus: 429 answers the primary limit with 429', async () => {
    emulator.setFaults({ primaryRateLimitEvery: 1, primaryRateLimitStatus: 429 })
    const limited = await list()
    expect(limited.status).toBe(429)
    expect(limited.body).toMatchObject({ message: expect.stringMatching(/^API rate limit exceeded/), status: '429' })
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0')
  })
})

describe('counting, caps and filters', () => {
  test('times caps the number of faults; the count keeps going but nothing more is faulted', async () => {
    emulator.setFaults({ badGatewayEvery: 2, times: 2 })
    expect(await statuses(8)).toEqual([200, 502, 200, 502, 200, 200, 200, 200])
    expect(emulator.faultsInjected).toBe(2)
  })

  test('times: 0 injects nothing', async () => {
    emulator.setFaults({ badGatewayEvery: 1, times: 0 })
    expect(await statuses(2)).toEqual([200, 200])
    expect(emulator.faultsInjected).toBe(0)
  })

  test('methods: only those methods (any case) are counted and faulted; "the first POST fails once"', async () => {
    emulator.setFaults({ badGatewayEvery: 1, methods: ['post'], times: 1 })
    expect((await list()).status).toBe(200)
    expect((await create()).status).toBe(502)
    expect((await list()).status).toBe(200)
    expect((await create()).status).toBe(201)
    expect(emulator.hooks(REPO)).toHaveLength(1)
    expect(emulator.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200', 'POST 502', 'GET 200', 'POST 201'])
  })

  test('with methods, "every Nth" counts only the matching requests', async () => {
    emulator.setFaults({ secondaryRateLimitEvery: 2, methods: ['POST', 'PATCH'] })
    const results: number[] = []
    results.push((await list()).status) // not counted
    results.push((await create('https://example.com/a')).status) // POST #1
    results.push((await list()).status) // not counted
    results.push((await create('https://example.com/b')).status) // POST #2: faulted
    results.push((await create('https://example.com/c')).status) // POST #3
    expect(results).toEqual([200, 201, 200, 403, 201])
    expect(emulator.hooks(REPO).map((h) => h.config.url)).toEqual(['https://example.com/a', 'https://example.com/c'])
  })

  test('setFaults restarts the count from 1', async () => {
    emulator.setFaults({ badGatewayEvery: 3 })
    expect(await statuses(2)).toEqual([200, 200])
    emulator.setFaults({ badGatewayEvery: 3 })
    expect(await statuses(3)).toEqual([200, 200, 502])
    expect(emulator.faultsInjected).toBe(1)
  })

  test('precedence: drop, then 502, then primary, secondary, 429; a request counts once towards times', async () => {
    emulator.setFaults({ badGatewayEvery: 1, primaryRateLimitEvery: 1, secondaryRateLimitEvery: 1, tooManyRequestsEvery: 1, times: 1 })
    expect(await statuses(2)).toEqual([502, 200])
    expect(emulator.faultsInjected).toBe(1)

    emulator.setFaults({ primaryRateLimitEvery: 1, secondaryRateLimitEvery: 1, tooManyRequestsEvery: 1 })
    const primary = await list()
    expect([primary.status, primary.headers.get('x-ratelimit-remaining')]).toEqual([403, '0'])

    emulator.setFaults({ secondaryRateLimitEvery: 1, tooManyRequestsEvery: 1 })
    expect((await list()).status).toBe(403)

    emulator.setFaults({ dropConnectionEvery: 1, badGatewayEvery: 1, times: 1 })
    await expect(list()).rejects.toThrow()
    expect(emulator.requests.map((r) => r.fault).slice(-1)).toEqual(['dropConnection'])
  })

  test('undefined, {} and reset() turn faults off and clear the counters', async () => {
    emulator.setFaults({ badGatewayEvery: 1 })
    expect((await list()).status).toBe(502)
    emulator.setFaults(undefined)
    expect(await statuses(2)).toEqual([200, 200])
    expect(emulator.faultsInjected).toBe(0)

    emulator.setFaults({ badGatewayEvery: 1 })
    emulator.setFaults({})
    expect(await statuses(2)).toEqual([200, 200])

    emulator.setFaults({ badGatewayEvery: 2 })
    expect(await statuses(2)).toEqual([200, 502])
    emulator.reset()
    expect(emulator.faultsInjected).toBe(0)
    expect(emulator.requests).toEqual([])
    expect(await statuses(4)).toEqual([200, 200, 200, 200])
  })

  test('an invalid plan throws and leaves the previous plan in force', async () => {
    emulator.setFaults({ badGatewayEvery: 2 })
    const invalid: Array<[unknown, RegExp]> = [
      [{ badGatewayEvery: 0 }, /'badGatewayEvery' must be a positive integer/],
      [{ tooManyRequestsEvery: 1.5 }, /'tooManyRequestsEvery' must be a positive integer/],
      [{ badGatewayEvry: 1 }, /Unknown fault plan field 'badGatewayEvry'/],
      [{ slowEvery: 1 }, /'slowEvery' and 'slowMs' go together/],
      [{ slowMs: 10 }, /'slowEvery' and 'slowMs' go together/],
      [{ slowEvery: 1, slowMs: -1 }, /'slowMs' must be a non-negative number/],
      [{ times: -1 }, /'times' must be a non-negative integer/],
      [{ dropAfterApplying: true }, /'dropAfterApplying' needs 'dropConnectionEvery'/],
      [{ primaryRateLimitEvery: 1, primaryRateLimitStatus: 500 }, /must be 403 or 429/],
      [{ methods: 'POST' }, /'methods' must be an array of strings/],
      [null, /must be an object/]
    ]
    for (const [plan, message] of invalid) expect(() => emulator.setFaults(plan as FaultPlan)).toThrow(message)
    expect(await statuses(2)).toEqual([200, 502])
  })
})

describe('dropped connections', () => {
  test('dropConnectionEvery: fetch fails, node:http sees "socket hang up" (ECONNRESET), status 0 is recorded', async () => {
    emulator.setFaults({ dropConnectionEvery: 2 })
    expect(await rawRequest('GET', HOOKS)).toBe(200)
    await expect(rawRequest('GET', HOOKS)).rejects.toMatchObject({ code: 'ECONNRESET', message: 'socket hang up' })
    expect(await rawRequest('GET', HOOKS)).toBe(200)
    await expect(list()).rejects.toThrow('fetch failed')
    expect((await list()).status).toBe(200)
    expect(emulator.requests.map((r) => [r.status, r.fault])).toEqual([
      [200, undefined],
      [0, 'dropConnection'],
      [200, undefined],
      [0, 'dropConnection'],
      [200, undefined]
    ])
  })

  test('a plain drop does not apply the write', async () => {
    emulator.setFaults({ dropConnectionEvery: 1, times: 1 })
    await expect(rawRequest('POST', HOOKS, { name: 'web', config: { url: 'https://example.com/hook' } })).rejects.toMatchObject({
      code: 'ECONNRESET'
    })
    expect(emulator.hooks(REPO)).toEqual([])
    // The client retries: the hook is created once.
    expect((await create()).status).toBe(201)
    expect(emulator.hooks(REPO)).toHaveLength(1)
  })

  test('dropAfterApplying: the write happened although the answer was lost; a retry then collides', async () => {
    emulator.setFaults({ dropConnectionEvery: 1, dropAfterApplying: true, times: 1 })
    await expect(create()).rejects.toThrow('fetch failed')
    expect(emulator.hooks(REPO)).toMatchObject([{ config: { url: 'https://example.com/hook' }, events: ['push'] }])
    expect(emulator.requests).toMatchObject([{ method: 'POST', status: 0, fault: 'dropConnection' }])
    // The naive retry of the lost answer: GitHub refuses the duplicate.
    const retry = await create()
    expect(retry.status).toBe(422)
    expect(retry.body.errors[0].message).toBe('Hook already exists on this repository')
  })

  test('dropAfterApplying also sends the deliveries the request triggered', async () => {
    const hook = emulator.addHook(REPO, { url: receiver.url, secret: SECRET, content_type: 'json' })
    emulator.setFaults({ dropConnectionEvery: 1, dropAfterApplying: true, methods: ['POST'] })
    await expect(call('POST', `${HOOKS}/${hook.id}/pings`)).rejects.toThrow('fetch failed')
    await emulator.idle()
    expect(receiver.received).toMatchObject([{ event: 'ping', hookId: String(hook.id), signatureValid: true }])
  })
})

describe('delays', () => {
  test('slowEvery/slowMs delays the Nth request (lower bound only) and records it as slow', async () => {
    const slowMs = 300
    emulator.setFaults({ slowEvery: 2, slowMs })
    await list()
    const slow = await list()
    expect(slow.status).toBe(200)
    expect(slow.elapsedMs).toBeGreaterThanOrEqual(slowMs * 0.8)
    expect(emulator.requests.map((r) => r.fault)).toEqual([undefined, 'slow'])
    expect(emulator.faultsInjected).toBe(1)
  })

  test('a slow request that is also due for another fault waits, then gets that fault', async () => {
    const slowMs = 200
    emulator.setFaults({ slowEvery: 1, slowMs, badGatewayEvery: 1, times: 1 })
    const answer = await list()
    expect(answer.status).toBe(502)
    expect(answer.elapsedMs).toBeGreaterThanOrEqual(slowMs * 0.8)
    expect(emulator.requests[0].fault).toBe('badGateway')
    expect(emulator.faultsInjected).toBe(1)
  })

  test('latencyMs delays every answer, faulted ones too; invalid values are refused', async () => {
    const latencyMs = 150
    const slowed = await startEmulator({ latencyMs, validate: true })
    try {
      for (const answer of [
        await call('GET', HOOKS, undefined, slowed),
        await call('POST', HOOKS, { name: 'web', config: { url: 'https://example.com/x' } }, slowed)
      ]) {
        expect(answer.status).toBeLessThan(300)
        expect(answer.elapsedMs).toBeGreaterThanOrEqual(latencyMs * 0.8)
      }
      slowed.setFaults({ badGatewayEvery: 1, slowEvery: 1, slowMs: 100 })
      const faulted = await call('GET', HOOKS, undefined, slowed)
      expect(faulted.status).toBe(502)
      expect(faulted.elapsedMs).toBeGreaterThanOrEqual((latencyMs + 100) * 0.8)
      expect(slowed.violations).toEqual([])
    } finally {
      await slowed.close()
    }
    await expect(startEmulator({ latencyMs: -1 })).rejects.toThrow(RangeError)
    await expect(startEmulator({ latencyMs: Number.NaN })).rejects.toThrow(/latencyMs/)
  })

  test('close() does not wait for requests still being delayed: they are dropped', async () => {
    const slowed = await startEmulator({ latencyMs: 60_000 })
    const pending = fetch(`${slowed.url}${HOOKS}`, { headers: { Authorization: `token ${TOKEN}` } })
    await new Promise((resolve) => setTimeout(resolve, 50))
    await slowed.close()
    await expect(pending).rejects.toThrow('fetch failed')
    expect(slowed.requests).toEqual([])
  })
})
