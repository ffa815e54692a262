import { describe, expect, test } from '@jest/globals'
import { getRequest, InputError } from '../src/inputs/index.js'
import type { WebhookRequest } from '../src/model.js'
import { repositoryPatterns } from '../src/inputs/targets.js'
import { eventList } from '../src/inputs/values.js'
import { OPERATION_TABLE } from '../src/operations.js'

const ENV = { GITHUB_REPOSITORY: 'octo-org/hello-world', GITHUB_API_URL: 'https://api.github.com' }

/** getRequest with the given inputs (token set unless overridden). */
function request(inputs: Record<string, string>, env: NodeJS.ProcessEnv = ENV): WebhookRequest {
  const all: Record<string, string> = { token: 't0ken', ...inputs }
  return getRequest(OPERATION_TABLE, (name) => all[name] ?? '', env)
}

/** The problems getRequest reports for the inputs. */
function problems(inputs: Record<string, string>, env?: NodeJS.ProcessEnv): string[] {
  try {
    request(inputs, env)
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return (error as InputError).problems
  }
  throw new Error('expected an InputError')
}

describe('targets', () => {
  test('repo scope defaults to the workflow repository', () => {
    expect(request({ operation: 'list' }).targets).toEqual({ kind: 'one', target: { scope: 'repo', owner: 'octo-org', repo: 'hello-world' } })
  })
  test('org scope defaults to the repository owner, or takes org', () => {
    expect(request({ operation: 'list', scope: 'org' }).targets).toEqual({ kind: 'one', target: { scope: 'org', org: 'octo-org' } })
    expect(request({ operation: 'list', scope: 'org', org: 'other' }).targets).toEqual({ kind: 'one', target: { scope: 'org', org: 'other' } })
  })
  test('repository input wins over GITHUB_REPOSITORY', () => {
    expect(request({ operation: 'list', repository: 'a/b' }).targets).toEqual({ kind: 'one', target: { scope: 'repo', owner: 'a', repo: 'b' } })
    // Names may hold dots (not be one or two); an Enterprise Managed User's login holds `_`.
    expect(request({ operation: 'list', repository: 'octo-org/.github' }).targets).toMatchObject({ target: { repo: '.github' } })
    expect(request({ operation: 'list', repository: 'mona_acme/a..b' }).targets).toMatchObject({ target: { owner: 'mona_acme', repo: 'a..b' } })
  })
  test('api_url defaults to GITHUB_API_URL and loses a trailing slash', () => {
    expect(request({ operation: 'list' }, { ...ENV, GITHUB_API_URL: 'https://ghes.example/api/v3' }).connection.api_url).toBe(
      'https://ghes.example/api/v3'
    )
    expect(request({ operation: 'list', api_url: 'https://api.x.ghe.com/' }).connection.api_url).toBe('https://api.x.ghe.com')
  })
  test('api_version defaults to 2022-11-28 and accepts 2026-03-10 without warning', () => {
    expect(request({ operation: 'list' }).connection.api_version).toBe('2022-11-28')
    const newest = request({ operation: 'list', api_version: '2026-03-10' })
    expect(newest.connection.api_version).toBe('2026-03-10')
    expect(newest.warnings).toEqual([])
    expect(request({ operation: 'list', api_version: '2030-01-01' }).warnings[0]).toMatch(/api_version.*2030-01-01/)
  })
})

describe('hook reference', () => {
  test('hook_id names the hook', () => {
    expect(request({ operation: 'get', hook_id: '42' }).hook).toEqual({ hook_id: 42 })
  })
  test('url names the hook when there is no hook_id', () => {
    const r = request({ operation: 'delete', url: 'https://example.com/hook' })
    expect(r.hook).toEqual({ url: 'https://example.com/hook' })
    expect(r.config.url).toBeUndefined()
  })
  test('with hook_id, update takes url as the new config.url', () => {
    const r = request({ operation: 'update', hook_id: '7', url: 'https://example.com/new' })
    expect(r.hook).toEqual({ hook_id: 7 })
    expect(r.config.url).toBe('https://example.com/new')
  })
  test('with hook_id, get takes url as a second name of the same hook (checked against the hook)', () => {
    const r = request({ operation: 'get', hook_id: '7', url: 'https://example.com/x' })
    expect(r.hook).toEqual({ hook_id: 7, url: 'https://example.com/x' })
    expect(r.warnings).toEqual([])
  })
  test('create takes url as config and names no hook', () => {
    const r = request({ operation: 'create', url: 'https://example.com/hook', events: 'push' })
    expect(r.hook).toBeUndefined()
    expect(r.config).toEqual({ url: 'https://example.com/hook', content_type: undefined, insecure_ssl: undefined, secret: undefined })
  })
})

