/**
 * The GitHub webhooks API emulator (emulator/server.ts, with store.ts, representations.ts, routes.ts
 * and delivery.ts), its receiver (emulator/receiver.ts) and the OpenAPI response validator
 * (emulator/openapi.ts), driven over real HTTP on 127.0.0.1.
 * Every emulator response is validated against GitHub's OpenAPI description (`validate: true`) and
 * each test ends by asserting that no violation was recorded.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from '@jest/globals'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHmac } from 'node:crypto'
import { buildWebhookRequest, isLoopbackHost, rubyJson, sendWebhook } from '../emulator/delivery.js'
import { validateResponse, matchPathTemplate, type ApiFlavour } from '../emulator/openapi.js'
import { startReceiver } from '../emulator/receiver.js'
import { emulator, receiver, callApi, useEmulator, type Answer, type Body } from './helpers/emulator.js'
import type { HookTarget } from '../emulator/server.js'

const TOKEN = 'test-token'
const READ_ONLY_TOKEN = 'read-only-token'
const SECRET = 'It$-a-s3cret'
const DOCS = 'https://docs.github.com/rest'
const REPO = { owner: 'octo-org', repo: 'hello-world' }
const ORG = { org: 'octo-org' }
const ISO_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/

useEmulator({ readOnlyTokens: [READ_ONLY_TOKEN] }, SECRET)

/** Calls the emulator as TOKEN: `path` is absolute, or relative to the api.github.com-style root. */
const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer> =>
  callApi(emulator.url, method, path, { body, headers, token: TOKEN })

/** URLs of a Link header by rel. */
function links(answer: Answer): Record<string, string> {
  const header = answer.headers.get('link') ?? ''
  return Object.fromEntries([...header.matchAll(/<([^>]+)>; rel="(\w+)"/g)].map(([, url, rel]) => [rel, url]))
}

const SCOPES = [
  { scope: 'repo', target: REPO as HookTarget, path: '/repos/octo-org/hello-world', type: 'Repository', noun: 'repository' },
  { scope: 'org', target: ORG as HookTarget, path: '/orgs/octo-org', type: 'Organization', noun: 'organization' }
] as const
const ROOTS = [
  { flavour: 'api.github.com', root: (): string => emulator.url },
  { flavour: 'GHES /api/v3', root: (): string => emulator.ghesUrl }
] as const
const CASES = SCOPES.flatMap((s) => ROOTS.map((r) => ({ ...s, ...r, label: `${s.scope} scope via ${r.flavour}` })))

