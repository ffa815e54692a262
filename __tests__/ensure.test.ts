/**
 * `ensure` and `ensure-absent` end to end against the emulator, both scopes: request counts, the
 * secret kept or proven (read from the emulator's raw state, not the API), dry runs, the 422 race.
 */
import { describe, expect, test } from '@jest/globals'
import { ensureHook, wantedSettings } from '../src/jobs/index.js'
import { createClient } from '../src/github/client.js'
import type { Target } from '../src/github/index.js'
import { runAction } from './helpers/action.js'
import { emulator, emulatorConnection, receiver, useEmulator } from './helpers/emulator.js'

const SECRET = 'ensure-s3cret'
useEmulator({}, SECRET)

/** Waits until the wall clock has entered a later second than `time` (GitHub's timestamps are whole seconds). */
async function after(time: string): Promise<void> {
  const next = Date.parse(time) + 1000
  while (Date.now() < next) await new Promise((resolve) => setTimeout(resolve, next - Date.now() + 5))
}

describe.each([
  { scope: 'repo', target: { owner: 'octo-org', repo: 'hello-world' }, client: { scope: 'repo', owner: 'octo-org', repo: 'hello-world' } },
  { scope: 'org', target: { org: 'octo-org' }, client: { scope: 'org', org: 'octo-org' } }
] as const)('$scope scope', ({ scope, target, client }) => {
  const clientTarget = client
  const ensure = (inputs: Record<string, string>) =>
    runAction({
      scope,
      repository: 'octo-org/hello-world',
      token: 'test-token',
      api_url: emulator.url,
      operation: 'ensure',
      url: receiver.url,
      verify: 'false',
      ...inputs
    })
  /** Requests made by `fn`, as `METHOD path`. */
  const requestsOf = async <T>(fn: () => Promise<T>): Promise<[T, string[]]> => {
    const before = emulator.requests.length
    const value = await fn()
    return [value, emulator.requests.slice(before).map((r) => `${r.method} ${r.path}`)]
  }

  test('absent → created (1 list + 1 POST) with the defaults; a re-run is unchanged with exactly one request', async () => {
    const [created, first] = await requestsOf(() => ensure({ events: 'push, issues' }))
    expect(created.exitCode).toBe(0)
    expect(created.outputs).toMatchObject({ result: 'created', secret_proof: 'not-given' })
    expect(first.map((r) => r.split(' ')[0])).toEqual(['GET', 'POST'])
    expect(emulator.hooks(target)).toEqual([
      expect.objectContaining({
        events: ['push', 'issues'],
        active: true,
        config: expect.objectContaining({ content_type: 'json', insecure_ssl: '0' })
      })
    ])

    const [again, second] = await requestsOf(() => ensure({ events: 'issues,push,push' }))
    expect(again.outputs).toMatchObject({ result: 'unchanged', changes: '[]', hook_id: created.outputs.hook_id })
    expect(second).toHaveLength(1)
    expect(second[0]).toMatch(/^GET .*\/hooks$/)
    expect(emulator.requests.at(-1)?.query.per_page).toBe('100')
  })

  test('an events change is written without config, so the stored secret stays', async () => {
    const stored = emulator.addHook(target, { url: receiver.url, events: ['push'], secret: SECRET, content_type: 'json' })
    const [run, made] = await requestsOf(() => ensure({ events: 'push, release', active: 'false' }))
    expect(run.outputs.result).toBe('updated')
    expect(JSON.parse(run.outputs.changes)).toEqual([
      { field: 'events', from: ['push'], to: ['push', 'release'] },
      { field: 'active', from: true, to: false }
    ])
    expect(made.filter((r) => !r.startsWith('GET'))).toEqual([expect.stringMatching(new RegExp(`^PATCH .*/hooks/${stored.id}$`))])
    expect(emulator.requests.find((r) => r.method === 'PATCH')?.body).toEqual({ events: ['push', 'release'], active: false })
    expect(emulator.hooks(target)[0]).toMatchObject({ events: ['push', 'release'], active: false, config: { secret: SECRET } })
    expect(run.summary).toMatch(/<td>events<\/td><td><code>push<\/code><\/td><td><code>push, release<\/code><\/td>/)
  })

  test('an update of events and content_type by hook_id is 1 read + 2 PATCH; the url stays', async () => {
    const stored = emulator.addHook(target, { url: 'https://old.example.com/hook', events: ['push'], secret: SECRET })
    const [run, made] = await requestsOf(() => ensure({ hook_id: String(stored.id), url: '', events: 'push,issues', content_type: 'json' }))
    expect(run.outputs.result).toBe('updated')
    expect(made.map((r) => r.split(' ')[0])).toEqual(['GET', 'PATCH', 'PATCH'])
    expect(emulator.hooks(target)[0]).toMatchObject({
      events: ['push', 'issues'],
      config: { url: 'https://old.example.com/hook', content_type: 'json', secret: SECRET }
    })
  })

  test('a secret given twice is proven by a signed delivery and not rewritten (3 GETs)', async () => {
    const created = await ensure({ secret: SECRET })
    expect(created.outputs).toMatchObject({ result: 'created', secret_proof: 'written' })
    await after(JSON.parse(created.outputs.hook).updated_at)
    await runAction({ scope, repository: 'octo-org/hello-world', token: 'test-token', api_url: emulator.url, operation: 'ping', url: receiver.url })
    await emulator.idle()
    expect(receiver.received.at(-1)?.signatureValid).toBe(true)

    const [proven, made] = await requestsOf(() => ensure({ secret: SECRET }))
    expect(proven.outputs).toMatchObject({ result: 'unchanged', secret_proof: 'proven', changes: '[]' })
    expect(made).toHaveLength(3)
    expect(made.every((r) => r.startsWith('GET'))).toBe(true)
    expect(proven.stdout).toMatch(/secret proven \(delivery \d+ is signed with it\)/)
  })

  test('a rotated secret is not proven and is written through the config endpoint', async () => {
    const stored = emulator.addHook(target, { url: receiver.url, secret: 'old-secret', content_type: 'json' })
    emulator.addDelivery(target, stored.id, {
      event: 'ping',
      delivered_at: new Date(Date.parse(stored.updated_at) + 2000).toISOString().replace(/\.\d+Z$/, 'Z'),
      payload: { zen: 'x' }
    })
    const [run, made] = await requestsOf(() => ensure({ secret: SECRET }))
    expect(run.outputs).toMatchObject({ result: 'updated', secret_proof: 'written' })
    expect(JSON.parse(run.outputs.changes)).toEqual([{ field: 'secret', from: 'unproven', to: 'set' }])
    expect(made.filter((r) => !r.startsWith('GET'))).toEqual([expect.stringMatching(/^PATCH .*\/config$/)])
    expect(emulator.hooks(target)[0].config.secret).toBe(SECRET)
    expect(run.outputs.changes).not.toContain(SECRET)
    expect(run.summary).not.toContain(SECRET)
  })

  test("a delivery not newer than the hook's last change proves nothing (it may predate a rotation)", async () => {
    const whole = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z')
    const stored = emulator.addHook(target, {
      url: receiver.url,
      secret: SECRET,
      content_type: 'json',
      created_at: whole(Date.now() - 3600_000),
      updated_at: whole(Date.now())
    })
    expect(stored.updated_at).not.toBe(stored.created_at) // changed since its creation
    emulator.addDelivery(target, stored.id, { event: 'ping', delivered_at: stored.updated_at, payload: { zen: 'same second' } })
    const run = await ensure({ secret: SECRET })
    expect(run.outputs).toMatchObject({ result: 'updated', secret_proof: 'written' })
    expect(run.stdout).toMatch(/secret written \(no delivery newer than the hook's last change to prove it with\)/)
  })

  test("a hook never changed since its creation is proven by a delivery in the same whole second (GitHub's creation ping)", async () => {
    const stored = emulator.addHook(target, { url: receiver.url, secret: SECRET, content_type: 'json' })
    expect(stored.updated_at).toBe(stored.created_at)
    emulator.addDelivery(target, stored.id, { event: 'ping', delivered_at: stored.created_at, payload: { zen: 'creation ping' } })
    const run = await ensure({ secret: SECRET })
    expect(run.outputs).toMatchObject({ result: 'unchanged', secret_proof: 'proven' })
  })

  test("a form hook's secret is proven from its payload=… body", async () => {
    const stored = emulator.addHook(target, { url: receiver.url, secret: SECRET, content_type: 'form' })
    const later = new Date(Date.parse(stored.updated_at) + 2000).toISOString().replace(/\.\d+Z$/, 'Z')
    emulator.addDelivery(target, stored.id, {
      event: 'ping',
      delivered_at: later,
      payload: { zen: "Keep it logically awesome & 'simple'!", n: [1, 2] }
    })
    const [run, made] = await requestsOf(() => ensure({ secret: SECRET, content_type: 'form' }))
    expect(run.outputs).toMatchObject({ result: 'unchanged', secret_proof: 'proven' })
    expect(made.every((r) => r.startsWith('GET'))).toBe(true)
  })

  test('a secret on a hook without one is written (from none); with a config change and no delivery to prove it, it goes along', async () => {
    const bare = emulator.addHook(target, { url: receiver.url, content_type: 'json' })
    const run = await ensure({ secret: SECRET })
    expect(JSON.parse(run.outputs.changes)).toEqual([{ field: 'secret', from: 'none', to: 'set' }])
    expect(emulator.hooks(target)[0].config.secret).toBe(SECRET)

    const [moved, made] = await requestsOf(() => ensure({ secret: SECRET, content_type: 'form', hook_id: String(bare.id) }))
    expect(moved.outputs.secret_proof).toBe('written')
    expect(made).toEqual([
      expect.stringMatching(/^GET /),
      expect.stringMatching(/^GET .*\/deliveries$/),
      expect.stringMatching(/^PATCH .*\/config$/),
      expect.stringMatching(/^GET /)
    ])
    expect(
      emulator.requests.find((r) => r.method === 'PATCH' && r.path.endsWith('/config') && (r.body as { content_type?: string }).content_type)?.body
    ).toEqual({ content_type: 'form', secret: SECRET })
  })

  test('a moved url with the secret proven writes only the url; were GitHub to drop the secret with it, the proven secret is written back', async () => {
    const octokit = () => createClient(emulatorConnection(1), { retries: 0 })
    const move = async (dropSecret: boolean, to: string) => {
      const stored = emulator.addHook(target, { url: `${to}&old=1`, secret: SECRET, content_type: 'json', events: ['push'] })
      const later = new Date(Date.parse(stored.updated_at) + 2000).toISOString().replace(/\.\d+Z$/, 'Z')
      emulator.addDelivery(target, stored.id, { event: 'ping', delivered_at: later })
      const client = octokit()
      // GitHub does not document that the url's change keeps the secret: the hook read back may lack it.
      let patched = false
      if (dropSecret)
        client.hook.after('request', (response, options) => {
          if (options.method === 'PATCH') patched = true
          if (patched && options.method === 'GET' && /\/hooks\/\{hook_id\}$/.test(String(options.url)))
            delete (response.data as { config: { secret?: string } }).config.secret
        })
      const before = emulator.requests.length
      const wanted = wantedSettings({ url: to, secret: SECRET }, { events: ['push'] })
      const result = await ensureHook(client, clientTarget as Target, { hook_id: stored.id }, wanted, { dryRun: false })
      const patches = emulator.requests.slice(before).filter((r) => r.method === 'PATCH')
      return { result, patches: patches.map((r) => r.body), stored: emulator.hooks(target).find((hook) => hook.id === stored.id) }
    }
    const kept = await move(false, `${receiver.url}?n=1`)
    expect(kept.result).toMatchObject({ outcome: 'updated', secret_proof: 'proven' })
    expect(kept.result.changes).toEqual([{ field: 'url', from: `${receiver.url}?n=1&old=1`, to: `${receiver.url}?n=1` }])
    expect(kept.patches).toEqual([{ url: `${receiver.url}?n=1` }])
    expect(kept.stored?.config.secret).toBe(SECRET)
    const dropped = await move(true, `${receiver.url}?n=2`)
    expect(dropped.result).toMatchObject({ outcome: 'updated', secret_proof: 'written' })
    expect(dropped.patches).toEqual([{ url: `${receiver.url}?n=2` }, { secret: SECRET }])
  })

  test('a secret proven by a delivery the receiver refused: ensure writes nothing, reports the answer and fails the step (a warning with fail_on_delivery_error: false)', async () => {
    const stored = emulator.addHook(target, { url: receiver.url, secret: SECRET, content_type: 'json' })
    const later = new Date(Date.parse(stored.updated_at) + 2000).toISOString().replace(/\.\d+Z$/, 'Z')
    const refused = emulator.addDelivery(target, stored.id, { event: 'ping', delivered_at: later, status_code: 401 })
    const [run, made] = await requestsOf(() => ensure({ secret: SECRET }))
    expect(made.every((r) => r.startsWith('GET'))).toBe(true)
    expect(run.exitCode).toBe(1)
    expect(run.outputs).toMatchObject({ secret_proof: 'proven', changes: '[]' })
    expect(run.stdout).toContain('The delivery that proves the secret was refused')
    expect(run.stdout).toMatch(new RegExp(`::error::The receiver of webhook ${stored.id} answered 401 .*delivery ${refused.id}`))
    const [lenient, again] = await requestsOf(() => ensure({ secret: SECRET, fail_on_delivery_error: 'false' }))
    expect(again.every((r) => r.startsWith('GET'))).toBe(true)
    expect(lenient.exitCode).toBe(0)
    expect(lenient.stdout).toMatch(/::warning::The receiver of webhook \d+ answered 401/)
  })

  test("a rerun of an ensure that failed on the receiver's 401 fails again, writing nothing: the proof is the refused ping (issue 27)", async () => {
    emulator.addHook(target, { url: receiver.url, content_type: 'json' })
    receiver.setStatus(401, 'Unauthorized')
    const first = await ensure({ secret: SECRET, verify: 'true' })
    expect(first.exitCode).toBe(1)
    expect(first.outputs.secret_proof).toBe('written')
    await emulator.idle()
    const [rerun, made] = await requestsOf(() => ensure({ secret: SECRET, verify: 'true' }))
    expect(made.every((r) => r.startsWith('GET'))).toBe(true)
    expect({ exit: rerun.exitCode, proof: rerun.outputs.secret_proof }).toEqual({ exit: 1, proof: 'proven' })
    expect(rerun.stdout).toMatch(/::error::The receiver of webhook \d+ answered 401 \(.*\), not 2xx for ping delivery/)
  })

  test('dry run: reports created/updated and sends no write', async () => {
    const created = await ensure({ dry_run: 'true', secret: SECRET })
    expect(created.outputs).toMatchObject({ result: 'created', secret_proof: 'would-write' })
    expect(created.stdout).toContain('Dry run: nothing was written')
    emulator.addHook(target, { url: receiver.url, events: ['push'], secret: SECRET, content_type: 'json' })
    const updated = await ensure({ dry_run: 'true', events: 'issues', secret: SECRET })
    expect(updated.outputs.result).toBe('updated')
    expect(JSON.parse(updated.outputs.changes).map((c: { field: string }) => c.field)).toEqual(['events', 'secret'])
    const absent = await runAction({
      scope,
      repository: 'octo-org/hello-world',
      token: 'test-token',
      api_url: emulator.url,
      operation: 'ensure-absent',
      url: receiver.url,
      dry_run: 'true'
    })
    expect(absent.outputs.result).toBe('deleted')
    expect(emulator.requests.filter((r) => r.method !== 'GET')).toEqual([])
    expect(emulator.hooks(target)).toEqual([expect.objectContaining({ events: ['push'], config: expect.objectContaining({ secret: SECRET }) })])
  })

  test('ensure-absent twice: deleted, then absent', async () => {
    emulator.addHook(target, { url: receiver.url })
    const absent = (inputs: Record<string, string> = {}) =>
      runAction({
        scope,
        repository: 'octo-org/hello-world',
        token: 'test-token',
        api_url: emulator.url,
        operation: 'ensure-absent',
        url: receiver.url,
        ...inputs
      })
    expect((await absent()).outputs.result).toBe('deleted')
    expect(emulator.hooks(target)).toEqual([])
    expect((await absent()).outputs).toMatchObject({ result: 'absent' })
    expect((await absent({ url: '', hook_id: '12345' })).outputs.result).toBe('absent')
  })

  test('several hooks with the url fail listing their ids, unless hook_id picks one', async () => {
    const a = emulator.addHook(target, { url: receiver.url, events: ['push'] })
    const b = emulator.addHook(target, { url: receiver.url, events: ['issues'], content_type: 'json' })
    const failed = await ensure({ events: 'push' })
    expect(failed.exitCode).toBe(1)
    expect(failed.stdout).toMatch(new RegExp(`::error::2 webhooks .* ${a.id} .* ${b.id} .*Set 'hook_id'`))
    const picked = await ensure({ hook_id: String(b.id), events: 'issues' })
    expect(picked.outputs).toMatchObject({ result: 'unchanged', hook_id: String(b.id) })
    expect(emulator.requests.filter((r) => r.method !== 'GET')).toEqual([])
  })

  test('a concurrent creator: the POST that loses (422) converges on the hook that won', async () => {
    // Two ensures both list (no hook yet), then both POST: a barrier holds every POST until both lists are done.
    let listed = 0
    let release: () => void = () => undefined
    const barrier = new Promise<void>((resolve) => (release = resolve))
    const racer = () => {
      const octokit = createClient(emulatorConnection(1), { retries: 0 })
      octokit.hook.after('request', (_response, options) => {
        if (options.method === 'GET' && ++listed === 2) release()
      })
      octokit.hook.before('request', async (options) => {
        if (options.method === 'POST') await barrier
      })
      return ensureHook(octokit, client as Target, { url: receiver.url }, wantedSettings({ url: receiver.url }, { events: ['push'] }), {
        dryRun: false
      })
    }
    const results = await Promise.all([racer(), racer()])
    expect(results.map((r) => r.outcome).sort()).toEqual(['created', 'unchanged'])
    expect(
      emulator.requests
        .filter((r) => r.method === 'POST')
        .map((r) => r.status)
        .sort()
    ).toEqual([201, 422])
    expect(emulator.hooks(target)).toHaveLength(1)
    expect(results[0].hook_id).toBe(results[1].hook_id)
  })
})

test('ensure-absent by hook_id: a 404 on a target the token cannot see is an error, not "absent"', async () => {
  const run = await runAction({
    repository: 'octo-org/unknown-repo',
    token: 'test-token',
    api_url: emulator.url,
    operation: 'ensure-absent',
    hook_id: '12345'
  })
  expect(run.exitCode).toBe(1)
  expect(run.stdout).toMatch(/::error::GitHub answered 404 to GET \/repos\/octo-org\/unknown-repo\/hooks: Not Found/)
  expect(run.outputs.result).toBeUndefined()
})

describe('bad input for ensure fails before any request', () => {
  test.each<[Record<string, string>, RegExp]>([
    [{ operation: 'ensure' }, /Input 'hook_id' or 'url' is required for 'ensure'/],
    [{ operation: 'ensure', url: 'https://e.com', events: 'push,' + ',issues' }, /Input 'events' has an empty name/],
    [{ operation: 'ensure', url: 'https://e.com', dry_run: 'yes' }, /Input 'dry_run' is 'yes'; it accepts true or false/],
    [{ operation: 'ensure', url: 'https://e.com', secret: '********' }, /Input 'secret' is '\*{8}'/],
    [{ operation: 'ensure-absent' }, /Input 'hook_id' or 'url' is required for 'ensure-absent'/]
  ])('%j', async (inputs, message) => {
    const run = await runAction({ repository: 'octo-org/hello-world', token: 'test-token', api_url: emulator.url, ...inputs })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(new RegExp(`::error::${message.source}`))
    expect(emulator.requests).toEqual([])
  })
})