describe('values', () => {
  test('only the settings the user gave are set (defaults are applied on create only)', () => {
    const r = request({ operation: 'update', hook_id: '1', active: 'false' })
    expect(r.hook_fields).toEqual({ events: undefined, add_events: undefined, remove_events: undefined, active: false })
    expect(r.config).toEqual({ content_type: undefined, insecure_ssl: undefined, secret: undefined })
  })
  test('secret is trimmed like every input, so a YAML block cannot smuggle the mask in', () => {
    const all: Record<string, string> = { token: 't', operation: 'update-config', hook_id: '1', secret: ' s3cret\n' }
    const reader = (name: string, options?: { trimWhitespace?: boolean }) => (options?.trimWhitespace === false ? all[name] : all[name]?.trim()) ?? ''
    expect(getRequest(OPERATION_TABLE, reader, ENV).config.secret).toBe('s3cret')
    all.secret = '********\n'
    expect(() => getRequest(OPERATION_TABLE, reader, ENV)).toThrow(/Input 'secret' is '\*{8}'/)
  })
  test('per_page defaults to 100; list-deliveries limit to 100; list gathers all', () => {
    expect(request({ operation: 'list' })).toMatchObject({ per_page: 100, limit: undefined })
    expect(request({ operation: 'list-deliveries', hook_id: '1' })).toMatchObject({ per_page: 100, limit: 100 })
    expect(request({ operation: 'list-deliveries', hook_id: '1', per_page: '5', limit: '12', status: 'failure' })).toMatchObject({
      per_page: 5,
      limit: 12,
      status: 'failure'
    })
  })
  test('a set input the operation ignores gives a warning', () => {
    expect(request({ operation: 'list', secret: 'x' }).warnings).toEqual(["Input 'secret' is ignored by operation 'list'."])
    expect(request({ operation: 'list', org: 'octo-org' }).warnings).toEqual(["Input 'org' is ignored with scope 'repo'."])
  })
})

describe('eventList', () => {
  test.each([
    ['push', ['push']],
    ['push, pull_request', ['push', 'pull_request']],
    ['push\npull_request\n', ['push', 'pull_request']],
    ['push,\npull_request', ['push', 'pull_request']],
    ['["push","issues"]', ['push', 'issues']],
    ['*', ['*']],
    ['push,push', ['push']]
  ])('%j → %j', (raw, events) => {
    expect(eventList(raw, 'events')).toEqual(events)
  })
  test.each(['push,,issues', '["push", 1]', '[push', '[]', 'pull request', 'push;issues'])('%j is refused', (raw) => {
    expect(() => eventList(raw, 'events')).toThrow(/Input 'events' .*accepts/)
  })
})

