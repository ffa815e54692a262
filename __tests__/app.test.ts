/**
 * GitHub App webhooks (issue "GitHub App webhooks: scope app"): the App's one webhook, managed as the
 * App with a JWT that @octokit/auth-app signs with its private key, against the emulator's
 * `/app/hook/…` endpoints, which verify the JWT like GitHub. The runs that matter end to end drive the
 * bundled action (dist/index.js); the rest run in-process.
 */
import { describe, expect, test } from '@jest/globals'
import { createPrivateKey, generateKeyPairSync } from 'node:crypto'
import { appKeyPair } from '../emulator/apps.js'
import { runStep, type StepRun } from '../emulator/runner.js'
import { startEmulator } from '../emulator/server.js'
import { runAction } from './helpers/action.js'
import { emulator, receiver, useEmulator } from './helpers/emulator.js'
import { leaks } from './helpers/leaks.js'

const APP_ID = 4242
const SECRET = 'app-hook-s3cret'
const KEYS = appKeyPair()
const OTHER_KEYS = appKeyPair()
useEmulator({ apps: [{ id: APP_ID, publicKey: KEYS.publicKey }] }, SECRET)

const app = { scope: 'app', app_id: String(APP_ID), private_key: KEYS.privateKey, repository: '' }
const inProcess = (inputs: Record<string, string>, api_url = emulator.url): Promise<StepRun> => runAction({ ...app, api_url, ...inputs })
const bundled = (inputs: Record<string, string>): Promise<StepRun> => runStep({ ...app, api_url: emulator.url, ...inputs }, { RUNNER_DEBUG: '1' })
const RECENT = () => new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z')
/** The lines of the private key that are secret (not the BEGIN/END lines). */
const KEY_LINES = KEYS.privateKey.split('\n').filter((line) => line !== '' && !line.startsWith('-----'))
const writes = () => emulator.requests.filter((r) => r.method !== 'GET')

