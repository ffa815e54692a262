/**
 * The emulator's fleet of repositories (emulator/repositories.ts, repository-routes.ts,
 * fleet-seed.ts): `GET /orgs/{org}/repos`, `GET /users/{username}/repos` and
 * `GET /orgs/{org}/properties/values` with their filters, sorting and Link pagination, the 404s of
 * unknown or wrong-kind logins, the read-only archived repositories (403 on hook writes), and the
 * mix rule of `fleetSeed`. Every response is validated against GitHub's OpenAPI description
 * (`validate: true`); each test ends by asserting that no violation was recorded.
 */
import { describe, expect, test } from '@jest/globals'
import { FLEET_EXTRA_REPOS, FLEET_TEAMS, fleetSeed, fleetServiceRepo, fleetUserRepo } from '../emulator/fleet-seed.js'
import { validateResponse, type ApiFlavour } from '../emulator/openapi.js'
import { startEmulator, type RepositorySeed } from '../emulator/server.js'
import { emulator, callApi, useEmulator, type Answer, type Body } from './helpers/emulator.js'

const TOKEN = 'test-token'
const READ_ONLY_TOKEN = 'read-only-token'
const SECRET = 'It$-a-s3cret'
const ORG = 'octo-org'
const USER = 'octocat'
const COUNT = 45
const USER_COUNT = 7
const FLEET = fleetSeed({ org: ORG, user: USER, count: COUNT, userCount: USER_COUNT })
/** Seeds by owner, in creation (id) order. */
const ORG_SEEDS = FLEET.repositories.filter((r) => r.full_name.startsWith(`${ORG}/`))
const USER_SEEDS = FLEET.repositories.filter((r) => r.full_name.startsWith(`${USER}/`))
const ARCHIVED = `${ORG}/svc-009`
const FIRST_REPOSITORY_ID = 1296269

useEmulator({ ...FLEET, readOnlyTokens: [READ_ONLY_TOKEN] }, SECRET)

const call = (method: string, path: string, body?: unknown, token = TOKEN): Promise<Answer> => callApi(emulator.url, method, path, { body, token })

/** URLs of a Link header by rel. */
function links(answer: Answer): Record<string, string> {
  const header = answer.headers.get('link') ?? ''
  return Object.fromEntries([...header.matchAll(/<([^>]+)>; rel="(\w+)"/g)].map(([, url, rel]) => [rel, url]))
}

/** Follows `rel="next"` from `first` and returns every page's body, concatenated. */
async function walk(first: string): Promise<Body[]> {
  const all: Body[] = []
  for (let url: string | undefined = first; url !== undefined;) {
    const page = await call('GET', url)
    expect(page.status).toBe(200)
    all.push(...page.body)
    url = links(page).next
  }
  return all
}

const names = (repos: Body[]): string[] => repos.map((r) => r.full_name)
const seedNames = (seeds: RepositorySeed[]): string[] => seeds.map((s) => s.full_name)
const byName = (a: string, b: string): number => a.toLowerCase().localeCompare(b.toLowerCase())
const ROOTS = [
  { flavour: 'api.github.com', root: (): string => emulator.url },
  { flavour: 'GHES /api/v3', root: (): string => emulator.ghesUrl }
] as const

