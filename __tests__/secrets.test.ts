/**
 * Secret audit and zero-downtime rotation (issue "Secret audit and rotation"): every verdict of
 * `audit-secret` and every outcome of `rotate-secret`, on a repository, an organization and a fleet.
 * The runs that matter end to end drive the bundled action (dist/index.js) against the emulator;
 * the receivers verify signatures like a real one (several secrets during a rotation, 401 otherwise).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { fleetSeed, fleetServiceRepo } from '../emulator/fleet-seed.js'
import { startReceiver, type Receiver } from '../emulator/receiver.js'
import { runStep, type StepRun } from '../emulator/runner.js'
import type { HookTarget } from '../emulator/server.js'
import { runAction } from './helpers/action.js'
import { emulator, receiver, useEmulator } from './helpers/emulator.js'
import { LONG_AGO } from './helpers/trust.js'

const OLD = 'old-s3cret-before-rotation'
const NEW = 'new-s3cret-after-rotation'
useEmulator({ repos: ['octo-org/hello-world'], ...fleetSeed({ count: 6, userCount: 0 }) }, OLD)

/** A receiver that knows only the old secret: it answers 401 to the new one. */
let stubborn: Receiver
beforeAll(async () => {
  stubborn = await startReceiver({ secret: OLD, rejectUnverified: true })
})
afterAll(async () => {
  await stubborn.close()
})
beforeEach(() => {
  // The main receiver is ready for the rotation: it accepts both secrets, and refuses anything else.
  receiver.setSecrets([OLD, NEW])
  receiver.setRejectUnverified(true)
  stubborn.received.length = 0
})

const REPO: HookTarget = { owner: 'octo-org', repo: 'hello-world' }
const ORG: HookTarget = { org: 'octo-org' }
const RECENT = () => new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z')
const base = { token: 'test-token', repository: 'octo-org/hello-world' }
const inProcess = (inputs: Record<string, string>): Promise<StepRun> => runAction({ ...base, api_url: emulator.url, ...inputs })
const bundled = (inputs: Record<string, string>): Promise<StepRun> => runStep({ ...base, api_url: emulator.url, ...inputs })
const writes = (from: number) => emulator.requests.slice(from).filter((r) => r.method !== 'GET')

interface AuditEntry {
  hook_id: number
  verdict: string
  proved_by?: number
  url: string
}
interface ResultEntry {
  repository?: string
  organization?: string
  hook_id?: number
  result: string
  error?: string
}
const audit = (run: StepRun): AuditEntry[] => JSON.parse(run.outputs.audit) as AuditEntry[]
const results = (run: StepRun): ResultEntry[] => JSON.parse(run.outputs.results) as ResultEntry[]

/** A hook with a stored secret (or none), last changed long ago, and one recent delivery signed with `signedWith` (default: its secret). */
function seed(target: HookTarget, url: string, secret: string | undefined, delivery?: { signedWith?: string }) {
  const hook = emulator.addHook(target, { url, secret, content_type: 'json', created_at: LONG_AGO })
  const made = delivery ? emulator.addDelivery(target, hook.id, { delivered_at: RECENT(), signed_with: delivery.signedWith }) : undefined
  return { hook, delivery: made }
}

