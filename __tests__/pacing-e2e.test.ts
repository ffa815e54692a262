/**
 * The pacer through the bundled action (dist/index.js) against the emulator with GitHub's limits on,
 * at GitHub's own pace (`ghes_rate_limit_factor: 1`): a refusal in the middle of a fleet, a stricter
 * limit of a GitHub Enterprise Server, a poll told to wait past wait_timeout, and a retry-after beyond
 * rate_limit_wait. (Exact send times and long runs are checked on a virtual clock:
 * pacing-bounds.test.ts, pacing-sim.test.ts; 100 and 600 creations are measured by `npm run bench`.)
 */
import { expect, test } from '@jest/globals'
import { runStep } from '../emulator/runner.js'
import { emulator, receiver, useEmulator } from './helpers/emulator.js'

const SECRET = 'pacing-e2e-s3cret'
const FLEET = Array.from({ length: 60 }, (_, i) => `octo-org/ghes-${String(i).padStart(3, '0')}`)
useEmulator({ repos: ['octo-org/hello-world', ...FLEET] }, SECRET)

const step = (inputs: Record<string, string>) => runStep({ token: 'test-token', api_url: emulator.url, ghes_rate_limit_factor: '1', ...inputs })

test('a secondary-limit refusal in the middle of a fleet: the step waits retry-after, goes on and finishes with every result', async () => {
  emulator.setFaults({ secondaryRateLimitEvery: 25, times: 1 })
  const run = await step({ operation: 'list', repositories: 'octo-org/ghes-*' })
  expect(run.exitCode).toBe(0)
  expect(run.outputs.result_counts).toBe(JSON.stringify({ listed: 60 }))
  expect(run.stdout).toMatch(/::warning::GitHub's secondary rate limit: GitHub answered 403 .* with retry-after: 1; every request waits 1 s/)
  expect(run.stdout).toMatch(/Paced: .* 1 refused by GitHub; waited 1 s: GitHub's secondary rate limit\./)
})

test("a GitHub Enterprise Server's stricter limit (20 points per 5 s, retry-after: 3): the run slows down and every repository ends unchanged", async () => {
  // The hooks exist first (created at the tests' raised pace, proven by GitHub's creation pings).
  const first = await step({ operation: 'ensure', repositories: 'octo-org/ghes-*', url: receiver.url, secret: SECRET, ghes_rate_limit_factor: '100' })
  expect(first.outputs.result_counts).toBe(JSON.stringify({ created: 60 }))
  await emulator.idle()
  emulator.setLimits({ pointsPerMinute: 20, pointsWindowMs: 5000, retryAfterSeconds: 3 })
  const run = await step({ operation: 'ensure', repositories: 'octo-org/ghes-*', url: receiver.url, secret: SECRET })
  expect(run.exitCode).toBe(0)
  expect(run.outputs.result_counts).toBe(JSON.stringify({ unchanged: 60 }))
  const stats = emulator.limitStats()
  expect(stats.refusals).toBeGreaterThan(0) // it was refused, and went on
  // Only requests already on their way when GitHub refused (at most the 10 in flight) meet the penalty:
  // the exact rule (nothing sent once the refusal is known) is checked on a virtual clock (pacing-sim).
  expect(stats.sentDuringPenalty).toBeLessThanOrEqual(10 * (stats.refusals - stats.sentDuringPenalty))
})

test('a poll told to wait past wait_timeout (403, retry-after: 60) ends at once, saying GitHub asked to wait', async () => {
  const hook = emulator.addHook({ owner: 'octo-org', repo: 'hello-world' }, { url: receiver.url, secret: SECRET })
  // The ping reads the newest delivery, pings, then polls: the first poll is refused with retry-after: 60.
  emulator.setFaults({ secondaryRateLimitEvery: 2, methods: ['GET'], times: 1, secondaryRetryAfterSeconds: 60 })
  const started = Date.now()
  const run = await step({ operation: 'ping', repository: 'octo-org/hello-world', hook_id: String(hook.id), wait_timeout: '15' })
  expect(Date.now() - started).toBeLessThan(15_000)
  expect(run.stdout).toMatch(
    /The wait for the delivery ended: GitHub's secondary rate limit asked to wait until .* past wait_timeout; not waiting through it/
  )
  expect(emulator.requests.map((request) => request.method)).toEqual(['GET', 'POST', 'GET'])
})

test('a retry-after beyond rate_limit_wait stops the run at once: nothing more is sent, the step fails with the time to run again', async () => {
  // One point a minute per route: the hooks are listed, then the creation (5 points) is refused with retry-after: 7200.
  emulator.setLimits({ pointsPerMinute: 1, retryAfterSeconds: 7200 })
  const started = Date.now()
  const run = await step({ operation: 'ensure', repository: 'octo-org/ghes-000', url: receiver.url, secret: SECRET })
  expect(Date.now() - started).toBeLessThan(30_000)
  expect(run.exitCode).toBe(1)
  expect(run.stdout).toMatch(
    /::error::.*GitHub's secondary rate limit: GitHub answered 403 .* with retry-after: 7200, a wait beyond rate_limit_wait \(600 s\); stopped\. Run again after \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\./
  )
  expect(emulator.limitStats()).toMatchObject({ refusals: 1, sentDuringPenalty: 0 })
  expect(emulator.requests.map((request) => request.method)).toEqual(['GET', 'POST'])
})
