/**
 * The action under GitHub's faults (injected by the emulator): 502s, primary and secondary rate
 * limits, 429, dropped connections, slow answers. Each scenario runs create → update →
 * list-deliveries → ping (waiting) and checks the final state in the emulator and the requests made:
 * exactly one more than a fault-free run per injected fault (each is retried once).
 */
import { describe, expect, test } from '@jest/globals'
import type { FaultPlan } from '../emulator/server.js'
import { runAction } from './helpers/action.js'
import { emulator, receiver, useEmulator } from './helpers/emulator.js'

const SECRET = 'fault-s3cret'
useEmulator({}, SECRET)

const TARGETS = { repo: { owner: 'octo-org', repo: 'hello-world' }, org: { org: 'octo-org' } } as const

/** create → update (by url) → list-deliveries → ping with wait; returns every step's run. */
async function scenario(scope: 'repo' | 'org') {
  const action = (inputs: Record<string, string>) =>
    runAction({ scope, repository: 'octo-org/hello-world', token: 'test-token', api_url: emulator.url, ...inputs })
  const created = await action({ operation: 'create', url: receiver.url, secret: SECRET, events: 'push' })
  const updated = await action({ operation: 'update', url: receiver.url, events: 'push, release' })
  const listed = await action({ operation: 'list-deliveries', hook_id: created.outputs.hook_id ?? '0' })
  const pinged = await action({ operation: 'ping', url: receiver.url })
  await emulator.idle()
  return [created, updated, listed, pinged]
}

/** The end state every scenario must reach: one hook, the right events, the secret intact, two good pings (GitHub's on creation, and the step's). */
function expectGoodEnd(scope: 'repo' | 'org', runs: Awaited<ReturnType<typeof scenario>>): void {
  expect(runs.map((run) => run.exitCode)).toEqual([0, 0, 0, 0])
  expect(emulator.hooks(TARGETS[scope])).toEqual([
    expect.objectContaining({ events: ['push', 'release'], config: expect.objectContaining({ secret: SECRET }) })
  ])
  expect(runs[3].outputs.status_code).toBe('200')
  expect(receiver.received.filter((r) => r.event === 'ping')).toEqual([
    expect.objectContaining({ signatureValid: true }),
    expect.objectContaining({ signatureValid: true })
  ])
}

/**
 * The requests that do not poll for the ping's delivery (how many polls a ping needs depends on
 * timing; the polls are `GET …/deliveries?per_page=10`).
 */
const counted = () => emulator.requests.filter((r) => !(r.method === 'GET' && r.path.endsWith('/deliveries') && r.query.per_page === '10'))

/** Counted requests of a fault-free scenario, per scope. */
const baseline: Partial<Record<'repo' | 'org', number>> = {}

describe.each(['repo', 'org'] as const)('%s scope', (scope) => {
  test('fault-free baseline', async () => {
    const runs = await scenario(scope)
    expectGoodEnd(scope, runs)
    baseline[scope] = counted().length
  })

  test.each<[string, FaultPlan, RegExp | undefined]>([
    // A 502 or a lost answer is retried for every request but the POSTs that make GitHub send
    // something (a ping is sent once: see trust.test.ts), so these two fault reads and PATCHes only.
    ['502 on every 4th read or update', { badGatewayEvery: 4, methods: ['GET', 'PATCH'] }, undefined],
    [
      'secondary rate limit (403, retry-after) on every 4th',
      { secondaryRateLimitEvery: 4 },
      /::warning::GitHub's secondary rate limit: GitHub answered 403 "You have exceeded a secondary rate limit\. .*" with retry-after: 1; every request waits 1 s/
    ],
    ['429 on every 5th', { tooManyRequestsEvery: 5 }, /::warning::GitHub's secondary rate limit: GitHub answered 429 /],
    [
      'primary rate limit on every 4th',
      { primaryRateLimitEvery: 4 },
      /::warning::GitHub's primary rate limit \(the token's hourly budget\): GitHub answered 403 "API rate limit exceeded for user ID \d+\." without retry-after; every request waits for the reset/
    ],
    ['a dropped connection on every 4th read or update', { dropConnectionEvery: 4, methods: ['GET', 'PATCH'] }, undefined],
    ['a slow answer (300 ms) on every 2nd', { slowEvery: 2, slowMs: 300 }, undefined]
  ])('%s: same end state, one extra request per fault', async (_name, faults, warning) => {
    emulator.setFaults(faults)
    const runs = await scenario(scope)
    expectGoodEnd(scope, runs)
    const faulted = counted().filter((r) => r.fault !== undefined && r.fault !== 'slow').length
    if (faults.slowEvery === undefined) expect(faulted).toBeGreaterThanOrEqual(2)
    else expect(emulator.requests.some((r) => r.fault === 'slow')).toBe(true)
    expect(counted()).toHaveLength((baseline[scope] ?? NaN) + faulted) // each faulted request was retried once
    if (warning) expect(runs.map((run) => run.stdout).join('')).toMatch(warning)
  })
})