describe.each(CASES)('$label', ({ scope, target, path, type, noun, root }) => {
  const hooksUrl = (): string => `${root()}${path}/hooks`
  const create = (body: Record<string, unknown>): Promise<Answer> => call('POST', hooksUrl(), { name: 'web', ...body })

  test('create applies the documented defaults; GET returns the same hook', async () => {
    const created = await create({ config: { url: 'https://example.com/hook' } })
    expect(created.status).toBe(201)
    const hook = created.body
    const self = `${hooksUrl()}/${hook.id}`
    expect(hook).toMatchObject({
      type,
      name: 'web',
      active: true,
      events: ['push'],
      config: { content_type: 'form', insecure_ssl: '0', url: 'https://example.com/hook' },
      url: self,
      ping_url: `${self}/pings`,
      deliveries_url: `${self}/deliveries`
    })
    expect(hook.config).not.toHaveProperty('secret')
    expect(hook.created_at).toMatch(ISO_SECONDS)
    if (scope === 'repo') {
      expect(hook.test_url).toBe(`${self}/test`)
      expect(hook.last_response).toEqual({ code: null, status: 'unused', message: null })
    } else {
      expect(hook).not.toHaveProperty('test_url')
    }
    // The creation ping to example.com is never sent ("failed to connect"); only last_response shows it.
    await emulator.idle()
    const got = (await call('GET', self)).body
    if (scope === 'repo') {
      expect(got).toEqual({ ...hook, last_response: { code: null, status: 'misconfigured', message: 'failed to connect' } })
    } else {
      expect(got).toEqual(hook)
    }
    expect(emulator.hooks(target)).toHaveLength(1)

    const numeric = await create({
      events: ['issues'],
      active: false,
      config: { url: 'https://example.com/other', insecure_ssl: 1, content_type: 'json' }
    })
    expect(numeric.status).toBe(201)
    expect(numeric.body).toMatchObject({ active: false, events: ['issues'], config: { insecure_ssl: '1', content_type: 'json' } })
  })

  test('the same url with overlapping events is 422 "Hook already exists"', async () => {
    expect((await create({ events: ['push', 'issues'], config: { url: 'https://example.com/hook' } })).status).toBe(201)
    const duplicate = await create({ events: ['issues'], config: { url: 'https://example.com/hook' } })
    expect(duplicate.status).toBe(422)
    expect(duplicate.body).toEqual({
      message: 'Validation Failed',
      errors: [{ resource: 'Hook', code: 'custom', message: `Hook already exists on this ${noun}` }],
      documentation_url: DOCS,
      status: '422'
    })
    expect((await create({ events: ['*'], config: { url: 'https://example.com/hook' } })).status).toBe(422)
    expect((await create({ events: ['release'], config: { url: 'https://example.com/hook' } })).status).toBe(201)
    expect((await create({ events: ['push'], config: { url: 'https://example.com/elsewhere' } })).status).toBe(201)
    expect(emulator.hooks(target)).toHaveLength(3)
  })

  test('PATCH hook with config replaces it (secret dropped); PATCH config merges (secret kept)', async () => {
    const created = await create({ config: { url: 'https://example.com/a', secret: SECRET, content_type: 'json', insecure_ssl: '1' } })
    expect(created.body.config.secret).toBe('********')
    expect(emulator.hooks(target)[0].config.secret).toBe(SECRET)
    const self = created.body.url

    const merged = await call('PATCH', `${self}/config`, { url: 'https://example.com/b' })
    expect(merged.status).toBe(200)
    expect(merged.body).toEqual({ content_type: 'json', insecure_ssl: '1', secret: '********', url: 'https://example.com/b' })
    expect((await call('GET', `${self}/config`)).body).toEqual(merged.body)
    expect(emulator.hooks(target)[0].config).toEqual({ content_type: 'json', insecure_ssl: '1', secret: SECRET, url: 'https://example.com/b' })

    const replaced = await call('PATCH', self, { active: false, config: { url: 'https://example.com/c' } })
    expect(replaced.status).toBe(200)
    expect(replaced.body).toMatchObject({
      active: false,
      events: ['push'],
      config: { content_type: 'form', insecure_ssl: '0', url: 'https://example.com/c' }
    })
    expect(replaced.body.config).not.toHaveProperty('secret')
    expect(emulator.hooks(target)[0].config.secret).toBeUndefined()
    expect(replaced.body.updated_at >= created.body.updated_at).toBe(true)

    // The real-GitHub trap: sending back the masked value stores it literally.
    await call('PATCH', `${self}/config`, { secret: '********' })
    expect(emulator.hooks(target)[0].config.secret).toBe('********')
  })

  test("list paginates with page/per_page and an absolute Link header (a repository's to /repositories/{id}/…)", async () => {
    const ids = Array.from({ length: 5 }, (_, i) => emulator.addHook(target, { url: `https://example.com/${i}` }).id)
    const first = await call('GET', `${hooksUrl()}?per_page=2`)
    expect(first.body.map((h: Body) => h.id)).toEqual(ids.slice(0, 2))
    // As recorded from GitHub: a repository's list links to its id form, whatever path was asked for.
    const linked = scope === 'repo' ? `${root()}/repositories/1296269/hooks` : hooksUrl()
    expect(links(first)).toEqual({ next: `${linked}?per_page=2&page=2`, last: `${linked}?per_page=2&page=3` })

    const middle = await call('GET', links(first).next)
    expect(middle.body.map((h: Body) => h.id)).toEqual(ids.slice(2, 4))
    expect(links(middle)).toEqual({
      prev: `${linked}?per_page=2&page=1`,
      next: `${linked}?per_page=2&page=3`,
      last: `${linked}?per_page=2&page=3`,
      first: `${linked}?per_page=2&page=1`
    })
    const last = await call('GET', links(first).last)
    expect(last.body.map((h: Body) => h.id)).toEqual(ids.slice(4))
    expect(links(last)).toEqual({ prev: `${linked}?per_page=2&page=2`, first: `${linked}?per_page=2&page=1` })

    const all = await call('GET', hooksUrl())
    expect(all.body).toHaveLength(5)
    expect(all.headers.get('link')).toBeNull()
  })

  test('deliveries: newest first, cursor pagination via Link, status filter', async () => {
    const hook = emulator.addHook(target, { url: 'https://example.com/hook' })
    const codes = [200, 500, 302, 0, 404, 503]
    const seeded = codes.map((status_code) => emulator.addDelivery(target, hook.id, { status_code, event: 'issues', action: 'opened' }))
    const newestFirst = seeded.map((d) => d.id).reverse()
    const deliveriesUrl = `${hooksUrl()}/${hook.id}/deliveries`

    const all = await call('GET', deliveriesUrl)
    expect(all.body.map((d: Body) => d.id)).toEqual(newestFirst)
    expect(all.headers.get('link')).toBeNull()
    expect(all.body[1]).toEqual({
      id: seeded[4].id,
      guid: seeded[4].guid,
      delivered_at: seeded[4].delivered_at,
      redelivery: false,
      duration: seeded[4].duration,
      status: 'Invalid HTTP Response: 404',
      status_code: 404,
      event: 'issues',
      action: 'opened',
      installation_id: null,
      repository_id: scope === 'repo' ? expect.any(Number) : null,
      throttled_at: null,
      url: 'https://example.com/hook' // recorded GitHub items carry the delivery's url
    })

    const linked = scope === 'repo' ? `${root()}/repositories/1296269/hooks/${hook.id}/deliveries` : deliveriesUrl
    const pages: number[][] = []
    const rels: string[][] = []
    let next: string | undefined = `${deliveriesUrl}?per_page=2`
    let last: Answer | undefined
    while (next) {
      last = await call('GET', next)
      pages.push(last.body.map((d: Body) => d.id))
      rels.push(Object.keys(links(last)).sort())
      next = links(last).next
      if (next) expect(next.startsWith(`${linked}?per_page=2&cursor=`)).toBe(true)
    }
    expect(pages).toEqual([newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4, 6)])
    // Cursor pages carry rel="prev" as well as rel="next", as recorded from GitHub; prev goes back a page.
    expect(rels).toEqual([['next'], ['next', 'prev'], ['prev']])
    const back = await call('GET', links(last as Answer).prev)
    expect(back.body.map((d: Body) => d.id)).toEqual(newestFirst.slice(2, 4))
    expect(Object.keys(links(back)).sort()).toEqual(['next', 'prev'])

    const success = await call('GET', `${deliveriesUrl}?status=success`)
    expect(success.body.map((d: Body) => d.status_code)).toEqual([302, 200])
    // failure = 400–599 (OpenAPI); status code 0 ("failed to connect") is in neither filter
    const failure = await call('GET', `${deliveriesUrl}?status=failure&per_page=2`)
    expect(failure.body.map((d: Body) => d.status_code)).toEqual([503, 404])
    expect(links(failure).next).toContain('status=failure')
    expect((await call('GET', links(failure).next)).body.map((d: Body) => d.status_code)).toEqual([500])
  })

  test.each(['json', 'form'] as const)('ping POSTs a signed %s delivery to the receiver and records it', async (contentType) => {
    // Seeded (no creation ping), so the explicit ping is the only delivery.
    const seeded = emulator.addHook(target, { url: receiver.url, secret: SECRET, content_type: contentType })
    const self = `${hooksUrl()}/${seeded.id}`
    expect((await call('POST', `${self}/pings`)).status).toBe(204)
    await emulator.idle()

    expect(receiver.received).toHaveLength(1)
    const got = receiver.received[0]
    expect(got).toMatchObject({ event: 'ping', hookId: String(seeded.id), signatureValid: true })
    expect(got.headers['x-github-hook-installation-target-type']).toBe(scope === 'repo' ? 'repository' : 'organization')
    expect(got.headers['x-hub-signature']).toMatch(/^sha1=[0-9a-f]{40}$/)
    expect(got.headers['user-agent']).toMatch(/^GitHub-Hookshot\//)
    const json = contentType === 'json' ? got.body : decodeURIComponent(got.body.replace(/^payload=/, ''))
    expect(got.contentType).toBe(contentType === 'json' ? 'application/json' : 'application/x-www-form-urlencoded')
    const payload = JSON.parse(json)
    expect(payload).toMatchObject({ zen: expect.any(String), hook_id: seeded.id, hook: { id: seeded.id, type } })
    expect(payload).toHaveProperty(scope === 'repo' ? 'repository.full_name' : 'organization.login')

    const listed = await call('GET', `${self}/deliveries`)
    expect(listed.body).toHaveLength(1)
    expect(listed.body[0]).toMatchObject({ event: 'ping', guid: got.guid, status: 'OK', status_code: 200, redelivery: false })
    const delivery = await call('GET', `${self}/deliveries/${listed.body[0].id}`)
    expect(delivery.body).toMatchObject({
      url: receiver.url,
      request: { headers: { 'X-GitHub-Event': 'ping', 'X-Hub-Signature-256': got.signature256 }, payload },
      response: { payload: 'ok' }
    })
    if (scope === 'repo') {
      expect((await call('GET', self)).body.last_response).toEqual({ code: 200, status: 'active', message: 'OK' })
    }
  })

  test('create sends an automatic ping after the 201 (seeded hooks get none)', async () => {
    const seeded = emulator.addHook(target, { url: receiver.url, secret: SECRET, events: ['issues'] })
    const created = await create({ config: { url: receiver.url, secret: SECRET, content_type: 'json' } })
    expect(created.status).toBe(201)
    await emulator.idle()

    expect(receiver.received).toHaveLength(1)
    const got = receiver.received[0]
    expect(got).toMatchObject({ event: 'ping', hookId: String(created.body.id), signatureValid: true })
    const payload = JSON.parse(got.body)
    expect(Object.keys(payload).sort()).toEqual(['hook', 'hook_id', scope === 'repo' ? 'repository' : 'organization', 'sender', 'zen'].sort())
    expect(payload).toMatchObject({ zen: expect.any(String), hook_id: created.body.id, sender: { login: expect.any(String) } })
    expect(payload.hook).toEqual(created.body) // the hook as the 201 showed it (repo: last_response "unused")

    const listed = (await call('GET', `${created.body.url}/deliveries`)).body
    expect(listed).toEqual([
      expect.objectContaining({ event: 'ping', action: null, redelivery: false, guid: got.guid, status: 'OK', status_code: 200 })
    ])
    expect(listed[0].delivered_at).toMatch(ISO_SECONDS)
    expect((await call('GET', `${created.body.url}/deliveries/${listed[0].id}`)).body.request.payload).toEqual(payload)
    expect((await call('GET', `${hooksUrl()}/${seeded.id}/deliveries`)).body).toEqual([])
  })

  test('a hook created inactive gets no creation ping (GitHub delivers nothing to an inactive hook)', async () => {
    // Found by apply-model.test.ts (issue 26): the ping proved the secret of an inactive hook, which
    // real GitHub never delivers to, and hid a plan that rewrote that secret on every run.
    const created = await create({ active: false, config: { url: receiver.url, secret: SECRET, content_type: 'json' } })
    expect(created.status).toBe(201)
    await emulator.idle()
    expect(receiver.received).toEqual([])
    expect((await call('GET', `${created.body.url}/deliveries`)).body).toEqual([])
  })

  test('redelivery repeats guid, event and payload with redelivery: true and a new id', async () => {
    const created = await create({ config: { url: receiver.url, secret: SECRET, content_type: 'json' } })
    await emulator.idle()
    const [original] = (await call('GET', `${created.body.url}/deliveries`)).body // the creation ping
    expect(original).toMatchObject({ event: 'ping', redelivery: false })

    const attempt = await call('POST', `${created.body.url}/deliveries/${original.id}/attempts`)
    expect(attempt.status).toBe(202)
    expect(attempt.body).toEqual({})
    await emulator.idle()

    const [redelivery, first] = (await call('GET', `${created.body.url}/deliveries`)).body
    expect(first.id).toBe(original.id)
    expect(redelivery).toMatchObject({ guid: original.guid, event: 'ping', redelivery: true, status_code: 200 })
    expect(redelivery.id).toBeGreaterThan(original.id)
    const [originalFull, redeliveryFull] = await Promise.all(
      [original.id, redelivery.id].map(async (id) => (await call('GET', `${created.body.url}/deliveries/${id}`)).body)
    )
    expect(redeliveryFull.request.payload).toEqual(originalFull.request.payload)
    expect(receiver.received.map((r) => r.guid)).toEqual([original.guid, original.guid])
    expect(receiver.received[1].body).toBe(receiver.received[0].body)
    expect(receiver.received.every((r) => r.signatureValid)).toBe(true)
  })

  test('delete removes the hook; unknown hook and delivery ids are 404', async () => {
    const created = await create({ config: { url: 'https://example.com/hook' } })
    expect((await call('DELETE', created.body.url)).status).toBe(204)
    const gone = await call('GET', created.body.url)
    expect(gone.status).toBe(404)
    expect(gone.body).toEqual({ message: 'Not Found', documentation_url: DOCS, status: '404' })
    expect((await call('GET', `${created.body.url}/config`)).status).toBe(404)
    expect(emulator.hooks(target)).toEqual([])

    const hook = emulator.addHook(target, { url: 'https://example.com/hook' })
    expect((await call('GET', `${hooksUrl()}/${hook.id}/deliveries/12345`)).status).toBe(404)
    expect((await call('POST', `${hooksUrl()}/${hook.id}/deliveries/12345/attempts`)).status).toBe(404)
  })
})

