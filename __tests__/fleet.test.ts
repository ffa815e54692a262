/**
 * Fleet (issue "Fleet"): one step over many repositories. The runs that write, and the main selection
 * rules, drive the bundled action (dist/index.js, as a runner runs it) over real HTTP against the
 * emulator's fleet of repositories; the other selection cases run the action in-process (same code).
 * Expectations are computed from the emulator's seed rule (emulator/fleet-seed.ts), not hard-coded.
 */
import { describe, expect, test } from '@jest/globals'
import { FLEET_EXTRA_REPOS, fleetSeed, fleetServiceRepo, fleetUserRepo, type FleetRepo } from '../emulator/fleet-seed.js'
import { runStep, type StepRun } from '../emulator/runner.js'
import { FLEET_CONCURRENCY } from '../src/jobs/fleet.js'
import type { GitHubClient } from '../src/model.js'
import { selectRepositories } from '../src/github/index.js'
import { runAction } from './helpers/action.js'
import { emulator, receiver, useEmulator } from './helpers/emulator.js'

const SECRET = 'fleet-s3cret'
const COUNT = 60
const USER_COUNT = 5
useEmulator(fleetSeed({ count: COUNT, userCount: USER_COUNT }), SECRET)

const SERVICES = Array.from({ length: COUNT }, (_, i) => fleetServiceRepo(i))
const ORG_REPOS: FleetRepo[] = [...SERVICES, ...FLEET_EXTRA_REPOS]
const USER_REPOS = Array.from({ length: USER_COUNT }, (_, j) => fleetUserRepo(j))
/** `svc-000` … `svc-009` that are not archived: what `octo-org/svc-00*` selects for a writing operation. */
const FIRST_TEN = SERVICES.slice(0, 10).filter((repo) => !repo.archived)

const base = { token: 'test-token', repository: '' }
/** The action in this process (selection rules, reads). */
const inProcess = (inputs: Record<string, string>): Promise<StepRun> => runAction({ ...base, api_url: emulator.url, ...inputs })
/** The bundled action, as a runner runs it. */
const bundled = (inputs: Record<string, string>): Promise<StepRun> => runStep({ ...base, api_url: emulator.url, ...inputs })

interface ResultEntry {
  repository: string
  result: string
  hook_id?: number
  error?: string
  hook_ids?: number[]
}
const results = (run: StepRun): ResultEntry[] => JSON.parse(run.outputs.results) as ResultEntry[]
const names = (run: StepRun): string[] => results(run).map((entry) => entry.repository)
const full = (owner: string) => (repo: FleetRepo) => `${owner}/${repo.name}`
/** Requests that reached a hooks endpoint. */
const hookRequests = () => emulator.requests.filter((r) => r.path.includes('/hooks'))
const writesSince = (from: number) => emulator.requests.slice(from).filter((r) => r.method !== 'GET')

