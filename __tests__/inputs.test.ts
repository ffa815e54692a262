/**
 * Bad input, centrally: every input of action.yml, each of its invalid forms, fails the step with an
 * `::error::` naming the input, and no request reaches GitHub (the emulator).
 */
import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { inputNames } from '../src/inputs/index.js'
import { OPERATION_TABLE } from '../src/operations.js'
import { runAction } from './helpers/action.js'
import { emulator, useEmulator } from './helpers/emulator.js'

/** Every input the action reads. */
const INPUTS = inputNames(OPERATION_TABLE)

useEmulator({}, 'unused')

/** For each input: the invalid forms, and the other inputs of an operation that reads it. */
const INVALID: Record<string, { forms: string[]; with: Record<string, string> }> = {
  operation: { forms: ['explode', 'LIST', 'delete-all'], with: {} },
  scope: { forms: ['team', 'repository', 'ORG'], with: { operation: 'list' } },
  repository: {
    forms: [
      'no-slash',
      'a/b/c',
      'own er/x',
      '/x',
      'octo-org/.',
      'octo-org/..',
      '../hello-world',
      './x',
      'octo-org/svc-*',
      'octo-org/!x',
      'octo-org/a%2F..'
    ],
    with: { operation: 'list' }
  },
  org: { forms: ['bad org', '-starts-with-hyphen', 'a/b'], with: { operation: 'list', scope: 'org' } },
  hook_id: { forms: ['0', '-1', 'abc', '1.5', '99999999999999999999'], with: { operation: 'get' } },
  url: { forms: ['ftp://example.com/x', 'not a url', '/relative/path', 'example.com/hook'], with: { operation: 'create' } },
  events: {
    forms: ['push,,issues', 'Push', '[1]', '[push', 'pull request', 'pull-request', 'pull_requests'],
    with: { operation: 'create', url: 'https://example.com/h' }
  },
  add_events: { forms: ['push,,issues', 'PUSH'], with: { operation: 'update', hook_id: '1' } },
  remove_events: { forms: ['[""]', 'push;issues'], with: { operation: 'update', hook_id: '1' } },
  secret: { forms: ['********'], with: { operation: 'update-config', hook_id: '1' } },
  content_type: { forms: ['xml', 'application/json', 'JSON'], with: { operation: 'create', url: 'https://example.com/h' } },
  insecure_ssl: { forms: ['2', 'true', 'yes'], with: { operation: 'create', url: 'https://example.com/h' } },
  active: { forms: ['yes', '1', 'on'], with: { operation: 'create', url: 'https://example.com/h' } },
  delivery_id: { forms: ['0', 'x', '-2'], with: { operation: 'get-delivery', hook_id: '1' } },
  status: { forms: ['ok', 'failed', 'SUCCESS'], with: { operation: 'list-deliveries', hook_id: '1' } },
  per_page: { forms: ['0', '101', 'ten', '-1'], with: { operation: 'list' } },
  limit: { forms: ['0', '-5', 'all', '2.5'], with: { operation: 'list' } },
  token: { forms: [''], with: { operation: 'list' } },
  api_url: { forms: ['api.github.com', 'ftp://api.github.com', 'not a url'], with: { operation: 'list' } },
  api_version: { forms: ['v3', '2022-11', 'latest'], with: { operation: 'list' } },
  retries: { forms: ['-1', '11', 'x'], with: { operation: 'list' } },
  dry_run: { forms: ['yes', 'dry'], with: { operation: 'ensure', url: 'https://example.com/h' } },
  wait: { forms: ['sometimes', '2'], with: { operation: 'ping', hook_id: '1' } },
  wait_timeout: { forms: ['0', '601', 'soon', '-5'], with: { operation: 'ping', hook_id: '1' } },
  fail_on_delivery_error: { forms: ['maybe'], with: { operation: 'ping', hook_id: '1' } },
  since: {
    forms: ['yesterday', '5 parsecs', '2026-13-45', '6 hours', '2099-01-01T00:00:00Z'],
    with: { operation: 'redeliver-failed', hook_id: '1' }
  },
  max_redeliveries: { forms: ['0', 'all', '1.5'], with: { operation: 'redeliver-failed', hook_id: '1' } },
  request_timeout: { forms: ['0', '601', 'never', '-1'], with: { operation: 'list' } },
  file: { forms: ['no/such/webhooks.yml', '/'], with: { operation: 'plan' } },
  fail_on_drift: { forms: ['sometimes'], with: { operation: 'plan', file: fileURLToPath(new URL('./fixtures/webhooks.yml', import.meta.url)) } },
  fail_on: { forms: ['no-secrets', 'everything', 'no-secret, bad'], with: { operation: 'inventory' } },
  inventory_file: { forms: ['/no/such/folder/inventory.csv'], with: { operation: 'inventory' } },
  rotate_unknown: { forms: ['maybe', '2'], with: { operation: 'rotate-secret', secret: 'new-s3cret-value' } },
  rate_limit_wait: { forms: ['-1', '3601', 'soon', '1e3'], with: { operation: 'list' } },
  ghes_rate_limit_factor: { forms: ['0', '1001', 'fast', '-2'], with: { operation: 'list' } },
  verify: { forms: ['always', '1'], with: { operation: 'ensure', url: 'https://example.com/h' } },
  allow_unknown_events: { forms: ['perhaps'], with: { operation: 'create', url: 'https://example.com/h' } },
  repositories: {
    forms: [
      'octo-org',
      '!',
      'octo-org/a, !',
      '!octo-org/a',
      'octo-org/a/b',
      'oc to/x',
      '*/svc-*',
      ' , ',
      // A `!` is an exclusion only before the owner; after it, picomatch would read "every name but".
      'octo-org/!svc-*',
      'octo-org/svc-*,octo-org/!svc-a',
      'octo-org/svc-*\n!octo-org/!svc-a',
      // Dot segments, which a URL resolves away, and characters no repository name holds.
      'octo-org/.',
      'octo-org/..',
      'octo-org/svc a',
      'octo-org/svc%2F..',
      // Glob forms beyond *, ? and [...] of name characters.
      'octo-org/svc-{a,b}',
      'octo-org/@(svc-a|svc-b)',
      'octo-org/+(svc)',
      'octo-org/svc-[!a]*',
      'octo-org/svc-[^a]*',
      'octo-org/svc-[[:alpha:]]*',
      'octo-org/svc-[a',
      'octo-org/svc-a]',
      'octo-org/svc-[]',
      'octo-org/svc-[z-a]',
      'octo-org/svc-[a-Z]',
      'octo-org/svc\\*'
    ],
    with: { operation: 'list', repository: '' }
  },
  include_archived: { forms: ['yes'], with: { operation: 'list', repository: '', repositories: 'octo-org/*' } },
  include_forks: { forms: ['no'], with: { operation: 'list', repository: '', repositories: 'octo-org/*' } },
  topics: { forms: ['Bad Topic', 'a_b', ','], with: { operation: 'list', repository: '', repositories: 'octo-org/*' } },
  repository_property: {
    forms: ['team', '=platform', 'team=', 'my team=x'],
    with: { operation: 'list', repository: '', repositories: 'octo-org/*' }
  },
  fail_fast: { forms: ['sometimes'], with: { operation: 'list', repository: '', repositories: 'octo-org/*' } },
  app_id: { forms: ['App 12', '-5', 'abc'], with: { operation: 'get-config', scope: 'app', private_key: 'unused' } },
  private_key: {
    forms: ['not a key', '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----'],
    with: { operation: 'get-config', scope: 'app', app_id: '42' }
  },
  fail_below: { forms: ['95', '1.5', '-0.1', 'high', '95%'], with: { operation: 'report' } },
  fail_on_quiet: { forms: ['yes'], with: { operation: 'report' } },
  previous_secret: { forms: ['********', 'same-as-secret'], with: { operation: 'rotate-secret', secret: 'same-as-secret' } },
  ping_if_needed: { forms: ['maybe'], with: { operation: 'audit-secret', secret: 's3cret' } },
  fail_on_mismatch: { forms: ['nah'], with: { operation: 'audit-secret', secret: 's3cret' } },
  canary: { forms: ['-1', 'one', '1.5'], with: { operation: 'rotate-secret', secret: 's3cret' } },
  batch_size: { forms: ['0', 'ten', '-2'], with: { operation: 'rotate-secret', secret: 's3cret' } },
  max_failures: { forms: ['0', 'none'], with: { operation: 'rotate-secret', secret: 's3cret' } },
  max_writes: {
    forms: ['0', '-1', 'many', '1.5'],
    with: { operation: 'ensure', url: 'https://example.com/h', repository: '', repositories: 'octo-org/*' }
  }
}

