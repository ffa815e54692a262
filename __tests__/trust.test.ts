/**
 * What a hostile review found (issue "Trust"): each test drives the bundled action (dist/index.js,
 * run as a runner runs it) against the emulator, and fails on the code before the fix.
 * Secret safety, sends that must happen once, time limits, and results that say what happened.
 */
import { describe, expect, test } from '@jest/globals'
import { runStep, type StepRun } from '../emulator/runner.js'
import { callApi, emulator, receiver, useEmulator } from './helpers/emulator.js'

const SECRET = 'trust-s3cret'
useEmulator({}, SECRET)

const TARGETS = { repo: { owner: 'octo-org', repo: 'hello-world' }, org: { org: 'octo-org' } } as const
const ROOTS = { repo: '/repos/octo-org/hello-world', org: '/orgs/octo-org' } as const
/** A time well before any step of this file began, as GitHub prints it. */
const LONG_AGO = '2026-01-02T03:04:05Z'

/** Non-GET requests the emulator answered (or dropped), as `METHOD path status`. */
const writes = (): string[] => emulator.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path} ${r.status}`)

/** Resolves once the emulator has answered a request that `match` accepts (polling its record). */
async function seen(match: (r: (typeof emulator.requests)[number]) => boolean): Promise<void> {
  while (!emulator.requests.some(match)) await new Promise((resolve) => setTimeout(resolve, 10))
}

describe.each(['repo', 'org'] as const)('%s scope', (scope) => {
  const target = TARGETS[scope]
  const root = ROOTS[scope]
  const step = (inputs: Record<string, string>): Promise<StepRun> =>
    runStep({ scope, repository: 'octo-org/hello-world', org: 'octo-org', token: 'test-token', api_url: emulator.url, ...inputs })

  describe('1. a retried create adopts only a hook created during the step', () => {
    test('create: a lost first POST whose retry meets an older hook with the url fails with GitHub\'s 422; the old secret stays', async () => {
      emulator.addHook(target, { url: receiver.url, events: ['push'], content_type: 'json', secret: 'old-secret', created_at: LONG_AGO })
      emulator.setFaults({ badGatewayEvery: 1, methods: ['POST'], times: 1 })
      const run = await step({ operation: 'create', url: receiver.url, secret: 'new-secret' })
      expect(run.exitCode).toBe(1)
      expect(run.stdout).toMatch(/::error::GitHub answered 422 to POST .*\/hooks: Validation Failed/)
      expect(run.stdout).toContain('Hook already exists')
      expect(emulator.hooks(target)).toEqual([expect.objectContaining({ config: expect.objectContaining({ secret: 'old-secret' }) })])
      expect(writes()).toEqual([`POST ${root}/hooks 502`, `POST ${root}/hooks 422`])
    })

    test('create: its own POST whose answer was lost is found again, and the secret is written to it', async () => {
      emulator.setFaults({ dropConnectionEvery: 1, dropAfterApplying: true, methods: ['POST'], times: 1 })
      const run = await step({ operation: 'create', url: receiver.url, secret: SECRET, events: 'push' })
      expect(run.exitCode).toBe(0)
      expect(run.stdout).toContain('the retry found the hook it had created')
      expect(emulator.hooks(target)).toEqual([expect.objectContaining({ id: Number(run.outputs.hook_id), config: expect.objectContaining({ secret: SECRET }) })])
    })

    test('ensure: a foreign hook met by the retry (form, no secret) is converged, secret included — never reported as created', async () => {
      // The first POST waits, then gets a 502; meanwhile someone else creates a hook with the url.
      emulator.setFaults({ slowEvery: 1, slowMs: 400, badGatewayEvery: 1, methods: ['POST'], times: 1 })
      const running = step({ operation: 'ensure', url: receiver.url, secret: SECRET, verify: 'false' })
      await seen((r) => r.method === 'GET' && r.path === `${root}/hooks`)
      const foreign = emulator.addHook(target, { url: receiver.url, content_type: 'form' })
      const run = await running
      expect(run.exitCode).toBe(0)
      expect(run.outputs).toMatchObject({ result: 'updated', secret_proof: 'written', hook_id: String(foreign.id) })
      expect(JSON.parse(run.outputs.changes)).toEqual([
        { field: 'content_type', from: 'form', to: 'json' },
        { field: 'secret', from: 'none', to: 'set' }
      ])
      expect(run.stdout).toMatch(/Hook already exists.* was adopted and converged/)
      expect(emulator.hooks(target)).toEqual([expect.objectContaining({ config: expect.objectContaining({ content_type: 'json', secret: SECRET }) })])
    })
  })

  describe('2. hook_id and url given together must name the same hook', () => {
    test.each(['ensure-absent', 'delete', 'get', 'ping', 'ensure', 'redeliver-failed'])('%s fails before any write, naming both', async (operation) => {
      const a = emulator.addHook(target, { url: 'https://a.example.com/hook', secret: SECRET })
      emulator.addHook(target, { url: 'https://b.example.com/prod', secret: SECRET })
      const run = await step({ operation, hook_id: String(a.id), url: 'https://b.example.com/prod' })
      expect(run.exitCode).toBe(1)
      expect(run.stdout).toMatch(
        new RegExp(`::error::Inputs 'hook_id' and 'url' name different webhooks: hook ${a.id} of .* has the url 'https://a.example.com/hook', not 'https://b.example.com/prod'`)
      )
      expect(writes()).toEqual([])
      expect(emulator.hooks(target)).toHaveLength(2)
    })

    test('both naming the same hook work; update with hook_id still takes url as the new url', async () => {
      const a = emulator.addHook(target, { url: 'https://a.example.com/hook' })
      const got = await step({ operation: 'get', hook_id: String(a.id), url: 'https://a.example.com/hook' })
      expect(got.exitCode).toBe(0)
      const moved = await step({ operation: 'update', hook_id: String(a.id), url: 'https://c.example.com/new' })
      expect(moved.exitCode).toBe(0)
      expect(emulator.hooks(target)[0].config.url).toBe('https://c.example.com/new')
    })
  })

  describe('3. a 404 on DELETE counts as deleted only for a hook seen in this step', () => {
    test('delete by hook_id of a hook that never existed, after a retried DELETE, fails instead of reporting "Deleted"', async () => {
      emulator.setFaults({ badGatewayEvery: 1, methods: ['DELETE'], times: 1 })
      const run = await step({ operation: 'delete', hook_id: '424242' })
      expect(run.exitCode).toBe(1)
      expect(run.stdout).not.toMatch(/Deleted webhook/)
      expect(run.stdout).toMatch(/::error::GitHub answered 404 to DELETE .*cannot tell whether it deleted webhook 424242/)
    })

    test('delete by url whose answer was lost: the retry\'s 404 and a GET\'s 404 mean it was deleted', async () => {
      emulator.addHook(target, { url: receiver.url })
      emulator.setFaults({ dropConnectionEvery: 1, dropAfterApplying: true, methods: ['DELETE'], times: 1 })
      const run = await step({ operation: 'delete', url: receiver.url })
      expect(run.exitCode).toBe(0)
      expect(run.stdout).toMatch(/Deleted webhook \d+/)
      expect(emulator.hooks(target)).toEqual([])
    })

    test('two ensure-absent at once: the one whose DELETE meets 404 ends "absent"', async () => {
      const hook = emulator.addHook(target, { url: receiver.url })
      emulator.setFaults({ slowEvery: 1, slowMs: 400, methods: ['DELETE'], times: 1 })
      const loser = step({ operation: 'ensure-absent', url: receiver.url })
      await seen((r) => r.method === 'GET' && r.path === `${root}/hooks`)
      await new Promise((resolve) => setTimeout(resolve, 100)) // the step's DELETE is now held by the emulator
      const winner = await callApi(emulator.url, 'DELETE', `${root}/hooks/${hook.id}`, { token: 'test-token' })
      expect(winner.status).toBe(204)
      const run = await loser
      expect(run.exitCode).toBe(0)
      expect(run.outputs.result).toBe('absent')
      expect(run.stdout).toContain('was deleted by someone else during this step')
    })
  })

  test('4. a ping whose answer was lost is not sent again', async () => {
    emulator.addHook(target, { url: receiver.url, secret: SECRET })
    emulator.setFaults({ dropConnectionEvery: 1, dropAfterApplying: true, methods: ['POST'], times: 1 })
    const run = await step({ operation: 'ping', url: receiver.url, retries: '3' })
    await emulator.idle()
    expect(run.exitCode).toBe(1)
    expect(writes().filter((w) => w.includes('/pings'))).toEqual([`POST ${root}/hooks/${emulator.hooks(target)[0].id}/pings 0`])
    expect(receiver.received.filter((r) => r.event === 'ping')).toHaveLength(1)
  })

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

  describe('8. ensure verifies a written secret with a ping, so the next run settles', () => {
    test('created → pinged (delivery_status, status_code); the rerun proves the secret from that ping and writes nothing', async () => {
      const created = await step({ operation: 'ensure', url: receiver.url, secret: SECRET })
      expect(created.exitCode).toBe(0)
      expect(created.outputs).toMatchObject({ result: 'created', secret_proof: 'written', delivery_status: 'OK', status_code: '200' })
      const hook = JSON.parse(created.outputs.hook)
      const ping = JSON.parse(created.outputs.delivery)
      expect(ping.event).toBe('ping')
      expect(Date.parse(ping.delivered_at)).toBeGreaterThan(Date.parse(hook.updated_at))
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

    test('a receiver that rejects the ping fails the step (the hook is written); verify: false sends no ping', async () => {
      receiver.setStatus(401, 'bad signature')
      const rejected = await step({ operation: 'ensure', url: receiver.url, secret: SECRET })
      expect(rejected.exitCode).toBe(1)
      expect(rejected.outputs).toMatchObject({ result: 'created', status_code: '401' })
      expect(rejected.stdout).toMatch(/::error::The receiver of webhook \d+ answered 401/)
      const quiet = await step({ operation: 'ensure', url: 'https://quiet.example.com/hook', secret: SECRET, verify: 'false' })
      expect(quiet.exitCode).toBe(0)
      expect(writes().filter((w) => w.includes('/pings'))).toHaveLength(1)
      expect(quiet.outputs.delivery_status).toBeUndefined()
    })
  })

  describe('9. the secret proof survives GitHub\'s serialisation and looks past the newest delivery', () => {
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
      expect(run.stdout).toMatch(new RegExp(`::error::.*The configuration of webhook ${hook.id} was already changed: content_type; its events and active state were not`))
      expect(emulator.hooks(target)[0]).toMatchObject({ events: ['push'], config: expect.objectContaining({ content_type: 'form' }) })
    })
  })
})