describe('selecting repositories', () => {
  test('a glob lists the owner’s repositories; an exclusion removes what earlier entries selected; archived ones are left out (bundled action)', async () => {
    const run = await bundled({ operation: 'list', repositories: 'octo-org/svc-*\n!octo-org/svc-0[0-4]*' })
    expect(run.exitCode).toBe(0)
    const expected = SERVICES.filter((repo, i) => i >= 50 && !repo.archived).map(full('octo-org'))
    expect(names(run)).toEqual(expected)
    const archived = SERVICES.filter((repo) => repo.archived).length
    expect(run.stdout).toContain(`Selected ${expected.length} repositories (octo-org: ${ORG_REPOS.length} listed; left out: ${archived} archived).`)
    expect(results(run).every((entry) => entry.result === 'listed' && Array.isArray(entry.hook_ids))).toBe(true)
  })

  test('topics, include_forks: false and repository_property narrow what a glob lists; a named repository is taken as named (bundled action)', async () => {
    const run = await bundled({
      operation: 'list',
      repositories: 'octo-org/*, octo-org/docs',
      topics: 'deploy',
      include_forks: 'false',
      repository_property: 'team=platform'
    })
    expect(run.exitCode).toBe(0)
    const kept = ORG_REPOS.filter(
      (repo) => !repo.archived && !repo.fork && repo.topics?.includes('deploy') && repo.properties?.team === 'platform'
    ).map(full('octo-org'))
    expect(kept.length).toBeGreaterThan(2)
    expect(names(run)).toEqual([...kept, 'octo-org/docs'])
  })

  test('include_archived keeps archived repositories for an operation that only reads', async () => {
    const run = await inProcess({ operation: 'list', repositories: 'octo-org/svc-05*', include_archived: 'true' })
    expect(names(run)).toEqual(SERVICES.slice(50, 60).map(full('octo-org')))
  })

  test("a user's repositories come from the user's list: public ones only", async () => {
    const run = await inProcess({ operation: 'list', repositories: 'octocat/*' })
    expect(run.exitCode).toBe(0)
    expect(names(run)).toEqual(USER_REPOS.filter((repo) => !repo.private && !repo.archived).map(full('octocat')))
    expect(run.stdout).toContain(`octocat: ${USER_REPOS.filter((repo) => !repo.private).length} listed (a user: public repositories only)`)
  })

  test('a glob that matches nothing fails the step saying what was listed, before any hooks request (bundled action)', async () => {
    const run = await bundled({ operation: 'ensure', url: receiver.url, repositories: 'octo-org/svc-*\nocto-org/nope-*\noctocat/svc-*' })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain(
      `::error::Input 'repositories': 'octo-org/nope-*' matches none of the ${ORG_REPOS.length} repositories listed for organization octo-org.`
    )
    expect(run.stdout).toMatch(/::error::Input 'repositories': 'octocat\/svc-\*' matches none of the \d+ repositories listed for user octocat\./)
    expect(hookRequests()).toEqual([])
  })

  test('a ! after the owner (octo-org/!svc-*) is refused before any request and writes nothing: an exclusion is a whole entry (bundled action)', async () => {
    const hooksOf = () => ORG_REPOS.map((repo) => emulator.hooks({ owner: 'octo-org', repo: repo.name }).length)
    const before = hooksOf()
    for (const repositories of ['octo-org/!svc-*', 'octo-org/svc-*,octo-org/!svc-000']) {
      const run = await bundled({ operation: 'ensure', url: receiver.url, secret: SECRET, repositories })
      expect(run.exitCode).toBe(1)
      const entry = repositories.split(',').find((text) => text.includes('/!')) ?? ''
      expect(run.stdout).toMatch(
        new RegExp(`^::error::Input 'repositories' has '${entry.replace(/[*]/g, '\\$&')}' \\(.*an exclusion is a whole entry, !owner/pattern`, 'm')
      )
    }
    expect(emulator.requests).toEqual([])
    expect(hooksOf()).toEqual(before)
  })

  test('the matcher never negates, even for a pattern the input layer would refuse: !svc-* matches only that literal name', async () => {
    const listed = ORG_REPOS.map((repo) => ({ name: repo.name, owner: { login: 'octo-org' }, fork: false, archived: false }))
    const client = {
      paginate: () => Promise.resolve([...listed, { name: '!svc-x', owner: { login: 'octo-org' }, fork: false }])
    } as unknown as GitHubClient
    const selection = {
      patterns: [{ text: 'octo-org/!svc-*', owner: 'octo-org', name: '!svc-*', glob: true, exclude: false }],
      include_archived: true,
      include_forks: true,
      topics: []
    }
    const { targets } = await selectRepositories(client, selection, { writes: false })
    expect(targets).toEqual([{ scope: 'repo', owner: 'octo-org', repo: '!svc-x' }])
  })

  test('names that match but are all filtered out fail too, naming the filters', async () => {
    const run = await inProcess({ operation: 'list', repositories: 'octo-org/legacy-*' })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain("'octo-org/legacy-*' matches 1 of the")
    expect(run.stdout).toContain('but the filters leave none (archived ones are left out)')
  })

  test('repository_property on a user fails before any hooks request; an unknown owner too', async () => {
    const user = await inProcess({ operation: 'list', repositories: 'octocat/*', repository_property: 'team=platform' })
    expect(user.exitCode).toBe(1)
    expect(user.stdout).toContain("::error::Input 'repository_property' filters by an organization's custom properties, but 'octocat' is a user")
    const ghost = await inProcess({ operation: 'list', repositories: 'nobody-here/*' })
    expect(ghost.stdout).toContain("::error::Input 'repositories': GitHub knows no organization or user 'nobody-here'")
    expect(hookRequests()).toEqual([])
  })
})