test('the table covers every input of action.yml, and the README documents each', () => {
  const actionYml = readFileSync(new URL('../action.yml', import.meta.url), 'utf8')
  const declared = [...actionYml.split(/^outputs:/m)[0].matchAll(/^ {2}([a-z_]+):$/gm)].map((match) => match[1])
  expect([...declared].sort()).toEqual([...INPUTS].sort())
  expect(Object.keys(INVALID).sort()).toEqual([...INPUTS].sort())
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  expect(declared.filter((name) => !readme.includes(`| \`${name}\` |`))).toEqual([])
})

describe.each(Object.entries(INVALID).flatMap(([name, { forms, with: others }]) => forms.map((form) => ({ name, form, others }))))(
  "$name = '$form'",
  ({ name, form, others }) => {
    test('fails naming the input, before any request', async () => {
      const run = await runAction({ repository: 'octo-org/hello-world', token: 'test-token', api_url: emulator.url, ...others, [name]: form })
      expect(run.exitCode).toBe(1)
      expect(run.stdout).toMatch(new RegExp(`^::error::Input '${name}' `, 'm'))
      expect(emulator.requests).toEqual([])
    })
  }
)

test('an input the operation ignores is a warning, not an error', async () => {
  emulator.addHook({ owner: 'octo-org', repo: 'hello-world' }, { url: 'https://example.com/h' })
  const run = await runAction({
    repository: 'octo-org/hello-world',
    token: 'test-token',
    api_url: emulator.url,
    operation: 'list',
    secret: 'x-secret',
    events: 'push',
    delivery_id: '5'
  })
  expect(run.exitCode).toBe(0)
  for (const name of ['secret', 'events', 'delivery_id']) expect(run.stdout).toContain(`::warning::Input '${name}' is ignored by operation 'list'.`)
})