describe('scope-specific semantics', () => {
  test('repository: name is optional (default web) and anything but web is 422', async () => {
    const created = await call('POST', '/repos/octo-org/hello-world/hooks', { config: { url: 'https://example.com/hook' } })
    expect(created.status).toBe(201)
    expect(created.body.name).toBe('web')
    const named = await call('POST', '/repos/octo-org/hello-world/hooks', { name: 'travis', config: { url: 'https://example.com/x' } })
    expect(named.status).toBe(422)
    expect(named.body.errors).toEqual([{ resource: 'Hook', code: 'invalid', field: 'name' }])
  })

  test('organization: name is required, as its OpenAPI schema says', async () => {
    const unnamed = await call('POST', '/orgs/octo-org/hooks', { config: { url: 'https://example.com/hook' } })
    expect(unnamed.status).toBe(422)
    expect(unnamed.body.errors).toEqual([{ resource: 'Hook', code: 'missing_field', field: 'name' }])
  })

  test('a missing config.url is 422', async () => {
    for (const path of ['/repos/octo-org/hello-world/hooks', '/orgs/octo-org/hooks']) {
      const answer = await call('POST', path, { name: 'web', config: { content_type: 'json' } })
      expect(answer.status).toBe(422)
      expect(answer.body).toMatchObject({ message: 'Validation Failed', errors: [{ resource: 'Hook', code: 'custom' }] })
    }
    expect((await call('POST', '/repos/octo-org/hello-world/hooks', { config: { url: 'ftp://example.com' } })).status).toBe(422)
    expect((await call('POST', '/repos/octo-org/hello-world/hooks', { events: 'push', config: { url: 'https://example.com' } })).status).toBe(422)
  })

  test('add_events / remove_events apply to repository hooks and are ignored for organization hooks', async () => {
    const repoHook = emulator.addHook(REPO, { url: 'https://example.com/hook', events: ['push', 'issues'] })
    const patched = await call('PATCH', `/repos/octo-org/hello-world/hooks/${repoHook.id}`, { add_events: ['release'], remove_events: ['push'] })
    expect(patched.body.events).toEqual(['issues', 'release'])

    const orgHook = emulator.addHook(ORG, { url: 'https://example.com/hook', events: ['push'] })
    const orgPatched = await call('PATCH', `/orgs/octo-org/hooks/${orgHook.id}`, { add_events: ['release'] })
    expect(orgPatched.status).toBe(200)
    expect(orgPatched.body.events).toEqual(['push'])
  })

  test('PATCH hook config without url keeps the url for repositories and is 422 for organizations', async () => {
    const repoHook = emulator.addHook(REPO, { url: 'https://example.com/hook', secret: SECRET })
    const patched = await call('PATCH', `/repos/octo-org/hello-world/hooks/${repoHook.id}`, { config: { content_type: 'json' } })
    expect(patched.body.config).toEqual({ content_type: 'json', insecure_ssl: '0', url: 'https://example.com/hook' })

    const orgHook = emulator.addHook(ORG, { url: 'https://example.com/hook' })
    expect((await call('PATCH', `/orgs/octo-org/hooks/${orgHook.id}`, { config: { content_type: 'json' } })).status).toBe(422)
    expect(emulator.hooks(ORG)[0].config.content_type).toBe('form')
  })

  test('tests (push) delivers only when the hook subscribes to push or *', async () => {
    const issuesOnly = emulator.addHook(REPO, { url: receiver.url, events: ['issues'], secret: SECRET, content_type: 'json' })
    expect((await call('POST', `/repos/octo-org/hello-world/hooks/${issuesOnly.id}/tests`)).status).toBe(204)
    await emulator.idle()
    expect(receiver.received).toEqual([])
    expect((await call('GET', `/repos/octo-org/hello-world/hooks/${issuesOnly.id}/deliveries`)).body).toEqual([])

    for (const events of [['push'], ['*']]) {
      const hook = emulator.addHook(REPO, { url: receiver.url, events, secret: SECRET, content_type: 'json' })
      expect((await call('POST', `/api/v3/repos/octo-org/hello-world/hooks/${hook.id}/tests`)).status).toBe(204)
    }
    await emulator.idle()
    expect(receiver.received.map((r) => r.event)).toEqual(['push', 'push'])
    const payload = JSON.parse(receiver.received[0].body)
    expect(payload).toMatchObject({ ref: 'refs/heads/main', repository: { full_name: 'octo-org/hello-world' }, head_commit: { id: payload.after } })
    expect(receiver.received.every((r) => r.signatureValid)).toBe(true)
  })

  test('organizations have no tests endpoint', async () => {
    const hook = emulator.addHook(ORG, { url: receiver.url })
    expect((await call('POST', `/orgs/octo-org/hooks/${hook.id}/tests`)).status).toBe(404)
  })

  test('a non-loopback URL is never contacted and is recorded as "failed to connect"', async () => {
    // 0.0.0.0 reaches this machine's receiver if anything were sent; it is not a loopback address.
    const port = new URL(receiver.url).port
    const hook = emulator.addHook(REPO, { url: `http://0.0.0.0:${port}/webhook`, secret: SECRET })
    expect((await call('POST', `/repos/octo-org/hello-world/hooks/${hook.id}/pings`)).status).toBe(204)
    await emulator.idle()
    expect(receiver.received).toEqual([])
    const [delivery] = (await call('GET', `/repos/octo-org/hello-world/hooks/${hook.id}/deliveries`)).body
    expect(delivery).toMatchObject({ event: 'ping', status: 'failed to connect', status_code: 0 })
    expect((await call('GET', `/repos/octo-org/hello-world/hooks/${hook.id}`)).body.last_response).toEqual({
      code: null,
      status: 'misconfigured',
      message: 'failed to connect'
    })
  })

  test('a refused connection is "failed to connect"; an error answer is "Invalid HTTP Response"', async () => {
    const closed = await startReceiver()
    const closedUrl = closed.url
    await closed.close()
    const refused = emulator.addHook(ORG, { url: closedUrl })
    await call('POST', `/orgs/octo-org/hooks/${refused.id}/pings`)

    receiver.setStatus(500, 'receiver exploded')
    const failing = emulator.addHook(ORG, { url: receiver.url, events: ['issues'] })
    await call('POST', `/orgs/octo-org/hooks/${failing.id}/pings`)
    await emulator.idle()

    const [refusedDelivery] = (await call('GET', `/orgs/octo-org/hooks/${refused.id}/deliveries`)).body
    expect(refusedDelivery).toMatchObject({ status: 'failed to connect', status_code: 0 })
    const [failed] = (await call('GET', `/orgs/octo-org/hooks/${failing.id}/deliveries?status=failure`)).body
    expect(failed).toMatchObject({ status: 'Invalid HTTP Response: 500', status_code: 500 })
    const full = await call('GET', `/orgs/octo-org/hooks/${failing.id}/deliveries/${failed.id}`)
    expect(full.body.response.payload).toBe('receiver exploded')
    expect(receiver.received).toHaveLength(1)
    expect(receiver.received[0].signatureValid).toBe(false) // the hook has no secret; the receiver has one
  })

  test('a receiver that does not answer in time is recorded as "timed out"', async () => {
    const silent = createServer(() => undefined) // never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/webhook`
      const request = buildWebhookRequest({
        hookId: 1,
        targetType: 'repository',
        targetId: 2,
        guid: 'g',
        event: 'ping',
        contentType: 'json',
        payload: { zen: 'z' }
      })
      const outcome = await sendWebhook(url, request, { insecureSsl: false, timeoutMs: 200 })
      expect(outcome).toMatchObject({ statusCode: 0, status: 'timed out', responseBody: null })
      expect(outcome.duration).toBeGreaterThanOrEqual(0.15)
    } finally {
      silent.closeAllConnections()
      silent.close()
    }
  })

  test('an event may have at most 20 hooks per target', async () => {
    for (let i = 0; i < 20; i++) emulator.addHook(REPO, { url: `https://example.com/${i}`, events: ['push'] })
    const crowded = await call('POST', '/repos/octo-org/hello-world/hooks', { events: ['issues', 'push'], config: { url: 'https://example.com/21' } })
    expect(crowded.status).toBe(422)
    expect(crowded.body.errors[0].message).toContain('"push"')
    expect((await call('POST', '/repos/octo-org/hello-world/hooks', { events: ['issues'], config: { url: 'https://example.com/21' } })).status).toBe(
      201
    )
  })

  test('isLoopbackHost accepts only loopback hosts', () => {
    for (const host of ['localhost', '127.0.0.1', '127.10.20.30', '[::1]', '::1', 'LOCALHOST'])
      expect([host, isLoopbackHost(host)]).toEqual([host, true])
    for (const host of ['0.0.0.0', '10.0.0.1', '192.168.1.1', 'example.com', 'localhost.example.com', '127.0.0.1.nip.io', '[::ffff:7f00:1]']) {
      expect([host, isLoopbackHost(host)]).toEqual([host, false])
    }
  })
})

