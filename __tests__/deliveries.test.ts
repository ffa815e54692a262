/**
 * Delivery verdicts (ping/test wait for their delivery) and redeliver-failed, end to end against the
 * emulator with a real loopback receiver; plus the pure grouping of failed guids.
 */
import { describe, expect, test } from '@jest/globals'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { HookTarget } from '../emulator/server.js'
import { failedGuids } from '../src/jobs/deliveries.js'
import type { DeliveryItem } from '../src/model.js'
import { runAction } from './helpers/action.js'
import { emulator, receiver, useEmulator } from './helpers/emulator.js'

const SECRET = 'verdict-s3cret'
useEmulator({}, SECRET)

/** GitHub-style time (whole seconds, UTC) `ago` ms before now. */
const isoAgo = (ago: number): string => new Date(Date.now() - ago).toISOString().replace(/\.\d+Z$/, 'Z')

describe('failedGuids', () => {
  const item = (id: number, guid: string, status_code: number): DeliveryItem =>
    ({ id, guid, status_code, status: '', event: 'push', action: null, delivered_at: '', redelivery: false, duration: 0 }) as DeliveryItem
  test('a guid has failed when none of its attempts got a 2xx; newest attempt kept; oldest guid first', () => {
    const deliveries = [
      item(9, 'c', 0),
      item(8, 'b', 200),
      item(7, 'a', 502),
      item(6, 'b', 500),
      item(5, 'c', 404),
      item(4, 'a', 500),
      item(3, 'd', 302)
    ]
    expect(failedGuids(deliveries).map((f) => [f.guid, f.newest.id, f.attempts])).toEqual([
      ['d', 3, 1],
      ['a', 7, 2],
      ['c', 9, 2]
    ])
  })
})