describe('fleetSeed', () => {
  test('follows the documented mix rule (count 100)', () => {
    const { orgs, repositories } = fleetSeed()
    expect(orgs).toEqual(['octo-org'])
    const svc = repositories.filter((r) => /^octo-org\/svc-\d{3}$/.test(r.full_name))
    expect(svc).toHaveLength(100)
    expect(svc[0].full_name).toBe('octo-org/svc-000')
    expect(svc[99].full_name).toBe('octo-org/svc-099')
    const count = (test: (r: RepositorySeed) => boolean): number => svc.filter(test).length
    expect(count((r) => r.archived === true)).toBe(10)
    expect(count((r) => r.fork === true)).toBe(14)
    expect(count((r) => r.private === true)).toBe(25)
    expect(count((r) => r.topics?.includes('team-a') === true)).toBe(50)
    expect(count((r) => r.topics?.includes('team-b') === true)).toBe(50)
    expect(count((r) => r.topics?.includes('deploy') === true)).toBe(34)
    expect(count((r) => r.properties?.team === null)).toBe(9)
    for (const team of FLEET_TEAMS) expect(count((r) => r.properties?.team === team)).toBeGreaterThan(25)
    expect(svc[9]).toEqual({
      full_name: 'octo-org/svc-009',
      archived: true,
      fork: false,
      private: true,
      topics: ['team-b', 'deploy'],
      properties: { team: 'platform' }
    })
    expect(svc[10].properties).toEqual({ team: null })
    // Then the extras, then the user's repositories.
    expect(repositories.slice(100, 103).map((r) => r.full_name)).toEqual(['octo-org/web-site', 'octo-org/docs', 'octo-org/legacy-monolith'])
    expect(repositories.slice(103).map((r) => [r.full_name, r.private, r.fork, r.archived])).toEqual([
      ['octocat/proj-00', false, false, false],
      ['octocat/proj-01', true, false, false],
      ['octocat/proj-02', false, false, false],
      ['octocat/proj-03', false, true, false],
      ['octocat/proj-04', true, false, true]
    ])
    expect(repositories.slice(103).every((r) => r.properties === undefined)).toBe(true)
  })

  test('is deterministic, matches its exported predicates, and widens names past 1000', () => {
    expect(fleetSeed({ count: 20 })).toEqual(fleetSeed({ count: 20 }))
    const seed = fleetSeed({ org: 'acme', user: 'alice', count: 12, userCount: 3 })
    const expected = Array.from({ length: 12 }, (_, i) => {
      const { name, ...rest } = fleetServiceRepo(i)
      return { full_name: `acme/${name}`, ...rest }
    })
    expect(seed.repositories.slice(0, 12)).toEqual(expected)
    expect(expected[11].full_name).toBe('acme/svc-011')
    expect(seed.repositories.slice(12, 15).map((r) => r.full_name)).toEqual(FLEET_EXTRA_REPOS.map((r) => `acme/${r.name}`))
    expect(seed.repositories.slice(15).map((r) => r.full_name)).toEqual(['alice/proj-00', 'alice/proj-01', 'alice/proj-02'])
    expect(fleetUserRepo(1)).toMatchObject({ private: true })
    const big = fleetSeed({ count: 1001, userCount: 0 }).repositories
    expect([big[0].full_name, big[1000].full_name]).toEqual(['octo-org/svc-0000', 'octo-org/svc-1000'])
    expect(() => fleetSeed({ count: -1 })).toThrow(RangeError)
    expect(() => fleetSeed({ userCount: 1.5 })).toThrow(RangeError)
    expect(() => fleetSeed({ org: 'Same', user: 'same' })).toThrow(TypeError)
  })
})