describe('operations over the set (bundled action)', () => {
  test('ensure creates the hook in every repository, verified by pings; the rerun writes nothing and proves every secret', async () => {
    const inputs = { operation: 'ensure', repositories: 'octo-org/svc-00*', url: receiver.url, secret: SECRET, events: 'push' }
    const first = await bundled(inputs)
    expect(first.exitCode).toBe(0)
    expect(results(first).map((entry) => [entry.repository, entry.result])).toEqual(FIRST_TEN.map((repo) => [`octo-org/${repo.name}`, 'created']))
    expect(first.outputs).toMatchObject({ succeeded: String(FIRST_TEN.length), changed: String(FIRST_TEN.length), failed: '0', skipped: '0' })
    for (const repo of FIRST_TEN) {
      const [hook] = emulator.hooks({ owner: 'octo-org', repo: repo.name })
      expect(hook.config).toMatchObject({ url: receiver.url, secret: SECRET })
      expect(results(first).find((entry) => entry.repository === `octo-org/${repo.name}`)?.hook_id).toBe(hook.id)
    }
    expect(first.stdout).toMatch(new RegExp(`^\\[${FIRST_TEN.length}/${FIRST_TEN.length}\\] octo-org/svc-00\\d: created \\(hook \\d+\\)$`, 'm'))
    expect(first.summary).toContain('<td>' + String(FIRST_TEN.length) + '</td>')

    const before = emulator.requests.length
    const rerun = await bundled(inputs)
    expect(rerun.exitCode).toBe(0)
    expect(results(rerun).every((entry) => entry.result === 'unchanged')).toBe(true)
    expect(rerun.outputs).toMatchObject({ changed: '0', succeeded: String(FIRST_TEN.length) })
    expect(writesSince(before)).toEqual([])
    expect(rerun.summary).toContain('secret proven')
  })

  test('a repository that fails does not stop the others; the step fails at the end listing which and why', async () => {
    const run = await bundled({
      operation: 'ensure',
      repositories: 'octo-org/ghost, octo-org/svc-00*, octo-org/legacy-monolith',
      url: receiver.url,
      verify: 'false'
    })
    expect(run.exitCode).toBe(1)
    const byName = Object.fromEntries(results(run).map((entry) => [entry.repository, entry]))
    expect(byName['octo-org/legacy-monolith']).toMatchObject({
      result: 'failed',
      error: expect.stringMatching(/^GitHub answered 403 to POST .*Repository was archived so is read-only\./)
    })
    expect(byName['octo-org/ghost']).toMatchObject({
      result: 'failed',
      error: expect.stringMatching(/^GitHub answered 404 to GET \/repos\/octo-org\/ghost\/hooks/)
    })
    for (const repo of FIRST_TEN) expect(byName[`octo-org/${repo.name}`].result).toBe('created')
    expect(run.outputs).toMatchObject({ failed: '2', succeeded: String(FIRST_TEN.length), changed: String(FIRST_TEN.length) })
    const error = run.stdout.split('\n').find((line) => line.startsWith('::error::')) ?? ''
    expect(error).toContain(`2 of ${FIRST_TEN.length + 2} repositories failed:`)
    expect(error).toContain('- octo-org/ghost: GitHub answered 404')
    expect(error).toContain('- octo-org/legacy-monolith: GitHub answered 403')
    expect(error.match(/The token needs permission/g)).toHaveLength(1) // once, for the 404; none for the archived repository
    // Failures come first in the summary's table.
    const rows = [...run.summary.matchAll(/<tr><td><code>([^<]+)<\/code><\/td>/g)].map((match) => match[1])
    expect(rows.slice(0, 2).sort()).toEqual(['octo-org/ghost', 'octo-org/legacy-monolith'])
  })

  test('max_writes stops writing and reports the rest skipped; reruns resume where the last stopped', async () => {
    const inputs = { operation: 'ensure', repositories: 'octo-org/svc-00*', url: receiver.url, verify: 'false', max_writes: '4' }
    const tally = (run: StepRun) =>
      results(run).reduce<Record<string, number>>((counts, e) => ({ ...counts, [e.result]: (counts[e.result] ?? 0) + 1 }), {})
    const total = FIRST_TEN.length
    let before = emulator.requests.length
    const first = await bundled(inputs)
    expect(first.exitCode).toBe(0)
    expect(tally(first)).toEqual({ created: 4, skipped: total - 4 })
    expect(first.outputs).toMatchObject({ skipped: String(total - 4), changed: '4' })
    expect(results(first).find((entry) => entry.result === 'skipped')?.error).toBe('not written: max_writes (4) was reached; run again to continue')
    expect(writesSince(before)).toHaveLength(4)
    before = emulator.requests.length
    const second = await bundled(inputs)
    expect(tally(second)).toEqual({ unchanged: 4, created: 4, skipped: total - 8 })
    expect(writesSince(before)).toHaveLength(4)
    const third = await bundled(inputs)
    expect(tally(third)).toEqual({ unchanged: 8, created: total - 8 })
    expect(FIRST_TEN.every((repo) => emulator.hooks({ owner: 'octo-org', repo: repo.name }).length === 1)).toBe(true)
  })

  test('one repository named in repositories keeps the single-repository outputs', async () => {
    const run = await bundled({ operation: 'ensure', repositories: 'octo-org/svc-000', url: receiver.url, verify: 'false' })
    expect(run.exitCode).toBe(0)
    const [hook] = emulator.hooks({ owner: 'octo-org', repo: 'svc-000' })
    expect(run.outputs).toMatchObject({ result: 'created', hook_id: String(hook.id), changed: '1' })
    expect(results(run)).toEqual([{ repository: 'octo-org/svc-000', result: 'created', hook_id: hook.id }])
  })
})