describe('audit-secret', () => {
  test.each([
    ['repo', REPO],
    ['org', ORG]
  ] as const)('%s: every verdict, with the delivery that decided it; a mismatch fails the step (bundled action)', async (scope, target) => {
    const current = seed(target, 'https://hooks.example.com/current', NEW, {})
    const previous = seed(target, 'https://hooks.example.com/previous', OLD, {})
    const unknown = seed(target, 'https://hooks.example.com/unknown', 'some-other-secret', {})
    const none = seed(target, 'https://hooks.example.com/none', undefined)
    const quiet = emulator.addHook(target, { url: 'https://hooks.example.com/quiet', secret: NEW, active: false, created_at: LONG_AGO })
    const pinged = emulator.addHook(target, { url: receiver.url, secret: NEW, content_type: 'json', created_at: LONG_AGO })
    const before = emulator.requests.length
    const run = await bundled({ operation: 'audit-secret', scope, org: 'octo-org', secret: NEW, previous_secret: OLD })
    expect(run.exitCode).toBe(1)
    const byId = Object.fromEntries(audit(run).map((entry) => [entry.hook_id, entry]))
    expect(byId[current.hook.id]).toMatchObject({ verdict: 'current', proved_by: current.delivery?.id, url: 'https://hooks.example.com/current' })
    expect(byId[previous.hook.id]).toMatchObject({ verdict: 'previous', proved_by: previous.delivery?.id })
    expect(byId[unknown.hook.id]).toMatchObject({ verdict: 'unknown' })
    expect(byId[none.hook.id]).toMatchObject({ verdict: 'none' })
    expect(byId[quiet.id]).toMatchObject({ verdict: 'unproven' })
    expect(byId[pinged.id]).toMatchObject({ verdict: 'current', proved_by: expect.any(Number) })
    expect(JSON.parse(run.outputs.verdict_counts)).toEqual({ current: 2, previous: 1, unknown: 1, none: 1, unproven: 1 })
    // It wrote nothing but the one ping, to the hook that had no delivery to check.
    expect(writes(before).map((r) => `${r.method} ${r.path}`)).toEqual([expect.stringMatching(new RegExp(`^POST .*/hooks/${pinged.id}/pings$`))])
    expect(run.stdout).toMatch(
      /::error::4 webhooks of (repository octo-org\/hello-world|organization octo-org) do not sign with the current secret: /
    )
    expect(run.summary).toContain('still signs with the PREVIOUS secret')
    expect(run.summary).toContain('has NO secret')
  })

  test('ping_if_needed: false leaves a hook with nothing to check unproven; fail_on_mismatch: false passes the step', async () => {
    const hook = emulator.addHook(REPO, { url: receiver.url, secret: NEW, created_at: LONG_AGO })
    const run = await inProcess({ operation: 'audit-secret', url: receiver.url, secret: NEW, ping_if_needed: 'false', fail_on_mismatch: 'false' })
    expect(run.exitCode).toBe(0)
    expect(audit(run)).toEqual([expect.objectContaining({ hook_id: hook.id, verdict: 'unproven' })])
    expect(emulator.requests.filter((r) => r.method !== 'GET')).toEqual([])
  })

  test('a delivery older than the hook’s last change does not count: the hook is pinged instead', async () => {
    const hook = emulator.addHook(REPO, { url: receiver.url, secret: NEW, created_at: RECENT() })
    emulator.addDelivery(REPO, hook.id, { delivered_at: LONG_AGO, signed_with: OLD })
    const run = await inProcess({ operation: 'audit-secret', url: receiver.url, secret: NEW, previous_secret: OLD })
    expect(run.exitCode).toBe(0)
    expect(audit(run)).toEqual([expect.objectContaining({ verdict: 'current' })])
  })

  test('over a fleet: one entry per repository’s hook (bundled action)', async () => {
    const names = [0, 1, 2].map((i) => fleetServiceRepo(i).name)
    seed({ owner: 'octo-org', repo: names[0] }, receiver.url, NEW, {})
    seed({ owner: 'octo-org', repo: names[1] }, receiver.url, OLD, {})
    seed({ owner: 'octo-org', repo: names[2] }, receiver.url, NEW, {})
    const run = await bundled({
      operation: 'audit-secret',
      repository: '',
      repositories: 'octo-org/svc-00[0-2]',
      url: receiver.url,
      secret: NEW,
      previous_secret: OLD
    })
    expect(run.exitCode).toBe(1)
    expect(audit(run).map((entry) => [(entry as unknown as ResultEntry).repository, entry.verdict])).toEqual([
      ['octo-org/svc-000', 'current'],
      ['octo-org/svc-001', 'previous'],
      ['octo-org/svc-002', 'current']
    ])
    expect(results(run).map((entry) => entry.result)).toEqual(['audited', 'mismatch', 'audited'])
    expect(run.stdout).toContain('::error::1 of 3 repositories failed:')
  })
})