describe('GET /orgs/{org}/repos', () => {
  test.each(ROOTS)('paginates with per_page/page and a Link header ($flavour)', async ({ root }) => {
    const url = `${root()}/orgs/${ORG}/repos`
    const first = await call('GET', `${url}?per_page=10`)
    expect(first.status).toBe(200)
    expect(first.body).toHaveLength(10)
    expect(links(first)).toEqual({ next: `${url}?per_page=10&page=2`, last: `${url}?per_page=10&page=5` })
    const middle = await call('GET', links(first).next)
    expect(links(middle)).toEqual({
      prev: `${url}?per_page=10&page=1`,
      next: `${url}?per_page=10&page=3`,
      last: `${url}?per_page=10&page=5`,
      first: `${url}?per_page=10&page=1`
    })
    const last = await call('GET', links(first).last)
    expect(last.body).toHaveLength(ORG_SEEDS.length - 40)
    expect(links(last)).toEqual({ prev: `${url}?per_page=10&page=4`, first: `${url}?per_page=10&page=1` })
    // Default: type all, sort created, direction desc (newest first), 30 per page.
    const defaults = await call('GET', url)
    expect(defaults.body).toHaveLength(30)
    expect(links(defaults)).toEqual({ next: `${url}?per_page=30&page=2`, last: `${url}?per_page=30&page=2` })
    expect(names(await walk(`${url}?per_page=10`))).toEqual(seedNames(ORG_SEEDS).reverse())
    // Other parameters are kept in the Link URLs; per_page is capped at 100; past the end is empty.
    const sorted = await call('GET', `${url}?type=sources&sort=full_name&per_page=5`)
    expect(links(sorted).next).toBe(`${url}?type=sources&sort=full_name&per_page=5&page=2`)
    const capped = await call('GET', `${url}?per_page=500`)
    expect(capped.body).toHaveLength(ORG_SEEDS.length)
    expect(capped.headers.get('link')).toBeNull()
    const beyond = await call('GET', `${url}?per_page=10&page=9`)
    expect(beyond.body).toEqual([])
    expect(links(beyond).prev).toBe(`${url}?per_page=10&page=5`)
  })

  test('type filters: all, public, private, forks, sources, member', async () => {
    const list = async (query: string): Promise<string[]> => names(await walk(`/orgs/${ORG}/repos?per_page=100&sort=full_name&${query}`))
    const expected = (test: (s: RepositorySeed) => boolean): string[] => seedNames(ORG_SEEDS.filter(test)).sort(byName)
    expect(await list('type=all')).toEqual(expected(() => true))
    expect(await list('type=public')).toEqual(expected((s) => !s.private))
    expect(await list('type=private')).toEqual(expected((s) => s.private === true))
    expect(await list('type=forks')).toEqual(expected((s) => s.fork === true))
    expect(await list('type=sources')).toEqual(expected((s) => !s.fork))
    expect(await list('type=member')).toEqual(expected(() => true))
    expect(await list('type=internal')).toEqual([])
    expect(await list('type=bogus')).toEqual(expected(() => true))
    expect((await list('type=forks')).length).toBe(6) // i % 7 === 3 for i < 45
  })

  test('sort and direction', async () => {
    const all = seedNames(ORG_SEEDS)
    const list = async (query: string): Promise<string[]> => names((await call('GET', `/orgs/${ORG}/repos?per_page=100&${query}`)).body)
    expect(await list('sort=full_name')).toEqual([...all].sort(byName))
    expect(await list('sort=full_name&direction=desc')).toEqual([...all].sort(byName).reverse())
    expect(await list('sort=created&direction=asc')).toEqual(all)
    expect(await list('sort=updated')).toEqual([...all].reverse())
    expect(await list('sort=pushed&direction=asc')).toEqual(all)
  })

  test('each element is a minimal-repository with the fields a fleet selection reads', async () => {
    const body = (await call('GET', `/orgs/${ORG}/repos?sort=full_name&per_page=100`)).body
    const svc9 = body.find((r: Body) => r.name === 'svc-009')
    expect(svc9).toMatchObject({
      id: FIRST_REPOSITORY_ID + 9,
      name: 'svc-009',
      full_name: ARCHIVED,
      owner: { login: ORG, type: 'Organization', id: 9919 },
      archived: true,
      fork: false,
      private: true,
      visibility: 'private',
      topics: ['team-b', 'deploy'],
      custom_properties: { team: 'platform' },
      url: `${emulator.url}/repos/${ARCHIVED}`,
      hooks_url: `${emulator.url}/repos/${ARCHIVED}/hooks`,
      html_url: `https://github.com/${ARCHIVED}`
    })
    expect(body.find((r: Body) => r.name === 'svc-010')).toMatchObject({ visibility: 'public', custom_properties: {} })
    expect(body.find((r: Body) => r.name === 'svc-003')).toMatchObject({ fork: true, archived: false })
    // Ids are stable: creation order over the whole seed.
    expect(body.map((r: Body) => r.id).sort((a: number, b: number) => a - b)).toEqual(ORG_SEEDS.map((_, i) => FIRST_REPOSITORY_ID + i))
  })

  test('404 for an unknown organization or a user login; names are case-insensitive', async () => {
    expect((await call('GET', '/orgs/no-such-org/repos')).status).toBe(404)
    const user = await call('GET', `/orgs/${USER}/repos`)
    expect(user.status).toBe(404)
    expect(user.body).toMatchObject({ message: 'Not Found', status: '404' })
    const upper = await call('GET', `/orgs/${ORG.toUpperCase()}/repos?per_page=100`)
    expect(upper.status).toBe(200)
    expect(upper.body).toHaveLength(ORG_SEEDS.length)
  })
})

