/**
 * What a hostile review found (issue "Trust"), time limits and results that say what happened: each test drives the bundled action
 * (dist/index.js, run as a runner runs it) against the emulator — on the organization scope, the same
 * code in-process (see stepOn) — and fails on the code before the fix.
 * The verifying ping of `ensure` is tested on both scopes (an organization ping needs write access);
 * the rest is the same code for both scopes, and runs on the repository scope.
 */
import { describe, expect, test } from '@jest/globals'
import { emulator, receiver, useEmulator } from './helpers/emulator.js'
import { LONG_AGO, seen, stepOn, TARGETS, writes } from './helpers/trust.js'

const SECRET = 'trust-s3cret'
useEmulator({}, SECRET)

describe.each(['repo', 'org'] as const)('%s scope', (scope) => {
  const target = TARGETS[scope]
  const step = stepOn(scope)

  describe('8. ensure verifies a written secret with a ping, so the next run settles', () => {
    test("created → verified by GitHub's own creation ping (one write in all); the rerun proves the secret from that ping and writes nothing", async () => {
      const created = await step({ operation: 'ensure', url: receiver.url, secret: SECRET })
      expect(created.exitCode).toBe(0)
      expect(created.outputs).toMatchObject({ result: 'created', secret_proof: 'written', delivery_status: 'OK', status_code: '200' })
      expect(writes()).toEqual([expect.stringMatching(/^POST \S+\/hooks 201$/)]) // no ping of our own
      const hook = JSON.parse(created.outputs.hook)
      const ping = JSON.parse(created.outputs.delivery)
      expect(ping.event).toBe('ping')
      expect(hook.updated_at).toBe(hook.created_at)
      expect(Date.parse(ping.delivered_at)).toBeGreaterThanOrEqual(Date.parse(hook.created_at))
      await emulator.idle()
      expect(receiver.received.filter((r) => r.event === 'ping').every((r) => r.signatureValid)).toBe(true)

      const before = emulator.requests.length
      const again = await step({ operation: 'ensure', url: receiver.url, secret: SECRET })
      expect(again.outputs).toMatchObject({ result: 'unchanged', secret_proof: 'proven', changes: '[]' })
      expect(again.stdout).toContain(`secret proven (delivery ${ping.id} is signed with it)`)
      expect(emulator.requests.slice(before).every((r) => r.method === 'GET')).toBe(true)
    })

    test('a secret written to a quiet hook is verified, and the next run writes nothing', async () => {
      emulator.addHook(target, { url: receiver.url, secret: 'older-secret', content_type: 'json' })
      const first = await step({ operation: 'ensure', url: receiver.url, secret: SECRET })
      expect(first.outputs).toMatchObject({ result: 'updated', secret_proof: 'written', status_code: '200' })
      const second = await step({ operation: 'ensure', url: receiver.url, secret: SECRET })
      expect(second.outputs).toMatchObject({ result: 'unchanged', secret_proof: 'proven' })
    })

    test('a verifying ping that GitHub refuses fails the step but still reports the secret write', async () => {
      const hook = emulator.addHook(target, { url: receiver.url, secret: 'older-secret', content_type: 'json' })
      emulator.setFaults({ badGatewayEvery: 1, methods: ['POST'], times: 1 }) // the secret is written, the ping gets a 502
      const run = await step({ operation: 'ensure', url: receiver.url, secret: SECRET })
      expect(run.exitCode).toBe(1)
      expect(run.outputs).toMatchObject({ result: 'updated', secret_proof: 'written', hook_id: String(hook.id) })
      expect(run.stdout).toMatch(/::error::The webhook was updated as reported, but its verifying ping failed: .*was not repeated/)
      expect(emulator.hooks(target)[0].config.secret).toBe(SECRET)
    })

    test("a receiver that rejects GitHub's creation ping fails the step (the hook is written); the action sends no ping of its own", async () => {
      receiver.setStatus(401, 'bad signature')
      const rejected = await step({ operation: 'ensure', url: receiver.url, secret: SECRET })
      expect(rejected.exitCode).toBe(1)
      expect(rejected.outputs).toMatchObject({ result: 'created', status_code: '401' })
      expect(rejected.stdout).toMatch(/::error::The receiver of webhook \d+ answered 401/)
      const quiet = await step({ operation: 'ensure', url: 'https://quiet.example.com/hook', secret: SECRET, verify: 'false' })
      expect(quiet.exitCode).toBe(0)
      expect(writes().filter((w) => w.includes('/pings'))).toHaveLength(0)
      expect(quiet.outputs.delivery_status).toBeUndefined()
    })
  })
})

