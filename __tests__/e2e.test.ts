/**
 * End to end: the action's run() against the local GitHub emulator over real HTTP, for both scopes,
 * with a real webhook receiver on loopback. Every emulator response is checked against GitHub's
 * OpenAPI description (`validate: true`).
 */
import { describe, expect, test } from '@jest/globals'
import { emulator, receiver, useEmulator } from './helpers/emulator.js'
import { runStep } from '../emulator/runner.js'
import { runAction } from './helpers/action.js'

const SECRET = 'It$-a-s3cret'
const REPO = { owner: 'octo-org', repo: 'hello-world' }
const ORG = { org: 'octo-org' }

useEmulator({ readOnlyTokens: ['read-only-token'] }, SECRET)

/** Writes made to the emulator: method and path of every non-GET request. */
const writes = (): string[] => emulator.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`)

describe.each([
  { scope: 'repo', target: REPO, root: '/repos/octo-org/hello-world', noun: 'repository' },
  { scope: 'org', target: ORG, root: '/orgs/octo-org', noun: 'organization' }
] as const)('$scope scope', ({ scope, target, root, noun }) => {
  /** Runs the action on this scope against the emulator. */
  const action = (inputs: Record<string, string>, token = 'test-token') =>
    runAction({ scope, repository: 'octo-org/hello-world', org: 'octo-org', token, api_url: emulator.url, ...inputs })

  test('create applies the action defaults and stores the secret; get by url finds the hook', async () => {
    const created = await action({ operation: 'create', url: receiver.url, secret: SECRET })
    expect(created.exitCode).toBe(0)
    const hook = JSON.parse(created.outputs.hook)
    expect(created.outputs.hook_id).toBe(String(hook.id))
    expect(hook).toMatchObject({
      active: true,
      events: ['push'],
      config: { url: receiver.url, content_type: 'json', insecure_ssl: '0', secret: '********' }
    })
    expect(emulator.hooks(target)[0].config.secret).toBe(SECRET)
    expect(created.summary).toContain(`Webhooks: create on ${noun} octo-org`)
    expect(created.summary).not.toContain(SECRET)

    const got = await action({ operation: 'get', url: receiver.url })
    expect(got.exitCode).toBe(0)
    expect(got.outputs.hook_id).toBe(String(hook.id))
    expect(emulator.requests.at(-1)).toMatchObject({ method: 'GET', path: `${root}/hooks` })
  })

  test('list gathers every page and respects limit', async () => {
    for (let i = 0; i < 5; i++) emulator.addHook(target, { url: `https://example.com/${i}` })
    const all = await action({ operation: 'list', per_page: '2' })
    expect(JSON.parse(all.outputs.hooks).map((h: { config: { url: string } }) => h.config.url)).toEqual(
      [0, 1, 2, 3, 4].map((i) => `https://example.com/${i}`)
    )
    // pages 2 and 3 through the Link header's /repositories/{id}/hooks URLs for a repository, as on GitHub
    expect(emulator.requests.filter((r) => r.path === `${root}/hooks` || /^\/repositories\/\d+\/hooks$/.test(r.path))).toHaveLength(3)
    expect((all.summary.match(/<tr>/g) ?? []).length).toBe(6) // header + 5 hooks

    const some = await action({ operation: 'list', per_page: '2', limit: '3' })
    expect(JSON.parse(some.outputs.hooks)).toHaveLength(3)
  })

  test('update by url changes events without sending config, so the stored secret stays', async () => {
    const stored = emulator.addHook(target, { url: receiver.url, events: ['push'], secret: SECRET, content_type: 'form' })
    const updated = await action({ operation: 'update', url: receiver.url, events: 'push, issues', active: 'false' })
    expect(updated.exitCode).toBe(0)
    expect(JSON.parse(updated.outputs.hook)).toMatchObject({ id: stored.id, events: ['push', 'issues'], active: false })
    const patch = emulator.requests.find((r) => r.method === 'PATCH')
    expect(patch?.body).toEqual({ events: ['push', 'issues'], active: false })
    expect(writes()).toEqual([`PATCH ${root}/hooks/${stored.id}`])
    expect(emulator.hooks(target)[0].config).toMatchObject({ secret: SECRET, content_type: 'form', url: receiver.url })
  })

  test('update with hook_id moves the hook to a new url through the config endpoint', async () => {
    const stored = emulator.addHook(target, { url: 'https://old.example.com/hook', secret: SECRET })
    const moved = await action({ operation: 'update', hook_id: String(stored.id), url: 'https://new.example.com/hook', insecure_ssl: '1' })
    expect(moved.exitCode).toBe(0)
    expect(writes()).toEqual([`PATCH ${root}/hooks/${stored.id}/config`])
    expect(emulator.requests.find((r) => r.method === 'PATCH')?.body).toEqual({ url: 'https://new.example.com/hook', insecure_ssl: '1' })
    expect(JSON.parse(moved.outputs.hook).config).toMatchObject({ url: 'https://new.example.com/hook', insecure_ssl: '1' })
    expect(emulator.hooks(target)[0].config).toMatchObject({ secret: SECRET, url: 'https://new.example.com/hook' })
  })

  test('add_events and remove_events merge into the list', async () => {
    const stored = emulator.addHook(target, { url: receiver.url, events: ['push', 'issues'], secret: SECRET })
    const updated = await action({ operation: 'update', hook_id: String(stored.id), add_events: 'release,push', remove_events: 'issues' })
    expect(updated.exitCode).toBe(0)
    expect(emulator.hooks(target)[0].events).toEqual(['push', 'release'])
    const patch = emulator.requests.find((r) => r.method === 'PATCH')
    // The org endpoint has no add_events/remove_events: the action reads the hook and writes events.
    expect(patch?.body).toEqual(scope === 'org' ? { events: ['push', 'release'] } : { add_events: ['release', 'push'], remove_events: ['issues'] })
    expect(emulator.hooks(target)[0].config.secret).toBe(SECRET)
  })

  test('update-config rotates the secret; get-config reads it back masked', async () => {
    const stored = emulator.addHook(target, { url: receiver.url, secret: 'old-secret' })
    const rotated = await action({ operation: 'update-config', hook_id: String(stored.id), secret: SECRET })
    expect(rotated.exitCode).toBe(0)
    expect(emulator.hooks(target)[0].config.secret).toBe(SECRET)
    expect(rotated.stdout).toContain(`::add-mask::${SECRET}`)

    const config = await action({ operation: 'get-config', url: receiver.url })
    expect(JSON.parse(config.outputs.config)).toMatchObject({ url: receiver.url, secret: '********' })
    expect(config.summary).toMatch(/<td>secret<\/td><td>set<\/td>/)
  })

  test('the mask ******** is refused before any request', async () => {
    const stored = emulator.addHook(target, { url: receiver.url, secret: SECRET })
    const run = await action({ operation: 'update-config', hook_id: String(stored.id), secret: '********' })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(/::error::Input 'secret' is '\*{8}'/)
    expect(emulator.requests).toEqual([])
    expect(emulator.hooks(target)[0].config.secret).toBe(SECRET)
  })

  test('ping makes a signed delivery; list-deliveries and get-delivery report it; redeliver re-sends it', async () => {
    const stored = emulator.addHook(target, { url: receiver.url, secret: SECRET, events: ['push'] })
    const pinged = await action({ operation: 'ping', url: receiver.url })
    expect(pinged.exitCode).toBe(0)
    expect(pinged.outputs.hook_id).toBe(String(stored.id))
    await emulator.idle()
    expect(receiver.received).toHaveLength(1)
    expect(receiver.received[0]).toMatchObject({ event: 'ping', hookId: String(stored.id), signatureValid: true })

    const listed = await action({ operation: 'list-deliveries', hook_id: String(stored.id) })
    const [delivery] = JSON.parse(listed.outputs.deliveries)
    expect(delivery).toMatchObject({ event: 'ping', status_code: 200, status: 'OK', guid: receiver.received[0].guid, redelivery: false })
    expect(listed.summary).toContain(receiver.received[0].guid)

    const got = await action({ operation: 'get-delivery', url: receiver.url, delivery_id: String(delivery.id) })
    expect(got.outputs).toMatchObject({ delivery_id: String(delivery.id), delivery_guid: delivery.guid, delivery_status: 'OK', status_code: '200' })
    expect(JSON.parse(got.outputs.delivery).request.headers['X-GitHub-Event']).toBe('ping')

    const again = await action({ operation: 'redeliver', url: receiver.url, delivery_id: String(delivery.id) })
    expect(again.exitCode).toBe(0)
    expect(again.outputs.delivery_id).toBe(String(delivery.id))
    await emulator.idle()
    expect(receiver.received.map((r) => r.guid)).toEqual([delivery.guid, delivery.guid])
    const relisted = JSON.parse((await action({ operation: 'list-deliveries', hook_id: String(stored.id) })).outputs.deliveries)
    expect(relisted.map((d: { redelivery: boolean }) => d.redelivery)).toEqual([true, false])
  })

  test('get-delivery reports what the receiver answered when it fails', async () => {
    const stored = emulator.addHook(target, { url: receiver.url, secret: SECRET })
    receiver.setStatus(500, 'receiver exploded')
    await action({ operation: 'ping', hook_id: String(stored.id) })
    await emulator.idle()
    const listed = JSON.parse((await action({ operation: 'list-deliveries', hook_id: String(stored.id), status: 'failure' })).outputs.deliveries)
    expect(listed).toHaveLength(1)
    const got = await action({ operation: 'get-delivery', hook_id: String(stored.id), delivery_id: String(listed[0].id) })
    expect(got.outputs.status_code).toBe('500')
    expect(got.summary).toContain('receiver exploded')
    expect(JSON.parse((await action({ operation: 'list-deliveries', hook_id: String(stored.id), status: 'success' })).outputs.deliveries)).toEqual([])
  })

  test('list-deliveries follows the cursor of the Link header up to limit', async () => {
    const stored = emulator.addHook(target, { url: receiver.url })
    for (let i = 0; i < 7; i++) emulator.addDelivery(target, stored.id, { event: 'push', status_code: 200, status: 'OK' })
    const listed = await action({ operation: 'list-deliveries', hook_id: String(stored.id), per_page: '3', limit: '5' })
    const deliveries = JSON.parse(listed.outputs.deliveries)
    expect(deliveries).toHaveLength(5)
    const ids = deliveries.map((d: { id: number }) => d.id)
    expect([...ids].sort((a, b) => b - a)).toEqual(ids) // newest first
    expect(emulator.requests.filter((r) => r.path.endsWith('/deliveries'))).toHaveLength(2)
    expect(emulator.requests[1].query.cursor).toBeDefined()
  })

  test('delete by url removes the hook', async () => {
    const stored = emulator.addHook(target, { url: receiver.url })
    emulator.addHook(target, { url: 'https://other.example.com' })
    const deleted = await action({ operation: 'delete', url: receiver.url })
    expect(deleted.exitCode).toBe(0)
    expect(deleted.outputs.hook_id).toBe(String(stored.id))
    expect(emulator.hooks(target).map((h) => h.config.url)).toEqual(['https://other.example.com'])
  })

  test('by url: no match and several matches fail with a clear message and no write', async () => {
    const none = await action({ operation: 'delete', url: 'https://nobody.example.com' })
    expect(none.exitCode).toBe(1)
    expect(none.stdout).toContain(`::error::No webhook of ${noun} octo-org`)
    const a = emulator.addHook(target, { url: receiver.url, events: ['push'] })
    const b = emulator.addHook(target, { url: receiver.url, events: ['issues'] })
    const several = await action({ operation: 'delete', url: receiver.url })
    expect(several.exitCode).toBe(1)
    expect(several.stdout).toMatch(
      new RegExp(`::error::2 webhooks of ${noun} octo-org.* have the url .*${a.id} \\(events: push\\), ${b.id} \\(events: issues\\)\\. Set 'hook_id'`)
    )
    expect(writes()).toEqual([])
    expect(emulator.hooks(target)).toHaveLength(2)
  })

  test('a duplicate create surfaces GitHub 422 message', async () => {
    emulator.addHook(target, { url: receiver.url, events: ['push'] })
    const dup = await action({ operation: 'create', url: receiver.url, events: 'push' })
    expect(dup.exitCode).toBe(1)
    expect(dup.stdout).toContain(`::error::GitHub answered 422 to POST ${root}/hooks: Validation Failed`)
    expect(dup.stdout).toContain(`Hook already exists on this ${noun}`)
    expect(dup.summary).toContain(`Webhooks: create on ${noun} octo-org`)
    expect(dup.summary).toContain('failed')
  })

  test('401 and 403/404 explain the token', async () => {
    const bad = await action({ operation: 'list' }, 'wrong-token')
    expect(bad.exitCode).toBe(1)
    expect(bad.stdout).toMatch(/::error::GitHub answered 401 .*Bad credentials.*invalid or expired/s)

    const readOnly = await action({ operation: 'create', url: receiver.url }, 'read-only-token')
    expect(readOnly.exitCode).toBe(1)
    expect(readOnly.stdout).toContain('GitHub answered 403')
    expect(readOnly.stdout).toContain(scope === 'repo' ? 'admin:repo_hook' : 'admin:org_hook')
    expect(readOnly.stdout).toContain('GITHUB_TOKEN cannot manage webhooks')

    const missing = await action({ operation: 'get', hook_id: '999' })
    expect(missing.stdout).toMatch(new RegExp(`GitHub answered 404 to GET ${root}/hooks/999: Not Found.*"Webhooks" ${noun} permission`, 's'))
  })

  test('wording: counts take the right number, empty lists say so, a column a scope never has is left out', async () => {
    const none = await action({ operation: 'list' })
    expect(none.stdout).toContain(`0 webhooks of ${noun} octo-org`)
    expect(none.summary).toContain('<p>No webhooks.</p>')
    expect(none.summary).not.toContain('<table>')

    const hook = emulator.addHook(target, { url: 'https://unreachable.example.com/hook', events: ['push'], content_type: 'json' })
    const one = await action({ operation: 'list' })
    expect(one.stdout).toContain(`1 webhook of ${noun} octo-org`)
    expect(one.summary.includes('last response')).toBe(scope === 'repo') // organization hooks have no last_response

    const empty = await action({ operation: 'list-deliveries', hook_id: String(hook.id) })
    expect(empty.stdout).toContain(`0 deliveries of webhook ${hook.id}`)
    expect(empty.summary).toContain('<p>No deliveries.</p>')

    const changed = await action({ operation: 'ensure', url: 'https://unreachable.example.com/hook', events: 'push, issues' })
    expect(changed.stdout).toMatch(/: updated \(1 change: events\)/)

    const pinged = await action({ operation: 'ping', hook_id: String(hook.id), fail_on_delivery_error: 'false' })
    expect(pinged.stdout).toMatch(/the receiver could not be reached \(failed to connect\)/)
    expect(pinged.stdout).not.toMatch(/answered 0/)
    expect(pinged.summary).toContain('— (no answer)')
  })
})