describe('GET /users/{username}/repos', () => {
  test.each(ROOTS)('lists only public repositories, by full_name, paginated ($flavour)', async ({ root }) => {
    const url = `${root()}/users/${USER}/repos`
    const publicNames = seedNames(USER_SEEDS.filter((s) => !s.private)).sort(byName)
    expect(publicNames).toEqual(['octocat/proj-00', 'octocat/proj-02', 'octocat/proj-03', 'octocat/proj-05', 'octocat/proj-06'])
    const first = await call('GET', `${url}?per_page=2`)
    expect(names(first.body)).toEqual(publicNames.slice(0, 2))
    expect(links(first)).toEqual({ next: `${url}?per_page=2&page=2`, last: `${url}?per_page=2&page=3` })
    expect(names(await walk(`${url}?per_page=2`))).toEqual(publicNames)
    const body = (await call('GET', url)).body
    expect(body.every((r: Body) => r.private === false && r.visibility === 'public' && r.owner.type === 'User')).toBe(true)
    expect(body[0]).not.toHaveProperty('custom_properties')
    expect(names((await call('GET', `${url}?type=all&direction=desc`)).body)).toEqual([...publicNames].reverse())
    expect((await call('GET', `${url}?type=member`)).body).toEqual([])
  })

  test('an organization login lists its public repositories; unknown logins are 404', async () => {
    const list = await walk(`/users/${ORG}/repos?per_page=100`)
    expect(names(list)).toEqual(seedNames(ORG_SEEDS.filter((s) => !s.private)).sort(byName))
    expect(list[0].owner.type).toBe('Organization')
    expect((await call('GET', '/users/nobody-here/repos')).status).toBe(404)
  })
})

describe('GET /orgs/{org}/properties/values', () => {
  test.each(ROOTS)('one entry per repository, in id order, paginated ($flavour)', async ({ root }) => {
    const url = `${root()}/orgs/${ORG}/properties/values`
    const first = await call('GET', url)
    expect(first.status).toBe(200)
    expect(first.body).toHaveLength(30)
    expect(links(first)).toEqual({ next: `${url}?per_page=30&page=2`, last: `${url}?per_page=30&page=2` })
    const all = await walk(`${url}?per_page=20`)
    expect(all).toEqual(
      ORG_SEEDS.map((seed, i) => ({
        repository_id: FIRST_REPOSITORY_ID + i,
        repository_name: seed.full_name.split('/')[1],
        repository_full_name: seed.full_name,
        properties: Object.entries(seed.properties ?? {})
          .filter(([, value]) => value !== null)
          .map(([property_name, value]) => ({ property_name, value }))
      }))
    )
    expect(all[0].properties).toEqual([{ property_name: 'team', value: 'platform' }])
    expect(all[10].properties).toEqual([]) // i % 11 === 10: not set
  })

  test('repository_query narrows by props., archived:, topic:, negation and name', async () => {
    const query = async (q: string): Promise<string[]> =>
      (await walk(`/orgs/${ORG}/properties/values?per_page=100&repository_query=${encodeURIComponent(q)}`)).map((e) => e.repository_name)
    const svcWhere = (test: (i: number) => boolean): string[] =>
      Array.from({ length: COUNT }, (_, i) => i)
        .filter(test)
        .map((i) => fleetServiceRepo(i).name)
    const team = (i: number): string | null => (i % 11 === 10 ? null : FLEET_TEAMS[i % 3])
    expect(await query('props.team:payments')).toEqual([...svcWhere((i) => team(i) === 'payments'), 'legacy-monolith'])
    expect(await query('props.team:platform archived:false')).toEqual([...svcWhere((i) => team(i) === 'platform' && i % 10 !== 9), 'web-site'])
    expect(await query('topic:deploy -archived:true')).toEqual(svcWhere((i) => i % 3 === 0 && i % 10 !== 9))
    expect(await query('monolith')).toEqual(['legacy-monolith'])
  })

  test('404 for a user login or an unknown organization', async () => {
    expect((await call('GET', `/orgs/${USER}/properties/values`)).status).toBe(404)
    expect((await call('GET', '/orgs/no-such-org/properties/values')).status).toBe(404)
  })
})