describe('bad input names the input and what it accepts', () => {
  test.each<[Record<string, string>, RegExp]>([
    [{}, /Input 'operation' is required; it accepts 'list'/],
    [{ operation: 'explode' }, /Input 'operation' is 'explode'; it accepts 'list', 'get'/],
    [{ operation: 'invetory' }, /Input 'operation' is 'invetory' \(did you mean 'inventory'\?\); it accepts 'list', 'get'/],
    [{ operation: 'list', scope: 'orgs' }, /Input 'scope' is 'orgs' \(did you mean 'org'\?\); it accepts 'repo', 'org' or 'app'/],
    [{ operation: 'list', scope: 'team' }, /Input 'scope' is 'team'; it accepts 'repo', 'org' or 'app'/],
    [{ operation: 'get', hook_id: 'abc' }, /Input 'hook_id' is 'abc'; it accepts a positive integer/],
    [{ operation: 'get', hook_id: '0' }, /Input 'hook_id' is '0'; it accepts a positive integer/],
    [{ operation: 'get-delivery', hook_id: '1', delivery_id: '-3' }, /Input 'delivery_id' is '-3'; it accepts a positive integer/],
    [{ operation: 'create', url: 'ftp://example.com' }, /Input 'url' is not an absolute http:\/\/ or https:\/\/ URL \(its value is not shown/],
    [{ operation: 'create', url: '/relative' }, /Input 'url' is not an absolute http:\/\/ or https:\/\/ URL .*; it accepts an absolute http/],
    [{ operation: 'create', url: 'https://e.com', content_type: 'xml' }, /Input 'content_type' is 'xml'; it accepts 'json' or 'form'/],
    [{ operation: 'create', url: 'https://e.com', insecure_ssl: 'yes' }, /Input 'insecure_ssl' is 'yes'; it accepts '0' or '1'/],
    [{ operation: 'create', url: 'https://e.com', active: 'maybe' }, /Input 'active' is 'maybe'; it accepts true or false/],
    [{ operation: 'list', per_page: '101' }, /Input 'per_page' is '101'; it accepts an integer from 1 to 100/],
    [{ operation: 'list', per_page: '0' }, /Input 'per_page' is '0'; it accepts an integer from 1 to 100/],
    [{ operation: 'list', limit: '1.5' }, /Input 'limit' is '1.5'; it accepts a positive integer/],
    [{ operation: 'list-deliveries', hook_id: '1', status: 'ok' }, /Input 'status' is 'ok'; it accepts 'success' or 'failure'/],
    [{ operation: 'list', repository: 'just-a-name' }, /Input 'repository' is 'just-a-name'; it accepts 'owner\/name'/],
    [{ operation: 'list', scope: 'org', org: 'bad org' }, /Input 'org' is 'bad org'; it accepts an organization login/],
    [{ operation: 'test', scope: 'org', hook_id: '1' }, /Input 'operation' is 'test', which exists for repository webhooks only/],
    [{ operation: 'get' }, /Input 'hook_id' or 'url' is required for 'get'/],
    [{ operation: 'ping' }, /Input 'hook_id' or 'url' is required for 'ping'/],
    [{ operation: 'create' }, /Input 'url' is required for 'create'/],
    [{ operation: 'redeliver', hook_id: '1' }, /Input 'delivery_id' is required for 'redeliver'/],
    [{ operation: 'update', hook_id: '1', secret: '********' }, /Input 'secret' is '\*{8}', the mask GitHub returns/],
    [{ operation: 'update', hook_id: '1' }, /'update' has nothing to change/],
    [{ operation: 'update', url: 'https://e.com' }, /'update' has nothing to change/],
    [{ operation: 'update', hook_id: '1', events: 'push', add_events: 'issues' }, /'events' replaces the whole list/],
    [
      { operation: 'list', api_url: 'api.github.com' },
      /Input 'api_url' is not an absolute http:\/\/ or https:\/\/ URL .*; it accepts an absolute http/
    ],
    [{ operation: 'list', api_version: 'v3' }, /Input 'api_version' is 'v3'; it accepts a REST API version date/],
    [{ operation: 'list', token: '' }, /Input 'token' is required; .*GITHUB_TOKEN can never manage webhooks/],
    [{ operation: 'create', url: 'https://e.com', events: 'Push' }, /Input 'events' has an unknown webhook event: 'Push' \(did you mean 'push'\?\)/]
  ])('%j', (inputs, message) => {
    expect(problems(inputs)).toEqual(expect.arrayContaining([expect.stringMatching(message)]))
  })

  test('every invalid input is reported at once', () => {
    expect(problems({ operation: 'create', url: 'nope', content_type: 'xml', per_page: '500' })).toHaveLength(3)
  })

  test('repo scope needs a repository outside a workflow', () => {
    expect(problems({ operation: 'list' }, {})).toEqual([expect.stringMatching(/Input 'repository' is required/)])
  })
})

describe('since and the delivery window', () => {
  const DAY = 86400_000
  test.each([
    ['https://api.github.com', 3],
    ['https://api.octocorp.ghe.com', 3],
    ['https://github.example.com/api/v3', 7]
  ])('%s keeps deliveries %d days: an older since is clamped to that, with a warning', (api_url, days) => {
    const r = request({ operation: 'redeliver-failed', hook_id: '1', since: '10d', api_url })
    expect(r.started_at.getTime() - (r.since?.getTime() ?? 0)).toBe(days * DAY)
    expect(r.warnings).toEqual([expect.stringContaining(`older than GitHub keeps deliveries (${days} days for this API)`)])
    const inside = request({ operation: 'list-deliveries', hook_id: '1', since: `${days * 24 - 1}h`, api_url })
    expect(inside.warnings).toEqual([])
  })
})

test('event names are checked only for an operation that sends them; elsewhere they are an ignored input', () => {
  expect(request({ operation: 'list', events: 'pushh' }).warnings).toEqual(["Input 'events' is ignored by operation 'list'."])
  expect(problems({ operation: 'create', url: 'https://e.com', events: 'pushh' })).toEqual([expect.stringMatching(/did you mean 'push'/)])
})

describe('repositories', () => {
  const fleet = (inputs: Record<string, string>) => {
    const r = request({ operation: 'ensure', url: 'https://example.com/h', ...inputs })
    if (r.targets.kind !== 'repositories') throw new Error('expected a selection')
    return { request: r, selection: r.targets.selection }
  }
  test('entries split on new lines and commas; comment lines, blanks and duplicates are dropped; globs and exclusions are told apart', () => {
    const raw = '# services\nocto-org/svc-*, !octo-org/svc-legacy\n\nocto-org/api\nocto-org/api\n!octo-org/svc-[ab]*'
    expect(repositoryPatterns(raw, 'repositories')).toEqual([
      { text: 'octo-org/svc-*', owner: 'octo-org', name: 'svc-*', glob: true, exclude: false },
      { text: '!octo-org/svc-legacy', owner: 'octo-org', name: 'svc-legacy', glob: false, exclude: true },
      { text: 'octo-org/api', owner: 'octo-org', name: 'api', glob: false, exclude: false },
      { text: '!octo-org/svc-[ab]*', owner: 'octo-org', name: 'svc-[ab]*', glob: true, exclude: true }
    ])
  })
  test('names and globs: any name GitHub gives a repository, and *, ? and [...] classes of name characters', () => {
    const raw = 'o/.github, o/a..b, o/svc_1.x, o/svc-?, o/svc-[-a-c_.0-9]*, o/svc-[A-F]**'
    expect(repositoryPatterns(raw, 'repositories').map(({ name, glob }) => [name, glob])).toEqual([
      ['.github', false],
      ['a..b', false],
      ['svc_1.x', false],
      ['svc-?', true],
      ['svc-[-a-c_.0-9]*', true],
      ['svc-[A-F]**', true]
    ])
    expect(() => repositoryPatterns('o/svc-*, o/!svc-a', 'repositories')).toThrow(
      /^Input 'repositories' has 'o\/!svc-a' \(a repository name holds only .*an exclusion is a whole entry, !owner\/pattern/
    )
  })
  test('filters have their defaults, and are parsed', () => {
    expect(fleet({ repositories: 'o/*' }).selection).toMatchObject({ include_archived: false, include_forks: true, topics: [], property: undefined })
    const { selection } = fleet({
      repositories: 'o/*',
      include_forks: 'false',
      topics: 'Deploy, team-a\nteam-a',
      repository_property: 'team = platform'
    })
    expect(selection).toMatchObject({ include_forks: false, topics: ['deploy', 'team-a'], property: { name: 'team', value: 'platform' } })
  })
  test('max_writes and fail_fast are read', () => {
    expect(fleet({ repositories: 'o/*' }).request).toMatchObject({ fail_fast: false, max_writes: undefined, writes: true })
    expect(fleet({ repositories: 'o/*', max_writes: '25', fail_fast: 'true' }).request).toMatchObject({ fail_fast: true, max_writes: 25 })
    expect(fleet({ repositories: 'o/*', dry_run: 'true' }).request.writes).toBe(false)
  })
  test('repository and repositories together, or with scope org, fail', () => {
    expect(problems({ operation: 'list', repository: 'o/r', repositories: 'o/*' })).toEqual([
      expect.stringMatching(/^Inputs 'repository' and 'repositories' are both set/)
    ])
    expect(problems({ operation: 'list', scope: 'org', repositories: 'o/*' })).toEqual([
      expect.stringMatching(/^Input 'repositories' .* scope 'repo' only/)
    ])
  })
  test('hook_id and delivery_id need repositories to be one owner/name', () => {
    expect(problems({ operation: 'get', hook_id: '5', repositories: 'o/*' })).toEqual([
      expect.stringMatching(/^Input 'hook_id' names a hook of one repository .*name the hook by 'url'/)
    ])
    expect(problems({ operation: 'get', hook_id: '5', repositories: 'o/a, o/b' })).toHaveLength(1)
    expect(problems({ operation: 'get-delivery', hook_id: '5', delivery_id: '9', repositories: 'o/a, !o/b' })).toEqual([
      expect.stringMatching(/^Input 'hook_id'/),
      expect.stringMatching(/^Input 'delivery_id' names a delivery of one repository/)
    ])
    expect(request({ operation: 'get-delivery', hook_id: '5', delivery_id: '9', repositories: 'o/a' }).targets).toMatchObject({
      kind: 'repositories'
    })
  })
  test('warnings: filters with no glob entry, include_archived with an operation that writes, fleet inputs without repositories', () => {
    expect(fleet({ repositories: 'o/a', topics: 'x' }).request.warnings).toEqual([
      expect.stringMatching(/^'topics' narrow only the repositories a glob entry lists/)
    ])
    expect(fleet({ repositories: 'o/*', include_archived: 'true' }).request.warnings).toEqual([
      expect.stringMatching(/^Input 'include_archived' keeps archived repositories for operations that only read; 'ensure' writes/)
    ])
    expect(fleet({ repositories: 'o/*', include_archived: 'true', dry_run: 'true' }).request.warnings).toEqual([])
    expect(request({ operation: 'list', max_writes: '3', topics: 'x' }).warnings).toEqual([
      "Input 'topics' is ignored without 'repositories' (it applies to a run over several repositories).",
      "Input 'max_writes' is ignored without 'repositories' (it applies to a run over several repositories)."
    ])
  })
})

describe('audit-secret and rotate-secret', () => {
  test('both need secret; previous_secret alone is refused, naming secret', () => {
    expect(problems({ operation: 'audit-secret', previous_secret: 'old' })).toEqual([
      expect.stringMatching(/^Input 'secret' is required for 'audit-secret'; .*'previous_secret' alone cannot tell which secret is current/)
    ])
    expect(problems({ operation: 'rotate-secret' })).toEqual([expect.stringMatching(/^Input 'secret' is required for 'rotate-secret'/)])
  })
  test('previous_secret may be neither the mask nor the same as secret', () => {
    expect(problems({ operation: 'rotate-secret', secret: 'same', previous_secret: 'same' })).toEqual([
      "Input 'previous_secret' is the same as 'secret'; it accepts the OLD secret (the one to go back to), 'secret' the new one."
    ])
    expect(problems({ operation: 'rotate-secret', secret: 'new', previous_secret: '********' })).toEqual([
      expect.stringMatching(/^Input 'previous_secret' is '\*{8}'/)
    ])
  })
  test('defaults and values of the rotation plan; canary 0 means no canary', () => {
    expect(request({ operation: 'rotate-secret', secret: 'new' })).toMatchObject({
      canary: 1,
      batch_size: 10,
      max_failures: 1,
      previous_secret: undefined
    })
    expect(
      request({ operation: 'rotate-secret', secret: 'new', previous_secret: 'old', canary: '0', batch_size: '25', max_failures: '3' })
    ).toMatchObject({
      canary: 0,
      batch_size: 25,
      max_failures: 3,
      previous_secret: 'old'
    })
  })
  test('an audit without pings only reads: archived repositories may stay in a fleet for it', () => {
    expect(request({ operation: 'audit-secret', secret: 's' }).writes).toBe(true)
    expect(request({ operation: 'audit-secret', secret: 's', ping_if_needed: 'false' }).writes).toBe(false)
    expect(request({ operation: 'rotate-secret', secret: 's', dry_run: 'true' }).writes).toBe(false)
  })
})