describe('behaviour recorded from github.com', () => {
  const REPO_HOOKS = '/repos/octo-org/hello-world/hooks'
  const ORG_HOOKS = '/orgs/octo-org/hooks'
  const DAY_MS = 24 * 3600_000
  /** ISO 8601, whole seconds, `ms` milliseconds ago. */
  const ago = (ms: number): string => new Date(Date.now() - ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

  test("deliveries (creation ping, ping, redelivery) leave the hook's updated_at alone", async () => {
    const repoHook = (await call('POST', REPO_HOOKS, { config: { url: receiver.url, secret: SECRET } })).body
    const orgHook = (await call('POST', ORG_HOOKS, { name: 'web', config: { url: receiver.url, secret: SECRET } })).body
    await emulator.idle()
    // Cross a second boundary, so that a delivery that touched updated_at would show.
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20))
    for (const hook of [repoHook, orgHook]) {
      expect((await call('POST', `${hook.url}/pings`)).status).toBe(204)
      await emulator.idle()
      const [ping] = (await call('GET', `${hook.url}/deliveries`)).body
      expect(Date.parse(ping.delivered_at)).toBeGreaterThan(Date.parse(hook.updated_at))
      expect((await call('POST', `${hook.url}/deliveries/${ping.id}/attempts`)).status).toBe(202)
      await emulator.idle()
      expect((await call('GET', `${hook.url}/deliveries`)).body).toHaveLength(3)
      const after = (await call('GET', hook.url)).body
      expect([after.created_at, after.updated_at]).toEqual([hook.created_at, hook.updated_at])
    }
    expect([...emulator.hooks(REPO), ...emulator.hooks(ORG)].map((h) => h.updated_at)).toEqual([repoHook.updated_at, orgHook.updated_at])
  })

  test('last_response of a repository hook follows its latest delivery; organization hooks have none', async () => {
    const hook = emulator.addHook(REPO, { url: receiver.url, secret: SECRET })
    const self = `${REPO_HOOKS}/${hook.id}`
    const lastResponse = async (): Promise<Body> => (await call('GET', self)).body.last_response
    const ping = async (): Promise<void> => {
      expect((await call('POST', `${self}/pings`)).status).toBe(204)
      await emulator.idle()
    }
    expect(await lastResponse()).toEqual({ code: null, status: 'unused', message: null })
    await ping()
    expect(await lastResponse()).toEqual({ code: 200, status: 'active', message: 'OK' })
    // As recorded from GitHub: after a non-2xx answer, code 422 and status "misconfigured"; the
    // receiver's status is only in the message.
    receiver.setStatus(404, 'no such route')
    await ping()
    const misconfigured = { code: 422, status: 'misconfigured', message: 'Invalid HTTP Response: 404' }
    expect(await lastResponse()).toEqual(misconfigured)
    expect((await call('GET', REPO_HOOKS)).body[0].last_response).toEqual(misconfigured)
    receiver.setStatus(500, 'receiver exploded')
    await ping()
    expect(await lastResponse()).toEqual({ code: 422, status: 'misconfigured', message: 'Invalid HTTP Response: 500' })
    receiver.setStatus(200)
    await ping()
    expect(await lastResponse()).toEqual({ code: 200, status: 'active', message: 'OK' })

    const orgHook = emulator.addHook(ORG, { url: receiver.url, secret: SECRET })
    expect((await call('POST', `${ORG_HOOKS}/${orgHook.id}/pings`)).status).toBe(204)
    await emulator.idle()
    expect((await call('GET', `${ORG_HOOKS}/${orgHook.id}/deliveries`)).body).toHaveLength(1)
    expect((await call('GET', `${ORG_HOOKS}/${orgHook.id}`)).body).not.toHaveProperty('last_response')
    expect((await call('GET', ORG_HOOKS)).body[0]).not.toHaveProperty('last_response')
  })

  test('last_response "unused" with code 0 (recorded from GitHub) shows until the first delivery', async () => {
    const recorded = { code: 0, status: 'unused', message: 'Unused' }
    const hook = emulator.addHook(REPO, { url: receiver.url, secret: SECRET, last_response: recorded })
    const self = `${REPO_HOOKS}/${hook.id}`
    expect((await call('GET', self)).body.last_response).toEqual(recorded)
    expect((await call('POST', `${self}/pings`)).status).toBe(204)
    await emulator.idle()
    expect((await call('GET', self)).body.last_response).toEqual({ code: 200, status: 'active', message: 'OK' })
  })

  test('a legacy service hook (seeded) is listed with its name and config {}, as GitHub lists them', async () => {
    const legacy = emulator.addHook(REPO, { name: 'travis', events: ['push'] })
    const listed = (await call('GET', REPO_HOOKS)).body
    expect(listed).toHaveLength(1)
    expect(listed[0]).toMatchObject({ id: legacy.id, name: 'travis', config: {}, last_response: { code: null, status: 'unused', message: null } })
    expect(() => emulator.addHook(REPO, { events: ['push'] })).toThrow(/Validation Failed/) // a webhook still needs one
    expect(emulator.violations).toEqual([])
  })

  test('GET answers carry a weak ETag; If-None-Match answers 304 without a body, free of the primary budget', async () => {
    const hook = emulator.addHook(REPO, { url: 'https://example.com/etag' })
    const first = await call('GET', REPO_HOOKS)
    const etag = first.headers.get('etag') ?? ''
    expect(etag).toMatch(/^W\/"[0-9a-f]{64}"$/)
    expect(first.headers.get('cache-control')).toBe('private, max-age=60, s-maxage=60')
    const used = Number(first.headers.get('x-ratelimit-used'))

    const again = await call('GET', REPO_HOOKS, undefined, { 'If-None-Match': etag })
    expect(again.status).toBe(304)
    expect(again.body).toBeUndefined()
    expect(again.headers.get('etag')).toBe(etag)
    expect(Number(again.headers.get('x-ratelimit-used'))).toBe(used) // a 304 is not counted
    expect(Number((await call('GET', `${REPO_HOOKS}/${hook.id}`)).headers.get('x-ratelimit-used'))).toBe(used + 1)

    // Another representation (a change, or another page) has another ETag: a full answer.
    await call('PATCH', `${REPO_HOOKS}/${hook.id}`, { active: false })
    const changed = await call('GET', REPO_HOOKS, undefined, { 'If-None-Match': etag })
    expect(changed.status).toBe(200)
    expect(changed.headers.get('etag')).not.toBe(etag)
    // Tied to the credentials: the same list seen with another token has another ETag.
    const other = await callApi(emulator.url, 'GET', REPO_HOOKS, { token: READ_ONLY_TOKEN })
    expect(other.headers.get('etag')).not.toBe(changed.headers.get('etag'))
    // Writes carry no ETag.
    expect((await call('PATCH', `${REPO_HOOKS}/${hook.id}`, { active: true })).headers.get('etag')).toBeNull()
    expect(emulator.violations).toEqual([])
  })

  test('every API answer carries X-GitHub-Request-Id, X-GitHub-Media-Type and Vary, as GitHub sends them', async () => {
    const answers = [await call('GET', REPO_HOOKS), await call('POST', REPO_HOOKS, { config: {} }), await call('GET', `${REPO_HOOKS}/424242`)]
    expect(answers.map((a) => a.status)).toEqual([200, 422, 404])
    for (const answer of answers) {
      expect(answer.headers.get('x-github-request-id')).toMatch(/^[0-9A-F]{4}:[0-9A-F]{4}:[0-9A-F]{6}:[0-9A-F]{6}:[0-9A-F]{8}$/)
      expect(answer.headers.get('x-github-media-type')).toBe('github.v3; format=json')
      expect(answer.headers.get('vary')).toBe('Accept, Authorization, Cookie, X-GitHub-OTP')
    }
    expect(new Set(answers.map((a) => a.headers.get('x-github-request-id'))).size).toBe(3)
  })

  test('the /repositories/{id}/… paths of Link headers are served like /repos/{owner}/{repo}/…', async () => {
    const hook = emulator.addHook(REPO, { url: 'https://example.com/by-id' })
    const byId = await call('GET', '/repositories/1296269/hooks')
    expect(byId.status).toBe(200)
    expect(byId.body.map((h: Body) => h.id)).toEqual([hook.id])
    expect((await call('GET', `/repositories/1296269/hooks/${hook.id}/deliveries`)).status).toBe(200)
    expect((await call('GET', '/repositories/999/hooks')).status).toBe(404)
    expect(emulator.violations).toEqual([])
  })

  test('delivered_at is in whole seconds (list and get, first delivery and redelivery)', async () => {
    const created = (await call('POST', REPO_HOOKS, { config: { url: receiver.url, secret: SECRET } })).body
    await emulator.idle()
    const [first] = (await call('GET', `${created.url}/deliveries`)).body
    await call('POST', `${created.url}/deliveries/${first.id}/attempts`)
    await emulator.idle()
    const listed = (await call('GET', `${created.url}/deliveries`)).body
    expect(listed).toHaveLength(2)
    for (const item of listed) {
      expect(item.delivered_at).toMatch(ISO_SECONDS)
      expect((await call('GET', `${created.url}/deliveries/${item.id}`)).body.delivered_at).toBe(item.delivered_at)
    }
  })

  test('rubyJson escapes <, >, &, U+2028 and U+2029 as Rails does, and parses back to the same value', () => {
    const value = { html: '<a href="x">&amp;</a>', separators: 'a\u2028b\u2029c', text: 'café ✓ \\& /', n: [1, 2.5, null, true] }
    const text = rubyJson(value)
    expect(text).toBe(
      String.raw`{"html":"\u003ca href=\"x\"\u003e\u0026amp;\u003c/a\u003e","separators":"a\u2028b\u2029c","text":"café ✓ \\\u0026 /","n":[1,2.5,null,true]}`
    )
    expect(text).not.toMatch(/[<>&\u2028\u2029]/)
    expect(JSON.parse(text)).toEqual(value)
    expect(rubyJson({ plain: 'no specials', ü: 'ß' })).toBe(JSON.stringify({ plain: 'no specials', ü: 'ß' }))
    expect(() => rubyJson(undefined)).toThrow(TypeError)

    for (const contentType of ['json', 'form'] as const) {
      const request = buildWebhookRequest({
        hookId: 1,
        targetType: 'repository',
        targetId: 2,
        guid: 'g',
        event: 'ping',
        contentType,
        secret: SECRET,
        payload: value
      })
      expect(request.body).toBe(contentType === 'json' ? text : `payload=${encodeURIComponent(text)}`)
      expect(request.headers['X-Hub-Signature-256']).toBe(`sha256=${createHmac('sha256', SECRET).update(request.body).digest('hex')}`)
    }
  })

  test.each(['json', 'form'] as const)(
    'a %s delivery is sent and signed in the Rails serialisation; the API shows the parsed payload',
    async (contentType) => {
      const url = `${receiver.url}?team=a&b=c` // & appears in the ping's hook.config.url; < and > would not be a valid uri
      const created = (await call('POST', REPO_HOOKS, { config: { url, secret: SECRET, content_type: contentType } })).body
      await emulator.idle()
      expect(receiver.received).toHaveLength(1)
      const got = receiver.received[0]
      expect(got.signatureValid).toBe(true)
      const json = contentType === 'json' ? got.body : decodeURIComponent(got.body.replace(/^payload=/, ''))
      expect(json).toContain(String.raw`?team=a\u0026b=c`)
      expect(json).not.toContain('&')
      const payload = JSON.parse(json)
      expect(payload.hook.config.url).toBe(url)
      expect(json).toBe(rubyJson(payload))
      // Re-serialising with plain JSON.stringify would not give the signed bytes.
      const hmac = (body: string): string => `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`
      const wrap = (text: string): string => (contentType === 'json' ? text : `payload=${encodeURIComponent(text)}`)
      expect(got.signature256).toBe(hmac(wrap(rubyJson(payload))))
      expect(got.signature256).not.toBe(hmac(wrap(JSON.stringify(payload))))

      const [item] = (await call('GET', `${created.url}/deliveries`)).body
      const delivery = (await call('GET', `${created.url}/deliveries/${item.id}`)).body
      expect(delivery.request.payload).toEqual(payload)
      expect(delivery.request.headers['X-Hub-Signature-256']).toBe(got.signature256)
    }
  )

  test.each([
    { label: 'repository', target: REPO as HookTarget, hooks: REPO_HOOKS },
    { label: 'organization', target: ORG as HookTarget, hooks: `/api/v3${ORG_HOOKS}` }
  ])('$label: deliveries older than 3 days are not listed, 404 when read, 422 when redelivered', async ({ target, hooks }) => {
    const hook = emulator.addHook(target, { url: receiver.url })
    const oldDate = ago(3 * DAY_MS + 60_000)
    const expired = emulator.addDelivery(target, hook.id, { delivered_at: oldDate, status_code: 500 })
    expect(expired.delivered_at).toBe(oldDate) // seeding accepts old dates as they are
    const kept = emulator.addDelivery(target, hook.id, { delivered_at: ago(3 * DAY_MS - 60_000), status_code: 500 })
    const deliveries = `${hooks}/${hook.id}/deliveries`

    expect((await call('GET', deliveries)).body.map((d: Body) => d.id)).toEqual([kept.id])
    expect((await call('GET', `${deliveries}?status=failure`)).body.map((d: Body) => d.id)).toEqual([kept.id])
    const gone = await call('GET', `${deliveries}/${expired.id}`)
    expect([gone.status, gone.body]).toEqual([404, { message: 'Not Found', documentation_url: DOCS, status: '404' }])
    expect((await call('GET', `${deliveries}/${kept.id}`)).status).toBe(200)

    const refused = await call('POST', `${deliveries}/${expired.id}/attempts`)
    expect(refused.status).toBe(422)
    expect(refused.body).toEqual({
      message: 'Validation Failed',
      errors: [{ resource: 'HookDelivery', code: 'custom', field: 'delivery_id', message: expect.stringContaining('older than 3 days') }],
      documentation_url: DOCS,
      status: '422'
    })
    expect((await call('POST', `${deliveries}/${kept.id}/attempts`)).status).toBe(202)
    await emulator.idle()
    expect(receiver.received.map((r) => r.guid)).toEqual([kept.guid])
    expect((await call('GET', deliveries)).body.map((d: Body) => d.guid)).toEqual([kept.guid, kept.guid])
  })
})