describe('repository only', () => {
  const action = (inputs: Record<string, string>) =>
    runAction({ repository: 'octo-org/hello-world', token: 'test-token', api_url: emulator.url, ...inputs })

  test('test push is delivered only to a hook subscribed to push', async () => {
    const push = emulator.addHook(REPO, { url: receiver.url, events: ['push'], secret: SECRET })
    const issues = emulator.addHook(REPO, { url: receiver.url, events: ['issues'], secret: SECRET })
    expect((await action({ operation: 'test', hook_id: String(push.id) })).exitCode).toBe(0)
    expect((await action({ operation: 'test', hook_id: String(issues.id) })).exitCode).toBe(0)
    await emulator.idle()
    expect(receiver.received.map((r) => [r.event, r.hookId, r.signatureValid])).toEqual([['push', String(push.id), true]])
  })

  test('test on an organization fails before any request', async () => {
    const run = await action({ operation: 'test', scope: 'org', hook_id: '1' })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain("::error::Input 'operation' is 'test', which exists for repository webhooks only")
    expect(emulator.requests).toEqual([])
  })

  test('GHES-style /api/v3 root and API version 2026-03-10', async () => {
    const created = await action({
      operation: 'create',
      url: receiver.url,
      api_url: emulator.ghesUrl,
      api_version: '2026-03-10',
      content_type: 'form'
    })
    expect(created.exitCode).toBe(0)
    const hook = JSON.parse(created.outputs.hook)
    expect(hook.url).toBe(`${emulator.ghesUrl}/repos/octo-org/hello-world/hooks/${hook.id}`)
    expect(hook.config.content_type).toBe('form')
    expect(emulator.requests[0].headers['x-github-api-version']).toBe('2026-03-10')
  })

  test('bad inputs fail with every problem named and no request', async () => {
    const run = await action({ operation: 'update', hook_id: 'x', events: 'push,,issues', per_page: '0' })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain("::error::Input 'hook_id' is 'x'")
    expect(run.stdout).toContain("::error::Input 'events' has an empty name")
    expect(run.summary).toContain('Webhooks: invalid inputs')
    expect(run.summary).toContain('Input &#39;hook_id&#39; is &#39;x&#39;')
    expect(emulator.requests).toEqual([])
  })
})

describe('the bundled dist/index.js, run as a runner runs it', () => {
  test.each(['repo', 'org'])('%s: create then list; the secret shows only in ::add-mask::', async (scope) => {
    const inputs = { scope, repository: 'octo-org/hello-world', token: 'test-token', api_url: emulator.url }
    const created = await runStep({ ...inputs, operation: 'create', url: receiver.url, secret: SECRET, events: '["push","release"]' })
    expect(created.exitCode).toBe(0)
    expect(created.stdout.split('\n').filter((line) => line.includes(SECRET))).toEqual([`::add-mask::${SECRET}`])
    const listed = await runStep({ ...inputs, operation: 'list' })
    expect(JSON.parse(listed.outputs.hooks)).toEqual([expect.objectContaining({ id: Number(created.outputs.hook_id), events: ['push', 'release'] })])
    expect(listed.summary).toContain(receiver.url)
  })
})