describe('run controls and the summary', () => {
  test('fail_fast sends nothing more after the first failure (requests waiting their turn end too); without it every repository runs', async () => {
    const ghosts = Array.from({ length: FLEET_CONCURRENCY + 5 }, (_, i) => `octo-org/ghost-${i}`).join('\n')
    const fast = await inProcess({ operation: 'list', repositories: ghosts, fail_fast: 'true' })
    expect(fast.exitCode).toBe(1)
    // Those in flight when the first failure came fail; every other one is skipped, its request never sent.
    const failed = Number(fast.outputs.failed)
    expect(failed).toBeGreaterThanOrEqual(1)
    expect(Number(fast.outputs.skipped)).toBe(FLEET_CONCURRENCY + 5 - failed)
    expect(hookRequests()).toHaveLength(failed)
    expect(
      results(fast)
        .slice(-5)
        .every(
          (entry) => entry.result === 'skipped' && /^not run: fail_fast stopped the run after octo-org\/ghost-\d+ failed$/.test(entry.error ?? '')
        )
    ).toBe(true)
    const all = await inProcess({ operation: 'list', repositories: ghosts })
    expect(all.outputs).toMatchObject({ failed: String(FLEET_CONCURRENCY + 5), skipped: '0' })
  })

  test('a dry run over the set says per repository what would change, and writes nothing', async () => {
    emulator.addHook({ owner: 'octo-org', repo: 'svc-000' }, { url: receiver.url, events: ['issues'], content_type: 'json' })
    const run = await inProcess({ operation: 'ensure', repositories: 'octo-org/svc-00*', url: receiver.url, events: 'push', dry_run: 'true' })
    expect(run.exitCode).toBe(0)
    expect(results(run).map((entry) => entry.result)).toEqual(FIRST_TEN.map((repo) => (repo.name === 'svc-000' ? 'updated' : 'created')))
    expect(run.outputs.changed).toBe(String(FIRST_TEN.length))
    expect(emulator.requests.filter((r) => r.method !== 'GET')).toEqual([])
    expect(run.summary).toContain('Dry run: nothing was written')
  })

  test('the summary gives the totals first, then a row per repository; beyond 50 rows the rest is folded', async () => {
    const run = await inProcess({ operation: 'list', repositories: 'octo-org/*' })
    const count = ORG_REPOS.filter((repo) => !repo.archived).length
    expect(count).toBeGreaterThan(50)
    expect(run.summary.indexOf('<th>succeeded</th>')).toBeLessThan(run.summary.indexOf('<th>repository</th>'))
    expect(run.summary).toContain(`<details><summary>${count - 50} more repositories</summary>`)
    expect([...run.summary.matchAll(/<tr><td><code>octo-org\//g)]).toHaveLength(count)
    expect(run.stdout).toContain(`[${count}/${count}] `)
  })
})