describe('archived repositories are read-only', () => {
  const archivedBody = {
    message: 'Repository was archived so is read-only.',
    documentation_url: 'https://docs.github.com/rest',
    status: '403'
  }

  test.each(ROOTS)('every hook write answers 403; reads work ($flavour)', async ({ root }) => {
    const [owner, repo] = ARCHIVED.split('/')
    const hook = emulator.addHook({ owner, repo }, { url: 'https://example.com/hook', secret: SECRET })
    const delivery = emulator.addDelivery({ owner, repo }, hook.id)
    const hooks = `${root()}/repos/${ARCHIVED}/hooks`
    const self = `${hooks}/${hook.id}`
    const writes: Array<[string, string, unknown]> = [
      ['POST', hooks, { config: { url: 'https://example.com/other' } }],
      ['PATCH', self, { active: false }],
      ['PATCH', `${self}/config`, { url: 'https://example.com/moved' }],
      ['POST', `${self}/pings`, undefined],
      ['POST', `${self}/tests`, undefined],
      ['POST', `${self}/deliveries/${delivery.id}/attempts`, undefined],
      ['DELETE', self, undefined]
    ]
    for (const [method, url, body] of writes) {
      const answer = await call(method, url, body)
      expect([method, url, answer.status, answer.body]).toEqual([method, url, 403, archivedBody])
    }
    await emulator.idle()
    expect(emulator.hooks({ owner, repo })).toEqual([hook]) // nothing changed, nothing delivered
    expect((await call('GET', hooks)).body.map((h: Body) => h.id)).toEqual([hook.id])
    expect((await call('GET', self)).status).toBe(200)
    expect((await call('GET', `${self}/config`)).body.url).toBe('https://example.com/hook')
    expect((await call('GET', `${self}/deliveries`)).body).toHaveLength(1)
    expect((await call('GET', `${self}/deliveries/${delivery.id}`)).status).toBe(200)
    // Case-insensitive, and an unarchived sibling is writable.
    expect((await call('POST', `${root()}/repos/${ARCHIVED.toUpperCase()}/hooks`, { config: { url: 'https://example.com/x' } })).status).toBe(403)
    expect((await call('POST', `${root()}/repos/${ORG}/svc-008/hooks`, { config: { url: 'https://example.com/x' } })).status).toBe(201)
  })
})

describe('authentication, request log and latency', () => {
  test('any known token may list (no Webhooks permission); unknown tokens get 401; requests are recorded', async () => {
    expect((await call('GET', `/orgs/${ORG}/repos`, undefined, READ_ONLY_TOKEN)).status).toBe(200)
    expect((await call('GET', `/orgs/${ORG}/properties/values`, undefined, READ_ONLY_TOKEN)).status).toBe(200)
    expect((await call('GET', `/users/${USER}/repos`, undefined, 'wrong-token')).status).toBe(401)
    expect(emulator.requests.map((r) => [r.method, r.path, r.query, r.status])).toEqual([
      ['GET', `/orgs/${ORG}/repos`, {}, 200],
      ['GET', `/orgs/${ORG}/properties/values`, {}, 200],
      ['GET', `/users/${USER}/repos`, {}, 401]
    ])
  })

  test('latencyMs delays the list endpoints too', async () => {
    const slowed = await startEmulator({ ...fleetSeed({ count: 3, userCount: 1 }), latencyMs: 50, validate: true })
    try {
      const answer = await callApi(slowed.url, 'GET', '/orgs/octo-org/repos', { token: TOKEN })
      expect(answer.status).toBe(200)
      expect(answer.elapsedMs).toBeGreaterThanOrEqual(45)
      expect(slowed.requests).toHaveLength(1)
      expect(slowed.violations).toEqual([])
    } finally {
      await slowed.close()
    }
  })
})

