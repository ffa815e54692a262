/**
 * The emulator's GitHub App webhook (emulator/apps.ts, app-routes.ts, app-hooks.ts and the `app`
 * scope of store.ts): `GET`/`PATCH /app/hook/config`, `GET /app/hook/deliveries[/{delivery_id}]`,
 * `POST …/attempts`, at the root and under `/api/v3`, authenticated with a JWT the App signs (RS256),
 * every refusal a 401 with GitHub's message, and the emulator's skewed clock (`clockSkewMs`).
 * Every response is validated against GitHub's OpenAPI description (`validate: true`); each test
 * ends by asserting that no violation was recorded.
 */
import { createHmac } from 'node:crypto'
import { describe, expect, test } from '@jest/globals'
import { GitHub } from '@actions/github/lib/utils'
import { createAppAuth } from '@octokit/auth-app'
import { JWT_ERRORS, appKeyPair, signAppJwt } from '../emulator/apps.js'
import { validateResponse, type ApiFlavour } from '../emulator/openapi.js'
import { startEmulator } from '../emulator/server.js'
import { emulator, receiver, callApi, useEmulator, type Answer, type Body } from './helpers/emulator.js'

const SECRET = 'It$-a-s3cret'
const DOCS = 'https://docs.github.com/rest'
const APP_ID = 1234567
const CLIENT_ID = 'Iv23liEmulatorApp01'
const OTHER_APP_ID = 7654321
const APP_KEYS = appKeyPair()
const OTHER_APP_KEYS = appKeyPair()
/** A key no app knows. */
const STRANGER_KEYS = appKeyPair()
const DAY_MS = 24 * 3600_000
const ISO_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/

useEmulator(
  {
    apps: [
      { id: APP_ID, client_id: CLIENT_ID, publicKey: APP_KEYS.publicKey },
      { id: OTHER_APP_ID, publicKey: OTHER_APP_KEYS.publicKey }
    ]
  },
  SECRET
)

/** Now in whole seconds (the JWT clock). */
const nowS = (): number => Math.floor(Date.now() / 1000)

/** A valid JWT of the app (iat 60 s back, 9 minutes to live, as GitHub's docs recommend), with `claims` on top. */
const jwt = (claims: Record<string, unknown> = {}, privateKey = APP_KEYS.privateKey): string =>
  signAppJwt(privateKey, { iat: nowS() - 60, exp: nowS() + 540, iss: APP_ID, ...claims })

/** Calls `path` (absolute, or relative to the api.github.com-style root) with `Authorization: <authorization>`. */
const callAs = (authorization: string | undefined, method: string, path: string, body?: unknown): Promise<Answer> =>
  callApi(emulator.url, method, path, { body, headers: authorization === undefined ? {} : { Authorization: authorization } })

/** Calls as the app with a fresh JWT. */
const call = (method: string, path: string, body?: unknown): Promise<Answer> => callAs(`Bearer ${jwt()}`, method, path, body)

/** URLs of a Link header by rel. */
function links(answer: Answer): Record<string, string> {
  const header = answer.headers.get('link') ?? ''
  return Object.fromEntries([...header.matchAll(/<([^>]+)>; rel="(\w+)"/g)].map(([, url, rel]) => [rel, url]))
}