describe('authentication as the App', () => {
  test('get-config with a JWT from the private key (also with literal \\n escapes); the key shows nowhere (bundled action)', async () => {
    emulator.setAppHook(APP_ID, { url: receiver.url, secret: SECRET, content_type: 'json' })
    for (const private_key of [KEYS.privateKey, KEYS.privateKey.trim().replace(/\n/g, '\\n')]) {
      const run = await bundled({ operation: 'get-config', private_key })
      expect(run.exitCode).toBe(0)
      expect(JSON.parse(run.outputs.config)).toEqual({ url: receiver.url, content_type: 'json', insecure_ssl: '0', secret: '********' })
      expect(run.summary).toContain('GitHub App 4242')
      expect(leaks(run, [SECRET, ...KEY_LINES])).toEqual([])
    }
    expect(emulator.requests.every((r) => r.path === '/app/hook/config' && /^bearer /i.test(r.headers.authorization ?? ''))).toBe(true)
    expect(emulator.requests).toHaveLength(2) // one GET per run: the config is the App hook
  })

  test('a key that is not the App’s, or another app id, gets GitHub’s 401 and says what to check', async () => {
    emulator.setAppHook(APP_ID, { url: receiver.url })
    const wrongKey = await inProcess({ operation: 'get-config', private_key: OTHER_KEYS.privateKey })
    expect(wrongKey.exitCode).toBe(1)
    expect(wrongKey.stdout).toMatch(/::error::GitHub answered 401 to GET \/app\/hook\/config: /)
    expect(wrongKey.stdout).toContain("GitHub refused the App's JWT: check that 'app_id' is the App's id")
    const wrongApp = await inProcess({ operation: 'get-config', app_id: '999' })
    expect(wrongApp.exitCode).toBe(1)
    expect(wrongApp.stdout).toMatch(/::error::GitHub answered 401 to GET \/app\/hook\/config: /)
  })

  test('a JWT the server finds expired (its clock runs 11 minutes ahead) gets 401, and @octokit/auth-app signs again by the server’s Date', async () => {
    const ahead = await startEmulator({ apps: [{ id: APP_ID, publicKey: KEYS.publicKey }], clockSkewMs: 11 * 60_000 })
    try {
      ahead.setAppHook(APP_ID, { url: receiver.url })
      const run = await inProcess({ operation: 'get-config' }, ahead.url)
      expect(run.exitCode).toBe(0)
      // Each request's first JWT is refused; auth-app reads the server's Date header and signs one that fits.
      const statuses = ahead.requests.map((r) => r.status)
      expect(statuses.filter((status) => status === 401).length).toBeGreaterThan(0)
      expect(statuses.join(' ')).toMatch(/^(401 200 ?)+$/)
    } finally {
      await ahead.close()
    }
  })

  test('bad input fails before any request: a malformed key, a missing app id, an operation the App hook does not have, events', async () => {
    const bad = await inProcess({ operation: 'get-config', private_key: 'not a key at all' })
    expect(bad.stdout).toMatch(/^::error::Input 'private_key' is not a private key \(its value is not shown\)/m)
    expect(leaks(bad, ['not a key at all'])).toEqual([])
    const noId = await inProcess({ operation: 'get-config', app_id: '' })
    expect(noId.stdout).toMatch(/^::error::Input 'app_id' is required with scope 'app'/m)
    const list = await inProcess({ operation: 'list' })
    expect(list.stdout).toMatch(
      /^::error::Input 'operation' is 'list', which does not work on the webhook of a GitHub App \(scope 'app'\); it takes 'get-config', 'update-config', 'list-deliveries', 'get-delivery', 'redeliver', 'ensure', 'redeliver-failed', 'audit-secret', 'rotate-secret' or 'report'\./m
    )
    const events = await inProcess({ operation: 'ensure', url: receiver.url, events: 'push' })
    expect(events.stdout).toMatch(
      /^::error::Input 'events' cannot be set with scope 'app': a GitHub App's events and active state are set in its settings/m
    )
    expect(emulator.requests).toEqual([])
  })

  test('a key that is not RSA (EC, Ed25519) fails before any request, saying App keys are RSA; the same RSA key as PKCS#8 works (bundled action)', async () => {
    emulator.setAppHook(APP_ID, { url: receiver.url })
    const pem = (type: 'ec' | 'ed25519'): string =>
      (type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPairSync('ed25519')).privateKey
        .export({ type: 'pkcs8', format: 'pem' })
        .toString()
    for (const [type, private_key] of [
      ['EC', pem('ec')],
      ['ED25519', pem('ed25519')]
    ]) {
      const run = await bundled({ operation: 'get-config', private_key })
      expect(run.exitCode).toBe(1)
      expect(run.stdout).toMatch(
        new RegExp(
          `^::error::Input 'private_key' is a private key of type ${type} \\(its value is not shown\\), but GitHub App keys are RSA .*-----BEGIN RSA PRIVATE KEY-----`,
          'm'
        )
      )
      expect(run.stdout).not.toContain('Invalid key type')
      const secretLines = private_key.split('\n').filter((line) => line !== '' && !line.startsWith('-----'))
      expect(leaks(run, secretLines)).toEqual([])
    }
    expect(emulator.requests).toEqual([])
    const pkcs8 = createPrivateKey(KEYS.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString()
    expect(pkcs8).toContain('-----BEGIN PRIVATE KEY-----')
    const run = await bundled({ operation: 'get-config', private_key: pkcs8 })
    expect(run.exitCode).toBe(0)
    expect(JSON.parse(run.outputs.config)).toMatchObject({ url: receiver.url })
  })
})

describe('operations on the App hook (bundled action)', () => {
  test('ensure writes only the config that differs; the rerun proves the secret from the newest delivery and writes nothing', async () => {
    emulator.setAppHook(APP_ID, { url: 'https://old.example.com/hook', secret: SECRET, content_type: 'form' })
    emulator.addAppDelivery(APP_ID, { delivered_at: RECENT() })
    const inputs = { operation: 'ensure', url: receiver.url, secret: SECRET }
    const first = await bundled(inputs)
    expect(first.exitCode).toBe(0)
    expect(first.outputs.result).toBe('updated')
    // The secret is proven by the newest delivery: a url change does not send it again (issue 27).
    expect(JSON.parse(first.outputs.changes).map((change: { field: string }) => change.field)).toEqual(['url', 'content_type'])
    expect(first.outputs.secret_proof).toBe('proven')
    expect(writes().map((r) => r.body)).toEqual([{ url: receiver.url, content_type: 'json' }])
    expect(emulator.appHook(APP_ID)).toEqual({ url: receiver.url, content_type: 'json', insecure_ssl: '0', secret: SECRET })
    expect(writes().map((r) => `${r.method} ${r.path}`)).toEqual(['PATCH /app/hook/config']) // no ping: the App hook has none
    const before = emulator.requests.length
    const rerun = await bundled(inputs)
    expect(rerun.outputs).toMatchObject({ result: 'unchanged', secret_proof: 'proven' })
    expect(emulator.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([])
  })

  test('ensure writes the secret when the newest delivery is signed with another one, even if an older one matches', async () => {
    emulator.setAppHook(APP_ID, { url: receiver.url, secret: 'rotated-by-someone', content_type: 'json' })
    emulator.addAppDelivery(APP_ID, { delivered_at: RECENT(), signed_with: SECRET })
    emulator.addAppDelivery(APP_ID, { delivered_at: RECENT() })
    const run = await inProcess({ operation: 'ensure', url: receiver.url, secret: SECRET })
    expect(run.outputs).toMatchObject({ result: 'updated', secret_proof: 'written' })
    expect(emulator.appHook(APP_ID)?.secret).toBe(SECRET)
  })

  test('redeliver-failed redelivers the App deliveries that never got a 2xx; the receiver gets them signed (bundled action)', async () => {
    emulator.setAppHook(APP_ID, { url: receiver.url, secret: SECRET, content_type: 'json' })
    for (const [guid, status_code] of [
      ['lost-1', 502],
      ['ok-1', 200],
      ['lost-2', 0]
    ] as const) {
      emulator.addAppDelivery(APP_ID, { guid, status_code, event: 'workflow_job', delivered_at: RECENT() })
    }
    const run = await bundled({ operation: 'redeliver-failed', since: '2h' })
    expect(run.exitCode).toBe(0)
    expect(JSON.parse(run.outputs.failed_guids).sort()).toEqual(['lost-1', 'lost-2'])
    expect(run.outputs.redelivered).toBe('2')
    await emulator.idle()
    expect(
      receiver.received
        .filter((r) => r.signatureValid)
        .map((r) => r.guid)
        .sort()
    ).toEqual(['lost-1', 'lost-2'])
    expect(leaks(run, KEY_LINES)).toEqual([])
  })

  test('list-deliveries, get-delivery, redeliver and update-config work on the App hook', async () => {
    emulator.setAppHook(APP_ID, { url: receiver.url, secret: SECRET })
    const delivery = emulator.addAppDelivery(APP_ID, { delivered_at: RECENT() })
    const listed = await bundled({ operation: 'list-deliveries' })
    expect(JSON.parse(listed.outputs.deliveries).map((d: { id: number }) => d.id)).toEqual([delivery.id])
    const got = await bundled({ operation: 'get-delivery', delivery_id: String(delivery.id) })
    const again = await bundled({ operation: 'redeliver', delivery_id: String(delivery.id) })
    expect(again.outputs.delivery_id).toBe(String(delivery.id))
    expect(got.outputs.delivery_guid).toBe(delivery.guid)
    // The scope's description of the hook, not "webhook 0"
    expect(got.stdout).toContain(`Delivery ${delivery.id} (push) of the webhook of GitHub App ${APP_ID}: 200 OK.`)
    expect(again.stdout).toContain(`Asked GitHub to redeliver delivery ${delivery.id} of the webhook of GitHub App ${APP_ID}.`)
    expect(`${got.stdout}${again.stdout}`).not.toContain('webhook 0')
    const updated = await bundled({ operation: 'update-config', url: 'https://new.example.com/app-hook', insecure_ssl: '0' })
    expect(updated.exitCode).toBe(0)
    expect(emulator.appHook(APP_ID)).toMatchObject({ url: 'https://new.example.com/app-hook', secret: SECRET })
  })

  test('audit-secret tells the secret from the newest delivery; with none it is unproven (the App hook cannot be pinged)', async () => {
    emulator.setAppHook(APP_ID, { url: receiver.url, secret: SECRET })
    const quiet = await inProcess({ operation: 'audit-secret', secret: SECRET, fail_on_mismatch: 'false' })
    expect(JSON.parse(quiet.outputs.audit)).toEqual([expect.objectContaining({ app_id: String(APP_ID), verdict: 'unproven' })])
    expect(writes()).toEqual([])
    emulator.addAppDelivery(APP_ID, { delivered_at: RECENT(), signed_with: 'old-s3cret' })
    const previous = await bundled({ operation: 'audit-secret', secret: SECRET, previous_secret: 'old-s3cret' })
    expect(previous.exitCode).toBe(1)
    expect(JSON.parse(previous.outputs.audit)).toEqual([expect.objectContaining({ verdict: 'previous' })])
  })

  test('rotate-secret on a busy App: a delivery still signed with the old secret is passed over; the first signed with the new one decides (bundled action)', async () => {
    emulator.setAppHook(APP_ID, { url: receiver.url, secret: SECRET })
    emulator.addAppDelivery(APP_ID, { signed_with: SECRET, status_code: 200, delivered_at: RECENT() }) // proves SECRET: previous
    const NEW = 'app-new-s3cret'
    const running = bundled({ operation: 'rotate-secret', secret: NEW, previous_secret: SECRET, wait_timeout: '20' })
    while (!emulator.requests.some((r) => r.method === 'PATCH')) await new Promise((resolve) => setTimeout(resolve, 20))
    const inFlight = emulator.addAppDelivery(APP_ID, { signed_with: SECRET, status_code: 401 }) // on its way before the write: no evidence
    emulator.addAppDelivery(APP_ID, { signed_with: NEW, status_code: 200 })
    const run = await running
    expect(run.exitCode).toBe(0)
    expect(JSON.parse(run.outputs.results)).toEqual([expect.objectContaining({ app_id: String(APP_ID), result: 'rotated' })])
    expect(run.stdout).not.toContain(`delivery ${inFlight.id},`)
    expect(emulator.appHook(APP_ID)?.secret).toBe(NEW)
    expect(writes().map((r) => `${r.method} ${r.path}`)).toEqual(['PATCH /app/hook/config'])
  })

  test('rotate-secret on a quiet App: no delivery in time, so the hook goes back to previous_secret, and the step says it is not confirmed', async () => {
    emulator.setAppHook(APP_ID, { url: receiver.url, secret: SECRET })
    emulator.addAppDelivery(APP_ID, { signed_with: SECRET, status_code: 200, delivered_at: RECENT() })
    const run = await bundled({ operation: 'rotate-secret', secret: 'app-new-s3cret', previous_secret: SECRET, wait_timeout: '1' })
    expect(run.exitCode).toBe(1)
    expect(JSON.parse(run.outputs.results)[0].error).toMatch(
      /no delivery signed with the new secret came within 1 s; previous_secret written back, but not confirmed/
    )
    expect(emulator.appHook(APP_ID)?.secret).toBe(SECRET)
  })

  test('rotate-secret on an App hook never proven: not rotated without rotate_unknown', async () => {
    emulator.setAppHook(APP_ID, { url: receiver.url, secret: SECRET })
    const run = await bundled({ operation: 'rotate-secret', secret: 'app-new-s3cret', previous_secret: SECRET, wait_timeout: '1' })
    expect(run.exitCode).toBe(1)
    expect(JSON.parse(run.outputs.results)).toEqual([expect.objectContaining({ result: 'unknown' })])
    expect(emulator.appHook(APP_ID)?.secret).toBe(SECRET)
    expect(writes()).toEqual([])
  })

  test('report on the App hook: its health from the deliveries since since', async () => {
    emulator.setAppHook(APP_ID, { url: receiver.url, secret: SECRET })
    emulator.addAppDelivery(APP_ID, { guid: 'a1', status_code: 200, event: 'workflow_job', delivered_at: RECENT() })
    emulator.addAppDelivery(APP_ID, { guid: 'a2', status_code: 502, event: 'workflow_job', delivered_at: RECENT() })
    const run = await bundled({ operation: 'report', since: '2h' })
    expect(run.exitCode).toBe(0)
    expect(JSON.parse(run.outputs.report)).toEqual([
      expect.objectContaining({
        target: 'GitHub App 4242',
        deliveries: 2,
        guids: 2,
        failed_guids: 1,
        success_rate: 0.5,
        by_event: { workflow_job: 2 }
      })
    ])
    expect(JSON.parse(run.outputs.report)[0].hook_id).toBeUndefined()
  })
})