describe('repository options', () => {
  test('plain repos strings, orgs and seeds mix; the default repository only without either option', async () => {
    const mixed = await startEmulator({
      repos: ['Octo-Org/plain'],
      orgs: ['octo-org'],
      repositories: [{ full_name: 'someone/tool', private: true }],
      validate: true
    })
    try {
      const org = await callApi(mixed.url, 'GET', '/orgs/octo-org/repos', { token: TOKEN })
      // The owner's canonical spelling comes from `orgs`.
      expect(org.body.map((r: Body) => [r.full_name, r.id, r.private, r.archived, r.topics])).toEqual([
        ['octo-org/plain', FIRST_REPOSITORY_ID, false, false, []]
      ])
      expect((await callApi(mixed.url, 'GET', '/users/someone/repos', { token: TOKEN })).body).toEqual([])
      expect((await callApi(mixed.url, 'GET', '/orgs/someone/repos', { token: TOKEN })).status).toBe(404)
      expect((await callApi(mixed.url, 'GET', '/repos/someone/tool/hooks', { token: TOKEN })).status).toBe(200)
      expect((await callApi(mixed.url, 'GET', '/repos/octo-org/hello-world/hooks', { token: TOKEN })).status).toBe(404)
      expect(mixed.violations).toEqual([])
    } finally {
      await mixed.close()
    }
    await expect(startEmulator({ repositories: [{ full_name: 'a/b' }, { full_name: 'A/B' }] })).rejects.toThrow(/listed twice/)
    await expect(startEmulator({ repositories: [{ full_name: 'no-slash' }] })).rejects.toThrow(TypeError)
    await expect(startEmulator({ orgs: [], repositories: [{ full_name: 'u/r', properties: { team: 'x' } }] })).rejects.toThrow(/custom properties/)
  })

  test('thousands of repositories: the last page of a 3000-repository organization', async () => {
    const big = await startEmulator({ ...fleetSeed({ count: 3000, userCount: 0 }), validate: true })
    try {
      const answer = await callApi(big.url, 'GET', '/orgs/octo-org/repos?sort=created&direction=asc&per_page=100&page=31', { token: TOKEN })
      expect(answer.body.map((r: Body) => r.name)).toEqual(['web-site', 'docs', 'legacy-monolith'])
      expect(
        (await callApi(big.url, 'POST', '/repos/octo-org/svc-2999/hooks', { token: TOKEN, body: { config: { url: 'https://e.x' } } })).status
      ).toBe(403)
      expect(big.violations).toEqual([])
    } finally {
      await big.close()
    }
  })
})

describe('OpenAPI validation of the new paths', () => {
  const flavours: ApiFlavour[] = ['api.github.com', 'ghes-3.19']

  test.each(flavours)('catches a malformed repository list or properties answer (%s)', async (flavour) => {
    const prefix = flavour === 'ghes-3.19' ? '/api/v3' : ''
    const repos = (await call('GET', `${prefix}/orgs/${ORG}/repos?per_page=2`)).body
    const values = (await call('GET', `${prefix}/orgs/${ORG}/properties/values?per_page=2`)).body
    expect(validateResponse(flavour, 'GET', `${prefix}/orgs/o/repos`, 200, repos)).toEqual([])
    expect(validateResponse(flavour, 'GET', `${prefix}/users/u/repos`, 200, repos)).toEqual([])
    expect(validateResponse(flavour, 'GET', `${prefix}/orgs/o/properties/values`, 200, values)).toEqual([])
    const { owner: _, ...ownerless } = repos[0]
    expect(validateResponse(flavour, 'GET', '/orgs/o/repos', 200, [ownerless])).toEqual([
      "GET /orgs/{org}/repos 200: /0 must have required property 'owner'"
    ])
    expect(validateResponse(flavour, 'GET', '/users/u/repos', 200, [{ ...repos[0], archived: 'no' }])).toEqual([
      'GET /users/{username}/repos 200: /0/archived must be boolean'
    ])
    const badValue = [{ ...values[0], properties: [{ property_name: 'team', value: 42 }] }]
    expect(validateResponse(flavour, 'GET', '/orgs/o/properties/values', 200, badValue).length).toBeGreaterThan(0)
    // `value` is nullable without a `type` in the description (normalised on load): null and arrays pass.
    const unset = [
      {
        ...values[0],
        properties: [
          { property_name: 'team', value: null },
          { property_name: 'regions', value: ['eu'] }
        ]
      }
    ]
    expect(validateResponse(flavour, 'GET', '/orgs/o/properties/values', 200, unset)).toEqual([])
    expect(validateResponse(flavour, 'GET', '/orgs/o/properties/values', 404, { message: 'Not Found', documentation_url: 'x' })).toEqual([])
  })
})