describe('rotate-secret', () => {
  test('rotates, verified by a ping signed with the new secret; the rerun proves it and writes nothing (bundled action)', async () => {
    const { hook } = seed(REPO, receiver.url, OLD, {})
    const run = await bundled({ operation: 'rotate-secret', url: receiver.url, secret: NEW, previous_secret: OLD })
    expect(run.exitCode).toBe(0)
    expect(results(run)).toEqual([{ repository: 'octo-org/hello-world', hook_id: hook.id, result: 'rotated' }])
    expect(emulator.hooks(REPO)[0].config.secret).toBe(NEW)
    await emulator.idle()
    expect(receiver.received.at(-1)).toMatchObject({ event: 'ping', signedWith: NEW })
    const before = emulator.requests.length
    const rerun = await bundled({ operation: 'rotate-secret', url: receiver.url, secret: NEW, previous_secret: OLD })
    expect(results(rerun)).toEqual([{ repository: 'octo-org/hello-world', hook_id: hook.id, result: 'unchanged' }])
    expect(writes(before)).toEqual([])
  })

  test('a receiver that refuses the new secret is rolled back to the previous one, confirmed by a ping; the step fails (bundled action)', async () => {
    const { hook } = seed(REPO, stubborn.url, OLD, {})
    const run = await bundled({ operation: 'rotate-secret', secret: NEW, previous_secret: OLD })
    expect(run.exitCode).toBe(1)
    expect(results(run)).toEqual([expect.objectContaining({ hook_id: hook.id, result: 'rolled-back' })])
    expect(results(run)[0].error).toMatch(
      /new secret written; the receiver answered Invalid HTTP Response: 401 to delivery \d+, signed with the new secret; previous_secret written back, confirmed by delivery \d+ \(answered 200 OK\)/
    )
    expect(emulator.hooks(REPO)[0].config.secret).toBe(OLD)
    await emulator.idle()
    expect(stubborn.received.map((r) => r.signedWith)).toEqual([undefined, OLD])
    expect(JSON.parse(run.outputs.result_counts)).toEqual({ 'rolled-back': 1 })
  })

  test('a hook that signs with neither secret is not rotated (its secret could not be put back); the summary says what to do (bundled action)', async () => {
    seed(REPO, stubborn.url, OLD, {}) // signs with OLD, which the step is not told
    const run = await bundled({ operation: 'rotate-secret', secret: NEW, previous_secret: 'yet-another-s3cret' })
    expect(run.exitCode).toBe(1)
    expect(results(run)[0]).toMatchObject({
      result: 'unknown',
      error: expect.stringMatching(/^not rotated: .*signed with none of the secrets given.*set rotate_unknown: true/)
    })
    expect(emulator.hooks(REPO)[0].config.secret).toBe(OLD) // untouched
    expect(emulator.requests.filter((r) => r.method !== 'GET')).toEqual([])
    expect(run.summary).toContain('rotate_unknown')
  })

  test('rotate_unknown: true rotates it anyway, warning that no rollback is possible; refused, it fails saying the hook has the new secret', async () => {
    seed(REPO, stubborn.url, OLD, {})
    const run = await inProcess({ operation: 'rotate-secret', secret: NEW, previous_secret: 'yet-another-s3cret', rotate_unknown: 'true' })
    expect(run.exitCode).toBe(1)
    expect(results(run)[0]).toMatchObject({
      result: 'failed',
      error: expect.stringContaining('the hook now has the NEW secret (it was not proven on previous_secret, so nothing was written back)')
    })
    expect(emulator.hooks(REPO)[0].config.secret).toBe(NEW)
    // previous_secret was never written: it was not this hook's secret.
    expect(emulator.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1)
  })

  test('a hook whose ping answer is lost after the new secret was written goes back to previous_secret (proven before), and says both', async () => {
    seed(REPO, receiver.url, OLD, {})
    emulator.setFaults({ badGatewayEvery: 1, methods: ['POST'], times: 1 }) // the verifying ping: 502, not repeated
    const run = await inProcess({ operation: 'rotate-secret', secret: NEW, previous_secret: OLD })
    expect(run.exitCode).toBe(1)
    expect(results(run)[0]).toMatchObject({ result: 'rolled-back' })
    expect(results(run)[0].error).toMatch(
      /new secret written; the verification could not conclude: .*502.*; previous_secret written back, confirmed by delivery \d+/
    )
    expect(run.outputs.changed).toBe('1')
    expect(emulator.hooks(REPO)[0].config.secret).toBe(OLD)
  })

  test('a rerun proves hooks already on the new secret, with no delivery since their change, by a ping: no secret is sent again', async () => {
    emulator.addHook(REPO, { url: receiver.url, secret: NEW, content_type: 'json', created_at: LONG_AGO, updated_at: RECENT() })
    const run = await inProcess({ operation: 'rotate-secret', secret: NEW, previous_secret: OLD })
    expect(run.exitCode).toBe(0)
    expect(results(run)).toEqual([expect.objectContaining({ result: 'unchanged' })])
    expect(emulator.requests.filter((r) => r.method !== 'GET').map((r) => r.path)).toEqual([expect.stringMatching(/\/pings$/)])
  })

  test('over a fleet, a canary that fails stops the rotation: the other hooks are skipped, untouched (bundled action)', async () => {
    const targets = [0, 1, 2].map((i) => ({ owner: 'octo-org', repo: fleetServiceRepo(i).name }))
    seed(targets[0], stubborn.url, OLD, {})
    seed(targets[1], receiver.url, OLD, {})
    seed(targets[2], receiver.url, OLD, {})
    const run = await bundled({
      operation: 'rotate-secret',
      repository: '',
      repositories: 'octo-org/svc-00[0-2]',
      secret: NEW,
      previous_secret: OLD
    })
    expect(run.exitCode).toBe(1)
    expect(results(run).map((entry) => entry.result)).toEqual(['rolled-back', 'skipped', 'skipped'])
    expect(results(run)[1].error).toMatch(/^not rotated: the canary \(octo-org\/svc-000 hook \d+\) did not succeed$/)
    expect(targets.map((target) => emulator.hooks(target)[0].config.secret)).toEqual([OLD, OLD, OLD])
  })

  test('after the canary, batches run until max_failures; hooks already on the new secret are unchanged', async () => {
    const targets = [0, 1, 2, 3, 4, 5].map((i) => ({ owner: 'octo-org', repo: fleetServiceRepo(i).name }))
    seed(targets[0], receiver.url, OLD, {}) // the canary: rotated
    seed(targets[1], receiver.url, NEW, {}) // proven on the new secret: unchanged, not a batch member
    seed(targets[2], stubborn.url, OLD, {}) // batch 1: rolled back
    seed(targets[3], stubborn.url, OLD, {}) // batch 1: rolled back → 2 failures = max_failures
    seed(targets[4], receiver.url, OLD, {}) // batch 2: skipped
    seed(targets[5], receiver.url, OLD, {}) // batch 2: skipped
    const run = await inProcess({
      operation: 'rotate-secret',
      repository: '',
      repositories: 'octo-org/svc-*',
      secret: NEW,
      previous_secret: OLD,
      batch_size: '2',
      max_failures: '2'
    })
    expect(run.exitCode).toBe(1)
    expect(results(run).map((entry) => entry.result)).toEqual(['rotated', 'unchanged', 'rolled-back', 'rolled-back', 'skipped', 'skipped'])
    expect(results(run)[4].error).toBe('not rotated: 2 hooks failed or were rolled back (max_failures 2)')
    expect(run.outputs).toMatchObject({ failed: '2', skipped: '2', changed: '3', succeeded: '2' })
    expect(targets.map((target) => emulator.hooks(target)[0].config.secret)).toEqual([NEW, NEW, OLD, OLD, OLD, OLD])
  })

  test('an inactive hook gets the new secret without a ping (GitHub sends it nothing): unverified, not rotated', async () => {
    emulator.addHook(REPO, { url: receiver.url, secret: OLD, active: false, created_at: LONG_AGO })
    const run = await inProcess({ operation: 'rotate-secret', secret: NEW, previous_secret: OLD })
    expect(run.exitCode).toBe(0)
    expect(results(run)).toEqual([expect.objectContaining({ result: 'unverified' })])
    expect(run.summary).toContain('not verified: the hook is inactive')
    expect(emulator.hooks(REPO)[0].config.secret).toBe(NEW)
    expect(emulator.requests.filter((r) => r.path.endsWith('/pings'))).toEqual([])
  })

  test("an inactive hook proven on an unknown secret is not rotated either (its receiver's secret could not be put back)", async () => {
    const hook = emulator.addHook(REPO, { url: receiver.url, secret: 'third-s3cret', active: false, content_type: 'json', created_at: LONG_AGO })
    emulator.addDelivery(REPO, hook.id, { delivered_at: RECENT(), signed_with: 'third-s3cret' })
    const run = await inProcess({ operation: 'rotate-secret', secret: NEW, previous_secret: OLD })
    expect(results(run)).toEqual([expect.objectContaining({ result: 'unknown' })])
    expect(emulator.hooks(REPO)[0].config.secret).toBe('third-s3cret')
  })

  test('the canary is an active hook, even when an inactive one comes first', async () => {
    const inactive = emulator.addHook(REPO, { url: receiver.url, secret: OLD, active: false, created_at: LONG_AGO })
    const active = seed(REPO, stubborn.url, OLD, {})
    const run = await inProcess({ operation: 'rotate-secret', secret: NEW, previous_secret: OLD })
    expect(run.exitCode).toBe(1)
    expect(results(run)).toEqual([
      expect.objectContaining({
        hook_id: inactive.id,
        result: 'skipped',
        error: `not rotated: the canary (octo-org/hello-world hook ${active.hook.id}) did not succeed`
      }),
      expect.objectContaining({ hook_id: active.hook.id, result: 'rolled-back' })
    ])
    expect(emulator.hooks(REPO).map((hook) => hook.config.secret)).toEqual([OLD, OLD])
  })

  test('a dry run says what would be written, and writes and pings nothing', async () => {
    seed(REPO, receiver.url, OLD, {})
    const run = await inProcess({ operation: 'rotate-secret', secret: NEW, previous_secret: OLD, dry_run: 'true' })
    expect(run.exitCode).toBe(0)
    expect(results(run)).toEqual([expect.objectContaining({ result: 'rotated' })])
    expect(run.summary).toContain('would write the new secret through PATCH')
    expect(run.summary).toContain('Dry run: nothing was written')
    expect(emulator.requests.filter((r) => r.method !== 'GET')).toEqual([])
  })

  test('organization hooks rotate too, and the audit then finds them current (bundled action)', async () => {
    const { hook } = seed(ORG, receiver.url, OLD, {})
    const org = { scope: 'org', org: 'octo-org' }
    const run = await bundled({ ...org, operation: 'rotate-secret', secret: NEW, previous_secret: OLD, canary: '0' })
    expect(run.exitCode).toBe(0)
    expect(results(run)).toEqual([{ organization: 'octo-org', hook_id: hook.id, result: 'rotated' }])
    const after = await inProcess({ ...org, operation: 'audit-secret', secret: NEW, previous_secret: OLD })
    expect(audit(after)).toEqual([expect.objectContaining({ hook_id: hook.id, verdict: 'current' })])
  })
})
