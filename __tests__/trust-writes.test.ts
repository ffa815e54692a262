/**
 * What a hostile review found (issue "Trust"), secret safety and sends: each test drives the bundled action
 * (dist/index.js, run as a runner runs it) against the emulator — on the organization scope, the same
 * code in-process (see stepOn) — and fails on the code before the fix.
 */
import { describe, expect, test } from '@jest/globals'
import { callApi, emulator, receiver, useEmulator } from './helpers/emulator.js'
import { LONG_AGO, ROOTS, seen, stepOn, TARGETS, writes } from './helpers/trust.js'

const SECRET = 'trust-s3cret'
useEmulator({}, SECRET)

describe.each(['repo', 'org'] as const)('%s scope', (scope) => {
  const target = TARGETS[scope]
  const root = ROOTS[scope]
  const step = stepOn(scope)

  describe('1. a retried create adopts only a hook created during the step', () => {
    test("create: a lost first POST whose retry meets an older hook with the url fails with GitHub's 422; the old secret stays", async () => {
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
      expect(emulator.hooks(target)).toEqual([
        expect.objectContaining({ id: Number(run.outputs.hook_id), config: expect.objectContaining({ secret: SECRET }) })
      ])
    })

    test('create: its own lost POST is found among other hooks with the url (non-overlapping events)', async () => {
      emulator.addHook(target, { url: receiver.url, events: ['issues'], content_type: 'json', secret: 'old-secret', created_at: LONG_AGO })
      emulator.setFaults({ dropConnectionEvery: 1, dropAfterApplying: true, methods: ['POST'], times: 1 })
      const run = await step({ operation: 'create', url: receiver.url, secret: SECRET, events: 'push' })
      expect(run.exitCode).toBe(0)
      const hooks = emulator.hooks(target)
      expect(hooks).toHaveLength(2)
      expect(hooks.find((h) => h.id === Number(run.outputs.hook_id))).toMatchObject({
        events: ['push'],
        config: expect.objectContaining({ secret: SECRET })
      })
      expect(hooks.find((h) => h.id !== Number(run.outputs.hook_id))?.config.secret).toBe('old-secret')
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
    test.each(['ensure-absent', 'delete', 'get', 'ping', 'ensure', 'redeliver-failed'])(
      '%s fails before any write, naming both',
      async (operation) => {
        const a = emulator.addHook(target, { url: 'https://a.example.com/hook', secret: SECRET })
        emulator.addHook(target, { url: 'https://b.example.com/prod', secret: SECRET })
        const run = await step({ operation, hook_id: String(a.id), url: 'https://b.example.com/prod' })
        expect(run.exitCode).toBe(1)
        expect(run.stdout).toMatch(
          new RegExp(
            `::error::Inputs 'hook_id' and 'url' name different webhooks: hook ${a.id} of .* has the url 'https://a.example.com/hook', not 'https://b.example.com/prod'`
          )
        )
        expect(writes()).toEqual([])
        expect(emulator.hooks(target)).toHaveLength(2)
      }
    )

    test.each(['ensure-absent', 'ensure', 'delete'])(
      '%s with a hook_id that does not exist and the url of a hook that does fails, naming both',
      async (operation) => {
        const b = emulator.addHook(target, { url: 'https://b.example.com/prod', secret: SECRET })
        const run = await step({ operation, hook_id: '999999', url: 'https://b.example.com/prod' })
        expect(run.exitCode).toBe(1)
        expect(run.stdout).toContain(
          `::error::Inputs 'hook_id' and 'url' name different webhooks: hook 999999 does not exist on ${scope === 'repo' ? 'repository octo-org/hello-world' : 'organization octo-org'}, and the url 'https://b.example.com/prod' is webhook ${b.id}.`
        )
        expect(writes()).toEqual([])
        expect(emulator.hooks(target)).toHaveLength(1)
      }
    )

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

    test("delete by url whose answer was lost: the retry's 404 and a GET's 404 mean it was deleted", async () => {
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
      // The step's DELETE has arrived and is held (the fault counts it on arrival): the other one lands first.
      while (emulator.faultsInjected === 0) await new Promise((resolve) => setTimeout(resolve, 10))
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
})