describe.each([
  { scope: 'repo', target: { owner: 'octo-org', repo: 'hello-world' } },
  { scope: 'org', target: { org: 'octo-org' } }
] as const)('$scope scope', ({ scope, target }) => {
  const action = (inputs: Record<string, string>) =>
    runAction({ scope, repository: 'octo-org/hello-world', token: 'test-token', api_url: emulator.url, ...inputs })

  test('ping waits for its delivery: 200 passes; after the receiver turns to 500 the next ping fails with that answer', async () => {
    const hook = emulator.addHook(target, { url: receiver.url, secret: SECRET })
    const ok = await action({ operation: 'ping', hook_id: String(hook.id) })
    expect(ok.exitCode).toBe(0)
    expect(ok.outputs).toMatchObject({ status_code: '200', delivery_status: 'OK', delivery_guid: receiver.received[0].guid })
    expect(Number(ok.outputs.duration)).toBeGreaterThanOrEqual(0)
    expect(ok.summary).toContain('✅')

    receiver.setStatus(500, 'database is down')
    const failed = await action({ operation: 'ping', url: receiver.url })
    expect(failed.exitCode).toBe(1)
    expect(failed.outputs.status_code).toBe('500')
    expect(failed.outputs.delivery_id).not.toBe(ok.outputs.delivery_id)
    expect(failed.outputs.delivery_guid).toBe(receiver.received[1].guid)
    expect(failed.stdout).toMatch(
      /::error::The receiver of webhook \d+ answered 500 \(.*\), not 2xx for ping delivery \d+ .*Response body: database is down/
    )
    expect(failed.summary).toContain('❌')

    const tolerated = await action({ operation: 'ping', url: receiver.url, fail_on_delivery_error: 'false' })
    expect(tolerated.exitCode).toBe(0)
    expect(tolerated.stdout).toContain('::warning::The receiver of webhook')
  })

  test('ping with wait: false returns without a verdict', async () => {
    const hook = emulator.addHook(target, { url: receiver.url })
    receiver.setStatus(500)
    const run = await action({ operation: 'ping', hook_id: String(hook.id), wait: 'false' })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status_code).toBeUndefined()
    expect(emulator.requests.map((r) => r.method)).toEqual(['POST'])
  })

  test('no delivery within wait_timeout fails saying how long it waited', async () => {
    // A receiver that answers after 2 s: GitHub (the emulator) records the delivery only then.
    const slow = createServer((_request, response) => void setTimeout(() => response.end('late'), 2000))
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve))
    const hook = emulator.addHook(target, { url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/hook` })
    const run = await action({ operation: 'ping', hook_id: String(hook.id), wait_timeout: '1' })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain(`::error::Waited 1 s for the ping delivery of webhook ${hook.id}: GitHub recorded no delivery.`)
    await emulator.idle()
    slow.close()
  })

  test('list-deliveries since a duration gathers only the recent pages', async () => {
    const hook = emulator.addHook(target, { url: receiver.url })
    for (let i = 0; i < 5; i++) emulator.addDelivery(target, hook.id, { delivered_at: isoAgo(3 * 3600_000), status_code: 200 })
    for (let i = 0; i < 4; i++) emulator.addDelivery(target, hook.id, { delivered_at: isoAgo(60_000), status_code: 200 })
    const run = await action({ operation: 'list-deliveries', hook_id: String(hook.id), since: '2h', per_page: '3' })
    expect(JSON.parse(run.outputs.deliveries)).toHaveLength(4)
    expect(emulator.requests).toHaveLength(2) // the second page holds the first old delivery: the walk stops there
  })

  test('redeliver-failed redelivers exactly the guids that never succeeded, oldest first, capped; a re-run redelivers nothing', async () => {
    const hook = emulator.addHook(target, { url: receiver.url, secret: SECRET })
    const seed = (guid: string, status_code: number, ago: number) =>
      emulator.addDelivery(target, hook.id, {
        guid,
        status_code,
        event: 'push',
        delivered_at: isoAgo(ago),
        status: status_code === 0 ? 'failed to connect' : undefined
      })
    seed('too-old', 500, 30 * 3600_000) // before the default since (24h): left alone
    const attempts: Record<string, number[]> = {}
    for (let i = 0; i < 230; i++) {
      // 230 deliveries over 3 pages: every 20th guid fails for good (one with no status code), every 15th fails then succeeds
      const guid = `guid-${String(i).padStart(3, '0')}`
      const ago = (240 - i) * 60_000
      const first = i % 20 === 0 ? (i === 40 ? 0 : 502) : i % 15 === 0 ? 500 : 200
      attempts[guid] = [seed(guid, first, ago).id]
    }
    for (let i = 0; i < 230; i += 15) if (i % 20 !== 0) seed(`guid-${String(i).padStart(3, '0')}`, 200, 30_000)
    for (const guid of ['guid-020', 'guid-100']) attempts[guid].push(seed(guid, 503, 20_000).id) // failed retries: the newest attempt is redelivered
    const failing = Object.keys(attempts).filter((guid) => Number(guid.slice(5)) % 20 === 0)
    expect(failing).toHaveLength(12)

    const first = await action({ operation: 'redeliver-failed', hook_id: String(hook.id), max_redeliveries: '5' })
    expect(first.exitCode).toBe(0)
    expect(first.outputs).toMatchObject({ failed_count: '12', redelivered: '5' })
    expect(JSON.parse(first.outputs.failed_guids)).toEqual(failing)
    expect(JSON.parse(first.outputs.redelivered_ids)).toEqual(failing.slice(0, 5).map((guid) => attempts[guid].at(-1)))
    expect(emulator.requests.filter((r) => r.method === 'GET')).toHaveLength(3)
    expect(first.summary).toContain('guid-000')
    await emulator.idle()
    expect(receiver.received.map((r) => r.guid)).toEqual(failing.slice(0, 5))

    const second = await action({ operation: 'redeliver-failed', hook_id: String(hook.id) })
    expect(second.outputs).toMatchObject({ failed_count: '7', redelivered: '7' })
    await emulator.idle()
    const third = await action({ operation: 'redeliver-failed', hook_id: String(hook.id) })
    expect(third.outputs).toMatchObject({ failed_count: '0', failed_guids: '[]', redelivered: '0', redelivered_ids: '[]' })
  })
})

describe('test push', () => {
  const action = (inputs: Record<string, string>) =>
    runAction({ repository: 'octo-org/hello-world', token: 'test-token', api_url: emulator.url, operation: 'test', ...inputs })
  const repo: HookTarget = { owner: 'octo-org', repo: 'hello-world' }

  test('waits for the push delivery and reports it', async () => {
    const hook = emulator.addHook(repo, { url: receiver.url, events: ['*'], secret: SECRET })
    const run = await action({ hook_id: String(hook.id) })
    expect(run.exitCode).toBe(0)
    expect(JSON.parse(run.outputs.delivery)).toMatchObject({ event: 'push', status_code: 200 })
  })

  test('on a hook not subscribed to push: warns and returns at once', async () => {
    const hook = emulator.addHook(repo, { url: receiver.url, events: ['issues'] })
    const started = Date.now()
    const run = await action({ hook_id: String(hook.id) })
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toMatch(/::warning::Webhook \d+ is not subscribed to push \(events: issues\)/)
    expect(Date.now() - started).toBeLessThan(400) // no poll: the first would come after 500 ms
    expect(emulator.requests.map((r) => r.method)).toEqual(['GET', 'POST'])
  })
})

describe('bad input for the delivery operations fails before any request', () => {
  test.each<[Record<string, string>, RegExp]>([
    [{ operation: 'ping', hook_id: '1', wait_timeout: '0' }, /Input 'wait_timeout' is '0'; it accepts a positive number of seconds up to 600/],
    [{ operation: 'ping', hook_id: '1', wait_timeout: '601' }, /Input 'wait_timeout' is '601'/],
    [{ operation: 'ping', hook_id: '1', wait_timeout: 'soon' }, /Input 'wait_timeout' is 'soon'/],
    [{ operation: 'list-deliveries', hook_id: '1', since: 'yesterday' }, /Input 'since' is 'yesterday'; it accepts an ISO 8601 time/],
    [{ operation: 'redeliver-failed', hook_id: '1', max_redeliveries: '0' }, /Input 'max_redeliveries' is '0'; it accepts a positive integer/],
    [{ operation: 'test', scope: 'org', hook_id: '1' }, /Input 'operation' is 'test', which exists for repository webhooks only/],
    [{ operation: 'ping', hook_id: '1', wait: 'sometimes' }, /Input 'wait' is 'sometimes'; it accepts true or false/]
  ])('%j', async (inputs, message) => {
    const run = await runAction({ repository: 'octo-org/hello-world', token: 'test-token', api_url: emulator.url, ...inputs })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(new RegExp(`::error::${message.source}`))
    expect(emulator.requests).toEqual([])
  })
})