describe('authentication, versions and routing', () => {
  test('a missing or unknown token is 401 Bad credentials; Bearer works too', async () => {
    const expected = { message: 'Bad credentials', documentation_url: DOCS, status: '401' }
    const anonymous = await fetch(`${emulator.url}/repos/octo-org/hello-world/hooks`)
    expect(anonymous.status).toBe(401)
    expect(await anonymous.json()).toEqual(expected)
    const wrong = await call('GET', '/repos/octo-org/hello-world/hooks', undefined, { Authorization: 'token nope' })
    expect([wrong.status, wrong.body]).toEqual([401, expected])
    expect((await call('GET', '/orgs/octo-org/hooks', undefined, { Authorization: `Bearer ${TOKEN}` })).status).toBe(200)
  })

  test('a read-only token reads but gets 403 where the docs require write', async () => {
    const auth = { Authorization: `token ${READ_ONLY_TOKEN}` }
    const repoHook = emulator.addHook(REPO, { url: 'https://example.com/hook' })
    const orgHook = emulator.addHook(ORG, { url: 'https://example.com/hook' })
    expect((await call('GET', '/repos/octo-org/hello-world/hooks', undefined, auth)).status).toBe(200)
    const denied = await call('POST', '/repos/octo-org/hello-world/hooks', { config: { url: 'https://example.com/x' } }, auth)
    expect(denied.status).toBe(403)
    expect(denied.body).toEqual({ message: 'Resource not accessible by personal access token', documentation_url: DOCS, status: '403' })
    expect((await call('PATCH', `/orgs/octo-org/hooks/${orgHook.id}/config`, { content_type: 'json' }, auth)).status).toBe(403)
    expect((await call('DELETE', `/repos/octo-org/hello-world/hooks/${repoHook.id}`, undefined, auth)).status).toBe(403)
    // Repository pings need only the read permission; organization pings need write.
    expect((await call('POST', `/repos/octo-org/hello-world/hooks/${repoHook.id}/pings`, undefined, auth)).status).toBe(204)
    expect((await call('POST', `/orgs/octo-org/hooks/${orgHook.id}/pings`, undefined, auth)).status).toBe(403)
    await emulator.idle()
    expect(emulator.hooks(REPO)).toHaveLength(1)
  })

  test('unknown repositories, organizations and routes are 404', async () => {
    for (const path of [
      '/repos/octo-org/nope/hooks',
      '/orgs/nope/hooks',
      '/api/v3/repos/someone/hello-world/hooks',
      '/repos/octo-org/hello-world/hookz',
      '/repos/octo-org/hello-world/hooks/abc',
      '/user/hooks'
    ]) {
      const answer = await call('GET', path)
      expect([path, answer.status, answer.body]).toEqual([path, 404, { message: 'Not Found', documentation_url: DOCS, status: '404' }])
    }
    expect((await call('GET', '/repos/OCTO-ORG/Hello-World/hooks')).status).toBe(200)
  })

  test('an unsupported X-GitHub-Api-Version is 400; the documented versions are accepted', async () => {
    const bad = await call('GET', '/repos/octo-org/hello-world/hooks', undefined, { 'X-GitHub-Api-Version': '1999-01-01' })
    expect(bad.status).toBe(400)
    expect(bad.body).toEqual({ message: "API version '1999-01-01' is not supported.", documentation_url: DOCS, status: '400' })
    for (const version of ['2022-11-28', '2026-03-10']) {
      const ok = await call('GET', '/api/v3/orgs/octo-org/hooks', undefined, { 'X-GitHub-Api-Version': version })
      expect([version, ok.status, ok.headers.get('x-github-api-version-selected')]).toEqual([version, 200, version])
    }
  })

  test('malformed JSON is 400 Problems parsing JSON', async () => {
    const answer = await call('POST', '/repos/octo-org/hello-world/hooks', '{"config": ', { 'Content-Type': 'application/json' })
    expect(answer.status).toBe(400)
    expect(answer.body.message).toBe('Problems parsing JSON')
  })

  test('requests are recorded without the /api/v3 prefix and query string', async () => {
    await call('GET', `${emulator.ghesUrl}/orgs/octo-org/hooks?per_page=5`)
    await call('POST', '/repos/octo-org/hello-world/hooks', { config: { url: 'https://example.com/hook' } })
    expect(emulator.requests).toEqual([
      expect.objectContaining({ method: 'GET', path: '/orgs/octo-org/hooks', query: { per_page: '5' }, status: 200, body: undefined }),
      expect.objectContaining({
        method: 'POST',
        path: '/repos/octo-org/hello-world/hooks',
        status: 201,
        body: { config: { url: 'https://example.com/hook' } }
      })
    ])
    expect(emulator.requests[0].headers.authorization).toBe(`token ${TOKEN}`)
  })

  test('the CLI serves on the requested port and prints its URL', async () => {
    const root = fileURLToPath(new URL('..', import.meta.url))
    const child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'emulator/server.ts', '--port', '0'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit']
    })
    try {
      let output = ''
      child.stdout.setEncoding('utf8')
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: string) => {
          output += chunk
          const found = /http:\/\/127\.0\.0\.1:\d+/.exec(output)
          if (found) resolve(found[0])
        })
        child.once('exit', (code) => reject(new Error(`CLI exited with ${code}: ${output}`)))
      })
      const answer = await fetch(`${url}/api/v3/repos/octo-org/hello-world/hooks`, { headers: { Authorization: `token ${TOKEN}` } })
      expect(answer.status).toBe(200)
      expect(await answer.json()).toEqual([])
    } finally {
      child.kill('SIGTERM')
      if (child.exitCode === null) await once(child, 'exit')
    }
  })
})