test('an unknown event name fails before any request and suggests the closest known one; allow_unknown_events lets it through', async () => {
  const inputs = { repository: 'octo-org/hello-world', token: 'test-token', api_url: emulator.url, operation: 'create', url: 'https://example.com/h' }
  const run = await runAction({ ...inputs, events: 'push, pull-request, workflow_jobs' })
  expect(run.exitCode).toBe(1)
  expect(run.stdout).toMatch(
    /::error::Input 'events' has unknown webhook events: 'pull-request' \(did you mean 'pull_request'\?\), 'workflow_jobs' \(did you mean 'workflow_job'\?\)/
  )
  expect(emulator.requests).toEqual([])
  const star = await runAction({ ...inputs, events: '*' })
  expect(star.exitCode).toBe(0)
  const allowed = await runAction({ ...inputs, url: 'https://example.com/new', events: 'brand_new_event', allow_unknown_events: 'true' })
  expect(allowed.exitCode).toBe(0)
  expect(emulator.requests.filter((r) => r.method === 'POST').map((r) => (r.body as { events: string[] }).events)).toEqual([
    ['*'],
    ['brand_new_event']
  ])
})

test('token is required for scopes repo and org (not in action.yml, since scope app takes none): an empty one fails before any request, saying which token to create', async () => {
  const run = await runAction({ repository: 'octo-org/hello-world', token: '', api_url: emulator.url, operation: 'list' })
  expect(run.exitCode).toBe(1)
  expect(run.stdout).toMatch(
    /::error::Input 'token' is required; .*fine-grained personal access token .*"Webhooks" repository permission.*GITHUB_TOKEN can never manage webhooks/
  )
  expect(emulator.requests).toEqual([])
  const org = await runAction({ scope: 'org', org: 'octo-org', token: '', api_url: emulator.url, operation: 'list' })
  expect(org.exitCode).toBe(1)
  expect(org.stdout).toMatch(/::error::Input 'token' is required; .*"Webhooks" organization permission/)
  expect(emulator.requests).toEqual([])
  // The runner does not enforce `required`, and scope app takes no token: action.yml must not claim it.
  const { inputs } = parse(readFileSync(new URL('../action.yml', import.meta.url), 'utf8')) as {
    inputs: Record<string, { required?: boolean; default?: string }>
  }
  expect(inputs.token.required).toBe(false)
  expect(inputs.token.default).toBeUndefined()
})

test('insecure_ssl 1 and a plain http:// URL each warn about the risk', async () => {
  const run = await runAction({
    repository: 'octo-org/hello-world',
    token: 'test-token',
    api_url: emulator.url,
    operation: 'create',
    url: 'http://example.com/h',
    insecure_ssl: '1'
  })
  expect(run.exitCode).toBe(0)
  expect(run.stdout).toMatch(/::warning::Input 'insecure_ssl' is 1: GitHub will not verify the receiver's TLS certificate.*man-in-the-middle/)
  expect(run.stdout).toMatch(/::warning::Input 'url' uses plain http:\/\/: payloads .* travel unencrypted/)
})