test('a create whose answer was lost: the retry meets 422 "Hook already exists" and resolves to that hook', async () => {
  emulator.setFaults({ dropConnectionEvery: 1, dropAfterApplying: true, times: 1, methods: ['POST'] })
  const run = await runAction({
    repository: 'octo-org/hello-world',
    token: 'test-token',
    api_url: emulator.url,
    operation: 'create',
    url: receiver.url,
    events: 'push'
  })
  expect(run.exitCode).toBe(0)
  const hooks = emulator.hooks(TARGETS.repo)
  expect(hooks).toHaveLength(1)
  expect(run.outputs.hook_id).toBe(String(hooks[0].id))
  expect(emulator.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['POST 0', 'POST 422', 'GET 200'])
})

test('a delete by hook_id whose answer was lost: the retry gets 404, and the step says it cannot tell whether it deleted the hook', async () => {
  const hook = emulator.addHook(TARGETS.repo, { url: receiver.url })
  emulator.setFaults({ dropConnectionEvery: 1, dropAfterApplying: true, times: 1, methods: ['DELETE'] })
  const run = await runAction({
    repository: 'octo-org/hello-world',
    token: 'test-token',
    api_url: emulator.url,
    operation: 'delete',
    hook_id: String(hook.id)
  })
  expect(run.exitCode).toBe(1)
  expect(run.stdout).toContain(`this step cannot tell whether it deleted webhook ${hook.id} or the hook never existed`)
  expect(emulator.hooks(TARGETS.repo)).toEqual([])
  expect(emulator.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['DELETE 0', 'DELETE 404'])
})

test('a redelivery is not repeated after a 502 (GitHub may have done it): the step fails instead', async () => {
  const hook = emulator.addHook(TARGETS.repo, { url: receiver.url })
  const delivery = emulator.addDelivery(TARGETS.repo, hook.id, { status_code: 500 })
  emulator.setFaults({ badGatewayEvery: 1, methods: ['POST'] })
  const run = await runAction({
    repository: 'octo-org/hello-world',
    token: 'test-token',
    api_url: emulator.url,
    operation: 'redeliver',
    hook_id: String(hook.id),
    delivery_id: String(delivery.id)
  })
  expect(run.exitCode).toBe(1)
  expect(emulator.requests.filter((r) => r.method === 'POST')).toHaveLength(1)
})

test('a plain second create still fails with 422 (only a retry resolves to the existing hook)', async () => {
  emulator.addHook(TARGETS.repo, { url: receiver.url, events: ['push'] })
  const run = await runAction({
    repository: 'octo-org/hello-world',
    token: 'test-token',
    api_url: emulator.url,
    operation: 'create',
    url: receiver.url,
    events: 'push'
  })
  expect(run.exitCode).toBe(1)
  expect(run.stdout).toContain('Hook already exists on this repository')
})

test('retries: 0 fails on the first 502, naming the status', async () => {
  emulator.setFaults({ badGatewayEvery: 1 })
  const run = await runAction({ repository: 'octo-org/hello-world', token: 'test-token', api_url: emulator.url, operation: 'list', retries: '0' })
  expect(run.exitCode).toBe(1)
  expect(run.stdout).toMatch(/::error::GitHub answered 502 to GET \/repos\/octo-org\/hello-world\/hooks: Server Error/)
  expect(emulator.requests).toHaveLength(1)
})

test('a secondary limit that keeps refusing: waits retry-after each time (never less), and stops after 4 refusals in a row saying when to run again', async () => {
  emulator.setFaults({ secondaryRateLimitEvery: 1 }) // 403 with retry-after: 1
  const run = await runAction({ repository: 'octo-org/hello-world', token: 'test-token', api_url: emulator.url, operation: 'list' })
  expect(run.exitCode).toBe(1)
  expect(emulator.requests).toHaveLength(4)
  // Nothing was sent before GitHub's retry-after (1 s); with retry-after, no longer wait is made up.
  const gaps = emulator.requests.slice(1).map((r, i) => (r.receivedAt ?? 0) - (emulator.requests[i].answeredAt ?? 0))
  expect(gaps.map((gap) => gap >= 1000)).toEqual([true, true, true])
  expect(run.stdout).toMatch(
    /::error::GitHub's secondary rate limit: 4 refusals in a row; GitHub answered 403 "You have exceeded a secondary rate limit.*" with retry-after: 1\. Stopped, .* Run again after \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\./
  )
})