/** ISO 8601, whole seconds, `ms` milliseconds ago. */
const ago = (ms: number): string => new Date(Date.now() - ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

/**
 * Takes the one violation a 422 of `PATCH /app/hook/config` records: GitHub answers it (as for
 * `PATCH …/hooks/{id}/config`), but the description declares only 200 for that operation.
 */
function takeUndeclared422(): void {
  expect(emulator.violations).toEqual([expect.stringMatching(/^PATCH \/app\/hook\/config 422: status not declared \(declared: 200\)/)])
  emulator.violations.length = 0
}

const ROOTS = [
  { flavour: 'api.github.com', root: (): string => emulator.url },
  { flavour: 'GHES /api/v3', root: (): string => emulator.ghesUrl }
] as const

describe.each(ROOTS)('App webhook via $flavour', ({ root }) => {
  const config = (): string => `${root()}/app/hook/config`
  const deliveries = (): string => `${root()}/app/hook/deliveries`

  test('an app without a webhook URL: 404 everywhere; PATCH with a url sets it up (content_type json)', async () => {
    expect(emulator.appHook(APP_ID)).toBeUndefined()
    for (const path of [config(), deliveries(), `${deliveries()}/1`]) {
      const answer = await call('GET', path)
      expect([answer.status, answer.body]).toEqual([404, { message: 'Not Found', documentation_url: DOCS, status: '404' }])
    }
    expect((await call('POST', `${deliveries()}/1/attempts`)).status).toBe(404)

    const set = await call('PATCH', config(), { url: receiver.url, secret: SECRET })
    expect([set.status, set.body]).toEqual([200, { content_type: 'json', insecure_ssl: '0', secret: '********', url: receiver.url }])
    expect((await call('GET', config())).body).toEqual(set.body)
    expect(emulator.appHook(APP_ID)).toEqual({ url: receiver.url, content_type: 'json', insecure_ssl: '0', secret: SECRET })
    expect((await call('GET', deliveries())).body).toEqual([])
    // The other app still has none.
    expect((await callAs(`Bearer ${jwt({ iss: OTHER_APP_ID }, OTHER_APP_KEYS.privateKey)}`, 'GET', config())).status).toBe(404)
  })

  test('PATCH /app/hook/config merges the given fields, with the validation of the hooks config', async () => {
    emulator.setAppHook(APP_ID, { url: 'https://example.com/app', content_type: 'form', secret: SECRET })
    const patched = await call('PATCH', config(), { insecure_ssl: 1 })
    expect(patched.body).toEqual({ content_type: 'form', insecure_ssl: '1', secret: '********', url: 'https://example.com/app' })
    expect(emulator.appHook(APP_ID)).toEqual({ url: 'https://example.com/app', content_type: 'form', insecure_ssl: '1', secret: SECRET })
    expect((await call('PATCH', config(), { url: 'https://example.com/v2', content_type: 'json' })).body).toEqual({
      content_type: 'json',
      insecure_ssl: '1',
      secret: '********',
      url: 'https://example.com/v2'
    })
    expect((await call('PATCH', config(), {})).status).toBe(200)
    // The masked value sent back is stored literally, as GitHub does.
    expect((await call('PATCH', config(), { secret: '********' })).status).toBe(200)
    expect(emulator.appHook(APP_ID)?.secret).toBe('********')

    const refused = await call('PATCH', config(), { url: 'ftp://example.com/app' })
    expect([refused.status, refused.body]).toEqual([
      422,
      {
        message: 'Validation Failed',
        errors: [{ resource: 'Hook', code: 'custom', field: 'url', message: 'url is not a valid URL: ftp://example.com/app' }],
        documentation_url: DOCS,
        status: '422'
      }
    ])
    takeUndeclared422()
    expect((await call('PATCH', config(), { content_type: 'xml' })).status).toBe(422)
    takeUndeclared422()
    expect((await call('PATCH', config(), { insecure_ssl: true })).status).toBe(422)
    takeUndeclared422()
    expect(emulator.appHook(APP_ID)?.url).toBe('https://example.com/v2') // unchanged by the refusals

    // Without a webhook yet, the url is required.
    const none = await callAs(`Bearer ${jwt({ iss: OTHER_APP_ID }, OTHER_APP_KEYS.privateKey)}`, 'PATCH', config(), { secret: 'x' })
    expect(none.status).toBe(422)
    expect(none.body.errors).toEqual([{ resource: 'Hook', code: 'custom', message: 'Config must contain URL for webhooks' }])
    takeUndeclared422()
  })

  test('deliveries: newest first, cursor pagination with a Link header, status filter, retention', async () => {
    emulator.setAppHook(APP_ID, { url: receiver.url, secret: SECRET })
    const codes = [200, 500, 201, 404, 0, 302, 200]
    const seeded = codes.map((status_code) => emulator.addAppDelivery(APP_ID, { status_code }))
    const expired = emulator.addAppDelivery(APP_ID, { delivered_at: ago(3 * DAY_MS + 60_000) })
    const newestFirst = seeded.map((d) => d.id).reverse()

    const first = await call('GET', `${deliveries()}?per_page=3`)
    expect(first.body.map((d: Body) => d.id)).toEqual(newestFirst.slice(0, 3))
    const next = links(first).next
    expect(next).toBe(`${deliveries()}?per_page=3&cursor=v1_${newestFirst[2]}`)
    const second = await call('GET', next)
    expect(second.body.map((d: Body) => d.id)).toEqual(newestFirst.slice(3, 6))
    expect(links(second).prev).toBe(`${deliveries()}?per_page=3&cursor=v1p_${newestFirst[3]}`)
    const third = await call('GET', links(second).next)
    expect(third.body.map((d: Body) => d.id)).toEqual(newestFirst.slice(6))
    expect(Object.keys(links(third))).toEqual(['prev']) // the last page: prev, no next
    expect((await call('GET', links(third).prev)).body.map((d: Body) => d.id)).toEqual(newestFirst.slice(3, 6))
    // Items carry url "" for an App's webhook, as recorded from GitHub.
    expect(first.body.map((d: Body) => d.url)).toEqual(['', '', ''])
    // A JWT answer carries no x-ratelimit-* header (as recorded), but GitHub's other headers.
    for (const answer of [first, second, await call('GET', config())]) {
      expect([...answer.headers.keys()].filter((name) => name.startsWith('x-ratelimit-'))).toEqual([])
      expect(answer.headers.get('x-github-request-id')).not.toBeNull()
    }

    const ids = async (query: string): Promise<number[]> => (await call('GET', `${deliveries()}?${query}`)).body.map((d: Body) => d.id)
    const having = (test: (code: number) => boolean): number[] =>
      seeded
        .filter((d) => test(d.status_code))
        .map((d) => d.id)
        .reverse()
    expect(await ids('status=success')).toEqual(having((c) => c >= 200 && c < 400))
    expect(await ids('status=failure')).toEqual(having((c) => c >= 400))
    const filtered = await call('GET', `${deliveries()}?status=success&per_page=2`)
    expect(links(filtered).next).toMatch(/[?&]status=success(&|$)/)

    const badStatus = await call('GET', `${deliveries()}?status=ok`)
    expect([badStatus.status, badStatus.body.errors]).toEqual([422, [{ resource: 'HookDelivery', code: 'invalid', field: 'status', value: 'ok' }]])
    expect((await call('GET', `${deliveries()}?cursor=bogus`)).status).toBe(400)

    expect(await ids('per_page=100')).not.toContain(expired.id)
    expect((await call('GET', `${deliveries()}/${expired.id}`)).status).toBe(404)
    const refused = await call('POST', `${deliveries()}/${expired.id}/attempts`)
    expect([refused.status, refused.body.errors[0].field]).toEqual([422, 'delivery_id'])
    expect((await call('GET', `${deliveries()}/999`)).status).toBe(404)
  })

  test('a delivery shows installation_id and repository_id from its payload, and the hook-delivery fields', async () => {
    emulator.setAppHook(APP_ID, { url: receiver.url, secret: SECRET })
    const payload = { action: 'opened', installation: { id: 4242 }, repository: { id: 1296269, full_name: 'octo-org/hello-world' } }
    const seeded = emulator.addAppDelivery(APP_ID, { event: 'issues', action: 'opened', payload, status_code: 503, guid: 'abc-123' })
    const bare = emulator.addAppDelivery(APP_ID, { event: 'installation' })
    const [bareItem, item] = (await call('GET', deliveries())).body
    expect(item).toMatchObject({
      id: seeded.id,
      guid: 'abc-123',
      event: 'issues',
      action: 'opened',
      status_code: 503,
      installation_id: 4242,
      repository_id: 1296269
    })
    expect(item.status).toBe('Invalid HTTP Response: 503')
    expect([bareItem.id, bareItem.installation_id, bareItem.repository_id]).toEqual([bare.id, null, null])

    const delivery = (await call('GET', `${deliveries()}/${seeded.id}`)).body
    expect(delivery).toMatchObject({ ...item, url: receiver.url, request: { payload } })
    expect(delivery.delivered_at).toMatch(ISO_SECONDS)
    expect(delivery.request.headers).toMatchObject({
      'X-GitHub-Event': 'issues',
      'X-GitHub-Delivery': 'abc-123',
      'X-GitHub-Hook-Installation-Target-Type': 'integration',
      'X-GitHub-Hook-Installation-Target-ID': String(APP_ID)
    })
  })

  test("a redelivery is answered 202, then sent to the hook's url, signed with its secret", async () => {
    emulator.setAppHook(APP_ID, { url: receiver.url, secret: SECRET })
    const payload = { action: 'created', installation: { id: 99 }, comment: { body: '<b>&</b>' } }
    // Recorded before a rotation: its own signature does not verify with the current secret.
    const old = emulator.addAppDelivery(APP_ID, { event: 'issue_comment', action: 'created', payload, status_code: 500, signed_with: 'old-secret' })
    const hmac = (body: string, secret: string): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
    expect(old.request.headers['X-Hub-Signature-256']).not.toBe(hmac(JSON.stringify(payload), SECRET))

    const answer = await call('POST', `${deliveries()}/${old.id}/attempts`)
    expect([answer.status, answer.body]).toEqual([202, {}])
    await emulator.idle()
    expect(receiver.received).toHaveLength(1)
    const got = receiver.received[0]
    expect(got).toMatchObject({ event: 'issue_comment', guid: old.guid, contentType: 'application/json', signatureValid: true, signedWith: SECRET })
    expect(got.hookId).toBe(old.request.headers['X-GitHub-Hook-ID'])
    expect(got.headers['x-github-hook-installation-target-type']).toBe('integration')
    expect(got.headers['x-github-hook-installation-target-id']).toBe(String(APP_ID))
    expect(JSON.parse(got.body)).toEqual(payload)

    const [redelivery, original] = (await call('GET', deliveries())).body
    expect(original.id).toBe(old.id)
    expect(redelivery).toMatchObject({
      guid: old.guid,
      redelivery: true,
      status_code: 200,
      status: 'OK',
      installation_id: 99,
      event: 'issue_comment'
    })
    expect(redelivery.id).toBeGreaterThan(old.id)
  })
})

describe('JWT authentication of /app/hook/…', () => {
  const CONFIG = '/app/hook/config'
  /** Expects a 401 `basic-error` with `message` for a request with that Authorization header. */
  async function refused(authorization: string | undefined, message: string, path = CONFIG): Promise<void> {
    const answer = await callAs(authorization, 'GET', path)
    expect([answer.status, answer.body]).toEqual([401, { message, documentation_url: DOCS, status: '401' }])
  }

  test('the app id (integer or string) and the client ID are accepted issuers; the scheme is case-insensitive', async () => {
    emulator.setAppHook(APP_ID, { url: receiver.url })
    for (const authorization of [
      `Bearer ${jwt()}`,
      `bearer ${jwt({ iss: String(APP_ID) })}`,
      `BEARER ${jwt({ iss: CLIENT_ID })}`,
      // iat may be up to 60 s ahead (clock drift); a lifetime of exactly 10 minutes is fine.
      `Bearer ${jwt({ iat: nowS() + 30, exp: nowS() + 600 })}`,
      `Bearer ${jwt({ iat: nowS() - 30, exp: nowS() + 570 })}`
    ]) {
      const answer = await callAs(authorization, 'GET', CONFIG)
      expect([authorization.split(' ')[0], answer.status]).toEqual([authorization.split(' ')[0], 200])
    }
    expect((await callApi(emulator.ghesUrl, 'GET', CONFIG, { headers: { Authorization: `Bearer ${jwt()}` } })).status).toBe(200)
  })

  test('@octokit/auth-app signs JWTs the emulator accepts (app id and client ID, both roots)', async () => {
    emulator.setAppHook(APP_ID, { url: receiver.url, secret: SECRET })
    for (const [appId, baseUrl] of [
      [APP_ID, emulator.url],
      [CLIENT_ID, emulator.ghesUrl]
    ] as const) {
      const octokit = new GitHub({ authStrategy: createAppAuth, auth: { appId, privateKey: APP_KEYS.privateKey }, baseUrl })
      const { data } = await octokit.request('GET /app/hook/config')
      expect(data).toEqual({ content_type: 'json', insecure_ssl: '0', secret: '********', url: receiver.url })
    }
    const auth = createAppAuth({ appId: APP_ID, privateKey: APP_KEYS.privateKey })
    const { token } = await auth({ type: 'app' })
    expect((await callAs(`Bearer ${token}`, 'GET', '/app/hook/deliveries')).status).toBe(200)
  })

  test('no token, a personal access token, a token of another kind or garbage: 401 "A JSON web token could not be decoded"', async () => {
    for (const authorization of [
      undefined,
      'token test-token',
      'Bearer test-token',
      `token ${jwt()}`, // a JWT must come with the Bearer scheme
      'Basic dXNlcjpwYXNz',
      'Bearer not.a.jwt',
      'Bearer a.b',
      `Bearer ${jwt()}.extra`,
      'Bearer',
      `Bearer ${Buffer.from('[1]').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.x`
    ]) {
      await refused(authorization, JWT_ERRORS.cannotDecode)
    }
    for (const path of ['/app/hook/deliveries', '/app/hook/deliveries/1', '/api/v3/app/hook/config'])
      await refused('token test-token', JWT_ERRORS.cannotDecode, path)
    const redeliver = await callAs('token test-token', 'POST', '/app/hook/deliveries/1/attempts')
    expect(redeliver.status).toBe(401)
  })

  test('a bad signature (another key, a tampered payload): 401 "A JSON web token could not be decoded"', async () => {
    await refused(`Bearer ${jwt({}, STRANGER_KEYS.privateKey)}`, JWT_ERRORS.cannotDecode)
    await refused(`Bearer ${jwt({}, OTHER_APP_KEYS.privateKey)}`, JWT_ERRORS.cannotDecode) // the other app's key, this app's id
    const [header, , signature] = jwt().split('.')
    const forged = Buffer.from(JSON.stringify({ iat: nowS() - 60, exp: nowS() + 540, iss: APP_ID, admin: true })).toString('base64url')
    await refused(`Bearer ${header}.${forged}.${signature}`, JWT_ERRORS.cannotDecode)
    await refused(`Bearer ${header}.${jwt().split('.')[1]}.`, JWT_ERRORS.cannotDecode)
  })

  test.each([
    { label: 'iss unknown (integer)', claims: () => ({ iss: 999 }), message: JWT_ERRORS.notFound },
    { label: 'iss unknown (decimal string)', claims: () => ({ iss: '999' }), message: JWT_ERRORS.notFound },
    { label: 'iss an unknown client ID', claims: () => ({ iss: 'Iv23liNobodyKnowsMe' }), message: JWT_ERRORS.notFound },
    { label: 'iss not an integer', claims: () => ({ iss: 1234567.5 }), message: JWT_ERRORS.issInvalid },
    { label: 'iss a name', claims: () => ({ iss: 'my-app' }), message: JWT_ERRORS.issInvalid },
    { label: 'iss missing', claims: () => ({ iss: undefined }), message: JWT_ERRORS.issMissing },
    { label: 'expired', claims: () => ({ iat: nowS() - 600, exp: nowS() - 1 }), message: JWT_ERRORS.expInvalid },
    { label: 'exp not an integer', claims: () => ({ exp: String(nowS() + 300) }), message: JWT_ERRORS.expInvalid },
    { label: 'exp missing', claims: () => ({ exp: undefined }), message: JWT_ERRORS.expMissing },
    { label: 'exp more than 10 minutes ahead', claims: () => ({ iat: nowS(), exp: nowS() + 660 }), message: JWT_ERRORS.expTooFar },
    { label: 'exp more than 10 minutes after iat', claims: () => ({ iat: nowS() - 120, exp: nowS() + 540 }), message: JWT_ERRORS.expTooFar },
    { label: 'iat more than 60 s ahead', claims: () => ({ iat: nowS() + 120, exp: nowS() + 500 }), message: JWT_ERRORS.iatInvalid },
    { label: 'iat not an integer', claims: () => ({ iat: 'yesterday' }), message: JWT_ERRORS.iatInvalid },
    { label: 'iat missing', claims: () => ({ iat: undefined }), message: JWT_ERRORS.iatMissing }
  ])('$label: 401 "$message"', async ({ claims, message }) => {
    // Claims are computed when the test runs, against the clock of that moment.
    await refused(`Bearer ${jwt(claims())}`, message)
    await refused(`Bearer ${jwt(claims())}`, message, '/api/v3/app/hook/deliveries')
  })

  test('a header alg other than RS256: 401 "Assertion must be signed using RS256"', async () => {
    const claims = { iat: nowS() - 60, exp: nowS() + 540, iss: APP_ID }
    await refused(`Bearer ${signAppJwt(APP_KEYS.privateKey, claims, { alg: 'HS256', typ: 'JWT' })}`, JWT_ERRORS.badAlgorithm)
    await refused(`Bearer ${signAppJwt(APP_KEYS.privateKey, claims, { alg: 'none' })}`, JWT_ERRORS.badAlgorithm)
  })

  test('the JWT opens only the /app routes: hooks and lists keep their token authentication', async () => {
    expect((await callAs(`Bearer ${jwt()}`, 'GET', '/repos/octo-org/hello-world/hooks')).body.message).toBe('Bad credentials')
    expect((await callAs('token test-token', 'GET', '/repos/octo-org/hello-world/hooks')).status).toBe(200)
    // Other /app paths are not emulated: token authentication, then 404.
    expect((await callAs('token test-token', 'GET', '/app')).status).toBe(404)
  })
})

describe('clockSkewMs', () => {
  const APPS = [{ id: APP_ID, publicKey: APP_KEYS.publicKey }]
  const quiet = { debug: () => {}, info: () => {}, error: () => {} }

  test.each([
    { label: 'ahead by 11 minutes: a fresh JWT has expired', skewMs: 11 * 60_000, message: JWT_ERRORS.expInvalid },
    { label: 'behind by 5 minutes: a fresh JWT was issued in the future', skewMs: -5 * 60_000, message: JWT_ERRORS.iatInvalid }
  ])('$label; the Date header shows the skew and @octokit/auth-app recovers', async ({ skewMs, message }) => {
    const skewed = await startEmulator({ apps: APPS, clockSkewMs: skewMs, validate: true })
    try {
      skewed.setAppHook(APP_ID, { url: 'https://example.com/app' })
      const fresh = signAppJwt(APP_KEYS.privateKey, { iat: nowS() - 30, exp: nowS() + 570, iss: APP_ID })
      const answer = await callApi(skewed.url, 'GET', '/app/hook/config', { headers: { Authorization: `Bearer ${fresh}` } })
      expect([answer.status, answer.body.message]).toEqual([401, message])
      const shownSkew = Date.parse(answer.headers.get('date') ?? '') - Date.now()
      expect(Math.abs(shownSkew - skewMs)).toBeLessThan(2000)

      const warnings: string[] = []
      const octokit = new GitHub({
        authStrategy: createAppAuth,
        auth: { appId: APP_ID, privateKey: APP_KEYS.privateKey },
        baseUrl: skewed.url,
        log: { ...quiet, warn: (text: string) => warnings.push(text) }
      })
      const { data } = await octokit.request('GET /app/hook/config')
      expect(data.url).toBe('https://example.com/app')
      expect(warnings).toEqual([`${message} - ${DOCS}`, expect.stringContaining('GitHub API time and system time are different')])
      expect(skewed.requests.map((r) => r.status)).toEqual([401, 401, 200])
      expect(skewed.violations).toEqual([])
    } finally {
      await skewed.close()
    }
  })

  test('a JWT signed for the skewed clock passes; the default clock is the real one', async () => {
    const skewed = await startEmulator({ apps: APPS, clockSkewMs: 3_600_000 })
    try {
      skewed.setAppHook(APP_ID, { url: 'https://example.com/app' })
      const later = nowS() + 3600
      const token = signAppJwt(APP_KEYS.privateKey, { iat: later - 60, exp: later + 540, iss: APP_ID })
      expect((await callApi(skewed.url, 'GET', '/app/hook/config', { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200)
      expect((await callAs(`Bearer ${token}`, 'GET', '/app/hook/config')).body.message).toBe(JWT_ERRORS.iatInvalid)
    } finally {
      await skewed.close()
    }
  })
})

describe('seeding, reset and options', () => {
  test('setAppHook replaces the config (defaults json, "0", no secret); appHook returns copies with the real secret', () => {
    const set = emulator.setAppHook(APP_ID, { url: 'https://example.com/a', content_type: 'form', secret: SECRET, insecure_ssl: '1' })
    expect(set).toEqual({ url: 'https://example.com/a', content_type: 'form', secret: SECRET, insecure_ssl: '1' })
    expect(emulator.setAppHook(APP_ID, { url: 'https://example.com/b' })).toEqual({
      url: 'https://example.com/b',
      content_type: 'json',
      insecure_ssl: '0'
    })
    const copy = emulator.appHook(APP_ID)
    if (copy) copy.url = 'https://changed.example.com'
    expect(emulator.appHook(APP_ID)?.url).toBe('https://example.com/b')
    expect(emulator.appHook(OTHER_APP_ID)).toBeUndefined()
  })

  test('unknown apps, apps without a webhook and invalid fields throw', () => {
    expect(() => emulator.appHook(42)).toThrow('The emulator knows no GitHub App 42')
    expect(() => emulator.setAppHook(42, { url: 'https://example.com' })).toThrow('The emulator knows no GitHub App 42')
    expect(() => emulator.addAppDelivery(APP_ID)).toThrow(`GitHub App ${APP_ID} has no webhook`)
    expect(() => emulator.setAppHook(APP_ID, { url: 'not a url' })).toThrow('Validation Failed')
  })

  test('reset() forgets app webhooks and their deliveries; the apps stay', async () => {
    emulator.setAppHook(APP_ID, { url: receiver.url })
    emulator.addAppDelivery(APP_ID)
    emulator.reset()
    expect(emulator.appHook(APP_ID)).toBeUndefined()
    expect((await call('GET', '/app/hook/config')).status).toBe(404)
    emulator.setAppHook(APP_ID, { url: receiver.url })
    expect((await call('GET', '/app/hook/deliveries')).body).toEqual([])
  })

  test('startEmulator refuses invalid apps and clockSkewMs', async () => {
    const { publicKey } = APP_KEYS
    await expect(startEmulator({ apps: [{ id: 0, publicKey }] })).rejects.toThrow(TypeError)
    await expect(
      startEmulator({
        apps: [
          { id: 1, publicKey },
          { id: 1, publicKey }
        ]
      })
    ).rejects.toThrow('Duplicate App id 1')
    await expect(
      startEmulator({
        apps: [
          { id: 1, client_id: 'Iv1.x', publicKey },
          { id: 2, client_id: 'Iv1.x', publicKey }
        ]
      })
    ).rejects.toThrow(TypeError)
    await expect(startEmulator({ apps: [{ id: 1, publicKey: 'not a key' }] })).rejects.toThrow('publicKey is not a PEM key')
    await expect(startEmulator({ clockSkewMs: Number.NaN })).rejects.toThrow(RangeError)
  })

  test('appKeyPair gives PKCS#1 private keys, as GitHub issues them, and SPKI public keys', () => {
    expect(APP_KEYS.privateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/)
    expect(APP_KEYS.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n/)
    expect(APP_KEYS.privateKey).not.toBe(OTHER_APP_KEYS.privateKey)
  })
})

describe('OpenAPI validation of the App webhook paths', () => {
  test.each(['api.github.com', 'ghes-3.19'] as const)('%s: every /app/hook operation is described and checked', (flavour: ApiFlavour) => {
    const config = { content_type: 'json', insecure_ssl: '0', url: 'https://example.com' }
    expect(validateResponse(flavour, 'GET', '/app/hook/config', 200, config)).toEqual([])
    expect(validateResponse(flavour, 'PATCH', '/app/hook/config', 200, { ...config, content_type: 5 })).toEqual([
      'PATCH /app/hook/config 200: /content_type must be string'
    ])
    expect(validateResponse(flavour, 'GET', '/app/hook/deliveries', 200, [{ id: 1 }])[0]).toMatch(
      /^GET \/app\/hook\/deliveries 200: \/0 must have required property/
    )
    expect(validateResponse(flavour, 'GET', '/app/hook/deliveries/1', 200, {})[0]).toMatch(/^GET \/app\/hook\/deliveries\/\{delivery_id\} 200: /)
    expect(validateResponse(flavour, 'POST', '/app/hook/deliveries/1/attempts', 202, {})).toEqual([])
    expect(validateResponse(flavour, 'GET', '/app/hook/config', 401, { message: 'x', documentation_url: DOCS })).toEqual([])
  })
})
