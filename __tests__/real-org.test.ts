/**
 * Fleet semantics a real organization needs (issue "Safe on a real organization"): some repositories
 * lack the hook; `fail_fast` stops writes at once; an audit cut short by `max_writes` says so; the
 * rotation's survey logs its progress. Each runs the bundled action against the emulator.
 */
import { beforeEach, describe, expect, test } from '@jest/globals'
import { fleetSeed, fleetServiceRepo } from '../emulator/fleet-seed.js'
import { runStep, type StepRun } from '../emulator/runner.js'
import type { HookTarget } from '../emulator/server.js'
import { emulator, receiver, useEmulator } from './helpers/emulator.js'
import { LONG_AGO } from './helpers/trust.js'

const OLD = 'old-s3cret-of-the-org'
const NEW = 'new-s3cret-of-the-org'
useEmulator({ repos: [], ...fleetSeed({ count: 6, userCount: 0 }) }, OLD)
beforeEach(() => receiver.setSecrets([OLD, NEW]))

const RECENT = () => new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z')
const repos: HookTarget[] = [0, 1, 2, 3].map((i) => ({ owner: 'octo-org', repo: fleetServiceRepo(i).name }))
const fleet = { token: 'test-token', repositories: 'octo-org/svc-00[0-3]' }
const step = (inputs: Record<string, string>): Promise<StepRun> => runStep({ ...fleet, api_url: emulator.url, ...inputs })
const results = (run: StepRun): { repository: string; result: string; error?: string }[] => JSON.parse(run.outputs.results)

/** Three of the four repositories have the hook (signing with `secret`, proven by a recent delivery); svc-003 has none. */
function threeOfFour(secret: string): void {
  for (const target of repos.slice(0, 3)) {
    const hook = emulator.addHook(target, { url: receiver.url, secret, content_type: 'json', created_at: LONG_AGO })
    emulator.addDelivery(target, hook.id, { delivered_at: RECENT(), signed_with: secret })
  }
}

describe('a repository without the hook is absent, not a failure', () => {
  test('audit-secret passes and says 3 of 4 repositories have the hook', async () => {
    threeOfFour(OLD)
    const run = await step({ operation: 'audit-secret', url: receiver.url, secret: OLD })
    expect(run.exitCode).toBe(0)
    expect(results(run).map((entry) => entry.result)).toEqual(['audited', 'audited', 'audited', 'absent'])
    expect(run.outputs).toMatchObject({
      absent: '1',
      failed: '0',
      verdict_counts: JSON.stringify({ current: 3, previous: 0, unknown: 0, none: 0, unproven: 0 })
    })
    expect(run.stdout).toContain('3 of 4 repositories have the hook; 1 lacks it (absent, not a failure).')
    expect(run.summary).toContain('3 of 4 repositories have the hook')
  })

  test('rotate-secret (the README workflow) rotates the three and skips the fourth; the step passes', async () => {
    threeOfFour(OLD)
    const run = await step({ operation: 'rotate-secret', url: receiver.url, secret: NEW, previous_secret: OLD, batch_size: '5' })
    expect(run.exitCode).toBe(0)
    expect(results(run).map((entry) => entry.result)).toEqual(['rotated', 'rotated', 'rotated', 'absent'])
    expect(run.stdout).toContain('3 of 4 repositories have the hook')
    expect(run.stdout).not.toMatch(/of 4 webhooks/)
    expect(repos.slice(0, 3).map((target) => emulator.hooks(target)[0].config.secret)).toEqual([NEW, NEW, NEW])
    expect(emulator.hooks(repos[3])).toEqual([])
  })

  test('a failure among them counts webhooks, not repositories without one', async () => {
    threeOfFour(OLD)
    receiver.setSecrets([OLD]) // refuses the new secret: the canary is rolled back
    receiver.setRejectUnverified(true)
    const run = await step({ operation: 'rotate-secret', url: receiver.url, secret: NEW, previous_secret: OLD })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(/::error::1 of 3 webhooks failed:/)
  })

  test('report passes over them', async () => {
    threeOfFour(OLD)
    const run = await step({ operation: 'report', url: receiver.url, since: '2h' })
    expect(run.exitCode).toBe(0)
    expect(results(run).map((entry) => entry.result)).toEqual(['reported', 'reported', 'reported', 'absent'])
    expect(JSON.parse(run.outputs.report)).toHaveLength(3)
  })
})

test('fail_fast: once a repository failed, no further write goes out', async () => {
  emulator.setFaults({ badGatewayEvery: 1, methods: ['POST'], times: 1 }) // the first creation fails (and is not retried: retries 0)
  // At GitHub's pace (writes 1 s apart, not the tests' 10 ms): writes are not held until the one before
  // is answered, so the failure must be known before the next write's turn for the check to be exact.
  const run = await step({
    operation: 'ensure',
    repositories: 'octo-org/svc-*',
    url: receiver.url,
    secret: OLD,
    fail_fast: 'true',
    retries: '0',
    ghes_rate_limit_factor: '1'
  })
  expect(run.exitCode).toBe(1)
  const failed = emulator.requests.find((request) => request.status === 502)
  expect(failed).toBeDefined()
  const after = emulator.requests.filter((request) => (request.receivedAt ?? 0) > (failed?.answeredAt ?? Infinity) && request.method !== 'GET')
  expect(after).toEqual([])
  expect(results(run).filter((entry) => entry.result === 'skipped').length).toBeGreaterThan(0)
})

test('fail_fast: a repository whose survey fails stops rotate-secret before any write', async () => {
  threeOfFour(OLD)
  emulator.setFaults({ badGatewayEvery: 2, methods: ['GET'], times: 1 }) // after the repository list, the first survey read fails (retries: 0)
  const run = await step({ operation: 'rotate-secret', url: receiver.url, secret: NEW, previous_secret: OLD, fail_fast: 'true', retries: '0' })
  expect(run.exitCode).toBe(1)
  expect(emulator.requests.filter((request) => request.method === 'PATCH')).toEqual([])
  expect(results(run).some((entry) => entry.result === 'failed')).toBe(true)
})

test('an audit cut short by max_writes names the hooks it did not audit, and fail_on_mismatch fails the step', async () => {
  for (const target of repos) emulator.addHook(target, { url: receiver.url, secret: OLD, content_type: 'json', created_at: LONG_AGO }) // no delivery: a ping is needed
  const run = await step({ operation: 'audit-secret', url: receiver.url, secret: OLD, max_writes: '2' })
  expect(run.exitCode).toBe(1)
  const audits = JSON.parse(run.outputs.audit) as { verdict: string; note: string }[]
  expect(audits.filter((entry) => entry.verdict === 'current')).toHaveLength(2)
  expect(audits.filter((entry) => entry.verdict === 'unproven' && /^not audited: .*max_writes \(2\)/.test(entry.note))).toHaveLength(2)
  expect(emulator.requests.filter((request) => request.path.endsWith('/pings'))).toHaveLength(2)
})

test("rotate-secret's survey logs each repository as it is surveyed", async () => {
  threeOfFour(OLD)
  const run = await step({ operation: 'rotate-secret', url: receiver.url, secret: NEW, previous_secret: OLD, dry_run: 'true' })
  expect(run.exitCode).toBe(0)
  const lines = run.stdout.split('\n').filter((line) => line.startsWith('[survey '))
  expect(lines).toHaveLength(4)
  expect(lines).toContainEqual(expect.stringMatching(/^\[survey [1-4]\/4\] octo-org\/svc-003: absent$/))
  expect(lines.filter((line) => line.endsWith(': 1 webhook (1 previous)'))).toHaveLength(3)
})