describe('repository scope', () => {
  const target = TARGETS.repo
  const step = stepOn('repo')

  describe('5. every request has a time limit; a wait never outlasts wait_timeout', () => {
    test('a request with no answer within request_timeout fails (retries 0) saying so', async () => {
      emulator.setFaults({ slowEvery: 1, slowMs: 3000, times: 1 })
      const run = await step({ operation: 'list', request_timeout: '0.5', retries: '0' })
      expect(run.exitCode).toBe(1)
      expect(run.stdout).toMatch(/::error::.*no answer within request_timeout \(0\.5 s\)/)
    })

    test('a hung attempt is cut and retried: the step succeeds', async () => {
      emulator.addHook(target, { url: receiver.url })
      emulator.setFaults({ slowEvery: 1, slowMs: 3000, times: 1 })
      const run = await step({ operation: 'list', request_timeout: '0.5', retries: '1' })
      expect(run.exitCode).toBe(0)
      expect(JSON.parse(run.outputs.hooks)).toHaveLength(1)
    })

    test('polls that hang end the ping wait at wait_timeout with "no delivery"', async () => {
      emulator.addHook(target, { url: receiver.url, secret: SECRET })
      // Every GET but the first two (the lookup and the newest-delivery read) hangs 4 s.
      const run = await (async () => {
        const running = step({ operation: 'ping', url: receiver.url, wait_timeout: '1' })
        await seen((r) => r.method === 'POST' && r.path.endsWith('/pings'))
        emulator.setFaults({ slowEvery: 1, slowMs: 4000, methods: ['GET'] })
        return running
      })()
      expect(run.exitCode).toBe(1)
      expect(run.stdout).toMatch(/::error::Waited 1 s for the ping delivery of webhook \d+: GitHub recorded no delivery/)
    })
  })

  test('8. an inactive hook is not pinged (GitHub delivers nothing to it), and the step says so', async () => {
    const run = await step({ operation: 'ensure', url: receiver.url, secret: SECRET, active: 'false' })
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({ result: 'created', secret_proof: 'written' })
    expect(run.outputs.delivery_status).toBeUndefined()
    expect(run.stdout).toContain('not verified with a ping: the hook is inactive')
    expect(writes().filter((w) => w.includes('/pings'))).toEqual([])
  })

  describe("9. the secret proof survives GitHub's serialisation and looks past the newest delivery", () => {
    test('a payload with < > & and U+2028, signed as Ruby escapes it, proves the secret', async () => {
      const hook = emulator.addHook(target, { url: receiver.url, secret: SECRET, content_type: 'json', created_at: LONG_AGO })
      emulator.addDelivery(target, hook.id, { event: 'issues', payload: { title: 'a <b> & c\u2028d', path: 'x/y', name: 'café' } })
      const run = await step({ operation: 'ensure', url: receiver.url, secret: SECRET })
      expect(run.outputs).toMatchObject({ result: 'unchanged', secret_proof: 'proven' })
      expect(writes()).toEqual([])
    })

    test('the newest delivery does not verify, an older one does: proven, and the note names it', async () => {
      const hook = emulator.addHook(target, { url: receiver.url, secret: SECRET, content_type: 'json', created_at: LONG_AGO })
      const good = emulator.addDelivery(target, hook.id, { event: 'push', payload: { ref: 'refs/heads/main' } })
      emulator.addDelivery(target, hook.id, { event: 'push', payload: { ref: 'refs/heads/dev' }, signed_with: 'not-the-secret' })
      const run = await step({ operation: 'ensure', url: receiver.url, secret: SECRET })
      expect(run.outputs).toMatchObject({ result: 'unchanged', secret_proof: 'proven' })
      expect(run.stdout).toContain(`secret proven (delivery ${good.id} is signed with it)`)
    })
  })

  test('10. redeliver-failed clamps a since older than GitHub keeps deliveries, with a warning', async () => {
    const hook = emulator.addHook(target, { url: receiver.url, secret: SECRET })
    const old = new Date(Date.now() - 4 * 86400_000).toISOString().replace(/\.\d+Z$/, 'Z')
    emulator.addDelivery(target, hook.id, { status_code: 500, delivered_at: old })
    const recent = emulator.addDelivery(target, hook.id, { status_code: 500 })
    const run = await step({ operation: 'redeliver-failed', url: receiver.url, since: '7d' })
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toMatch(/::warning::Input 'since' \(.*\) is older than GitHub keeps deliveries \(3 days for this API\)/)
    expect(JSON.parse(run.outputs.redelivered_ids)).toEqual([recent.id])
  })

  describe('11. outputs say exactly what happened', () => {
    test('redeliver-failed: failed_guids is the JSON list of guids, failed_count their number', async () => {
      const hook = emulator.addHook(target, { url: receiver.url, secret: SECRET })
      const a = emulator.addDelivery(target, hook.id, { status_code: 502 })
      const b = emulator.addDelivery(target, hook.id, { status_code: 0, status: 'failed to connect' })
      emulator.addDelivery(target, hook.id, { status_code: 200 })
      const run = await step({ operation: 'redeliver-failed', url: receiver.url })
      expect(JSON.parse(run.outputs.failed_guids)).toEqual([a.guid, b.guid])
      expect(run.outputs.failed_count).toBe('2')
    })

    test('list and list-deliveries cut by limit say so (truncated, and a notice)', async () => {
      const hook = emulator.addHook(target, { url: receiver.url })
      emulator.addHook(target, { url: 'https://example.com/2' })
      for (let i = 0; i < 3; i++) emulator.addDelivery(target, hook.id)
      const cut = await step({ operation: 'list', limit: '1' })
      expect(cut.outputs.truncated).toBe('true')
      expect(cut.stdout).toMatch(/::notice::Stopped at limit 1: .* has more webhooks/)
      const whole = await step({ operation: 'list', limit: '2' })
      expect(whole.outputs.truncated).toBe('false')
      const deliveries = await step({ operation: 'list-deliveries', hook_id: String(hook.id), limit: '2', per_page: '2' })
      expect(deliveries.outputs.truncated).toBe('true')
      expect(deliveries.stdout).toMatch(/::notice::Stopped at limit 2: the webhook has more deliveries/)
    })

    test('a dry run reports secret_proof would-write', async () => {
      const run = await step({ operation: 'ensure', url: receiver.url, secret: SECRET, dry_run: 'true' })
      expect(run.outputs).toMatchObject({ result: 'created', secret_proof: 'would-write' })
      expect(run.stdout).toContain('secret would be written')
      expect(writes()).toEqual([])
    })

    test('update that wrote the config and then failed on the events says the config was already changed', async () => {
      const hook = emulator.addHook(target, { url: receiver.url, events: ['push'] })
      emulator.setFaults({ badGatewayEvery: 2, methods: ['PATCH'] })
      const run = await step({ operation: 'update', hook_id: String(hook.id), content_type: 'form', events: 'push, issues', retries: '0' })
      expect(run.exitCode).toBe(1)
      expect(run.stdout).toMatch(
        new RegExp(`::error::.*The configuration of webhook ${hook.id} was already changed: content_type; its events and active state were not`)
      )
      expect(emulator.hooks(target)[0]).toMatchObject({ events: ['push'], config: expect.objectContaining({ content_type: 'form' }) })
    })
  })
})