describe('validateResponse against the OpenAPI description', () => {
  const flavours: ApiFlavour[] = ['api.github.com', 'ghes-3.19']

  test('matches concrete paths (with or without /api/v3 and a query) to templates', () => {
    expect(matchPathTemplate('ghes-3.19', '/api/v3/orgs/o/hooks/1/deliveries/2/attempts')).toBe(
      '/orgs/{org}/hooks/{hook_id}/deliveries/{delivery_id}/attempts'
    )
    expect(matchPathTemplate('api.github.com', '/repos/o/r/hooks?page=2')).toBe('/repos/{owner}/{repo}/hooks')
    expect(matchPathTemplate('api.github.com', '/repos/o/r/hooks/1/bogus')).toBeUndefined()
  })

  test.each(flavours)('every kind of emulator response conforms (%s)', async (flavour) => {
    const prefix = flavour === 'ghes-3.19' ? '/api/v3' : ''
    const repo = `${prefix}/repos/octo-org/hello-world/hooks`
    const org = `${prefix}/orgs/octo-org/hooks`
    const created = await call('POST', repo, { config: { url: receiver.url, secret: SECRET, content_type: 'json' } })
    const orgCreated = await call('POST', org, { name: 'web', config: { url: receiver.url } })
    const id = created.body.id
    await call('POST', `${repo}/${id}/pings`)
    await emulator.idle()
    const deliveries = await call('GET', `${repo}/${id}/deliveries`)
    const checks: Array<[string, string, number, unknown]> = [
      ['GET', repo, 200, (await call('GET', repo)).body],
      ['GET', org, 200, (await call('GET', org)).body],
      ['POST', repo, 201, created.body],
      ['POST', org, 201, orgCreated.body],
      ['GET', `${repo}/${id}`, 200, (await call('GET', `${repo}/${id}`)).body],
      ['GET', `${repo}/${id}/config`, 200, (await call('GET', `${repo}/${id}/config`)).body],
      ['GET', `${repo}/${id}/deliveries`, 200, deliveries.body],
      ['GET', `${repo}/${id}/deliveries/1`, 200, (await call('GET', `${repo}/${id}/deliveries/${deliveries.body[0].id}`)).body],
      ['POST', repo, 422, (await call('POST', repo, { config: { url: receiver.url, secret: SECRET } })).body],
      ['POST', `${org}/1/deliveries/2/attempts`, 202, {}],
      ['DELETE', `${repo}/${id}`, 204, undefined]
    ]
    expect(deliveries.body.map((d: Body) => d.event)).toEqual(['ping', 'ping']) // the explicit ping, the creation ping
    for (const [method, path, status, body] of checks) {
      expect([method, path, validateResponse(flavour, method, path, status, body)]).toEqual([method, path, []])
    }
  })

  test('catches malformed bodies, undeclared statuses and unexpected bodies', () => {
    const hook = emulator.addHook(REPO, { url: 'https://example.com/hook' })
    const good = {
      type: 'Repository',
      id: hook.id,
      name: 'web',
      active: true,
      events: ['push'],
      config: { content_type: 'json', insecure_ssl: '0', url: 'https://example.com/hook' },
      updated_at: '2024-01-01T00:00:00Z',
      created_at: '2024-01-01T00:00:00Z',
      url: 'https://api.github.com/repos/o/r/hooks/1',
      test_url: 'https://api.github.com/repos/o/r/hooks/1/test',
      ping_url: 'https://api.github.com/repos/o/r/hooks/1/pings',
      deliveries_url: 'https://api.github.com/repos/o/r/hooks/1/deliveries',
      last_response: { code: null, status: 'unused', message: null }
    }
    const path = '/repos/o/r/hooks/1'
    expect(validateResponse('api.github.com', 'GET', path, 200, good)).toEqual([])
    const { id: _id, ...withoutId } = good
    expect(validateResponse('api.github.com', 'GET', path, 200, withoutId)).toEqual([
      "GET /repos/{owner}/{repo}/hooks/{hook_id} 200: (body) must have required property 'id'"
    ])
    expect(validateResponse('ghes-3.19', 'GET', path, 200, { ...good, active: 'yes', created_at: 'yesterday' })).toEqual([
      'GET /repos/{owner}/{repo}/hooks/{hook_id} 200: /active must be boolean',
      'GET /repos/{owner}/{repo}/hooks/{hook_id} 200: /created_at must match format "date-time"'
    ])
    expect(validateResponse('api.github.com', 'GET', '/repos/o/r/hooks', 200, [{ ...good, test_url: 'not a uri' }])).toHaveLength(1)
    expect(validateResponse('api.github.com', 'GET', '/orgs/o/hooks/1', 200, { ...good, type: 'Organization', ping_url: undefined })).toEqual([
      "GET /orgs/{org}/hooks/{hook_id} 200: (body) must have required property 'ping_url'"
    ])
    const item = {
      id: 1,
      guid: 'g',
      delivered_at: '2024-01-01T00:00:00Z',
      redelivery: false,
      duration: 0.1,
      status: 'OK',
      status_code: '200',
      event: 'ping',
      action: null,
      installation_id: null,
      repository_id: null
    }
    expect(validateResponse('api.github.com', 'GET', '/repos/o/r/hooks/1/deliveries', 200, [item])).toEqual([
      'GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries 200: /0/status_code must be integer'
    ])
    expect(validateResponse('api.github.com', 'GET', '/repos/o/r/hooks/1/deliveries/1', 200, { ...item, status_code: 200 })).toEqual([
      "GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id} 200: (body) must have required property 'request'",
      "GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id} 200: (body) must have required property 'response'"
    ])
    expect(
      validateResponse('api.github.com', 'POST', '/orgs/o/hooks', 422, { message: 'Validation Failed', errors: [{ resource: 'Hook' }] })
    ).toEqual([
      "POST /orgs/{org}/hooks 422: (body) must have required property 'documentation_url'",
      "POST /orgs/{org}/hooks 422: /errors/0 must have required property 'code'"
    ])
    expect(validateResponse('api.github.com', 'GET', '/repos/o/r/hooks/1/config', 422, { message: 'x', documentation_url: DOCS })).toEqual([
      'GET /repos/{owner}/{repo}/hooks/{hook_id}/config 422: status not declared (declared: 200)'
    ])
    expect(validateResponse('api.github.com', 'GET', '/repos/o/r/hooks/1/config', 404, { message: 'Not Found', documentation_url: DOCS })).toEqual([])
    expect(validateResponse('api.github.com', 'GET', '/repos/o/r/hooks/1/config', 401, { message: 42 })).toEqual([
      'GET /repos/{owner}/{repo}/hooks/{hook_id}/config 401: /message must be string'
    ])
    expect(validateResponse('api.github.com', 'POST', '/repos/o/r/hooks', 200, good)).toEqual([
      'POST /repos/{owner}/{repo}/hooks 200: status not declared (declared: 201, 403, 404, 422)'
    ])
    expect(validateResponse('api.github.com', 'DELETE', path, 204, {})).toEqual([
      'DELETE /repos/{owner}/{repo}/hooks/{hook_id} 204: the description declares no body, but one was sent'
    ])
    expect(validateResponse('api.github.com', 'PUT', path, 200, good)).toEqual([
      'PUT /repos/{owner}/{repo}/hooks/{hook_id} 200: no such operation in the api.github.com description'
    ])
    expect(validateResponse('api.github.com', 'POST', '/orgs/o/hooks/1/tests', 204, undefined)).toEqual([
      'POST /orgs/o/hooks/1/tests: no such path in the api.github.com description'
    ])
  })
})
