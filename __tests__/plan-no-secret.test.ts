/**
 * Webhooks as code in a pull request (issue 27), through the bundled action against the emulator:
 * a plan with no secret and a read-only token, as the reference workflow's plan job runs it; `apply`
 * still refusing an unset secret variable; file errors as annotations on the file relative to
 * `GITHUB_WORKSPACE`; a refused proof as a finding on its row; `export`'s `$schema` that resolves.
 */
import { describe, expect, test } from '@jest/globals'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fleetSeed, fleetServiceRepo } from '../emulator/fleet-seed.js'
import { runStep, type StepRun } from '../emulator/runner.js'
import type { HookTarget } from '../emulator/server.js'
import { emulator, receiver, useEmulator } from './helpers/emulator.js'
import { LONG_AGO } from './helpers/trust.js'

const SECRET = 'pull-request-s3cret'
useEmulator({ repos: [], ...fleetSeed({ count: 4, userCount: 0 }), readOnlyTokens: ['read-only-token'] }, SECRET)

const RECENT = () => new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z')
const repo = (i: number): HookTarget => ({ owner: 'octo-org', repo: fleetServiceRepo(i).name })

/** A workspace (the repository's checkout) holding `.github/webhooks.yml` with `text`. */
function workspace(text: string): { root: string; file: string } {
  const root = mkdtempSync(join(tmpdir(), 'workspace-'))
  mkdirSync(join(root, '.github'))
  const file = join(root, '.github', 'webhooks.yml')
  writeFileSync(file, text)
  return { root, file }
}

/** The bundled action in the workspace `root`, with the file given as the runner's absolute path. */
const step = (root: string, inputs: Record<string, string>, env: Record<string, string> = {}): Promise<StepRun> =>
  runStep({ api_url: emulator.url, ...inputs }, { GITHUB_WORKSPACE: root, ...env })

const entry = () => `hooks:
  - name: deploy
    url: ${receiver.url}
    events: [push, release]
    secret_env: DEPLOY_SECRET
    repositories: ['octo-org/svc-00[0-3]']
    previous_urls: ['${receiver.url}?old=1']
prune:
  - '${new URL(receiver.url).origin}/**'
`

describe('plan in a pull request', () => {
  test('a drift check (fail_on_drift) whose secret variable is unset fails, naming what it could not check; without fail_on_drift it warns (hostile review of issue 27)', async () => {
    const { root, file } = workspace(entry())
    for (const i of [0, 1, 2, 3])
      emulator.addHook(repo(i), {
        url: receiver.url,
        events: ['push', 'release'],
        secret: 'rotated-outside-the-file',
        content_type: 'json',
        created_at: LONG_AGO
      })
    const drift = await step(root, { operation: 'plan', file, token: 'read-only-token', fail_on_drift: 'true' })
    expect(drift.exitCode).toBe(1)
    expect(drift.stdout).toMatch(
      /::error::4 of 4 planned without checking the secret .*deploy on repository octo-org\/svc-000.* fail_on_drift cannot vouch for them/
    )
    const plan = await step(root, { operation: 'plan', file, token: 'read-only-token' })
    expect(plan.exitCode).toBe(0)
    expect(plan.stdout).toMatch(/::warning::4 of 4 planned without checking the secret/)
  })

  test('no secret and a read-only token: everything is planned, the secret not checked, nothing written; apply refuses the unset variable before any request', async () => {
    const { root, file } = workspace(entry())
    // svc-000: nothing → create; svc-001: events differ → update; svc-002: at the old url → move-url; svc-003: a stale hook → delete
    // svc-001's hook has no secret at all: that much is known without the secret, and apply would set it.
    emulator.addHook(repo(1), { url: receiver.url, events: ['push'], content_type: 'json', created_at: LONG_AGO })
    emulator.addHook(repo(2), {
      url: `${receiver.url}?old=1`,
      events: ['push', 'release'],
      secret: SECRET,
      content_type: 'json',
      created_at: LONG_AGO
    })
    emulator.addHook(repo(3), { url: receiver.url, events: ['push', 'release'], secret: SECRET, content_type: 'json', created_at: LONG_AGO })
    emulator.addHook(repo(3), { url: `${new URL(receiver.url).origin}/stale?v=3`, created_at: LONG_AGO })
    const before = emulator.requests.length
    const run = await step(root, { operation: 'plan', file, token: 'read-only-token' })
    expect({ exit: run.exitCode, errors: run.stdout.split('\n').filter((line) => line.startsWith('::error')) }).toEqual({ exit: 0, errors: [] })
    expect(emulator.requests.slice(before).every((request) => request.method === 'GET')).toBe(true)
    const plan = JSON.parse(run.outputs.plan) as { target: string; action: string; note?: string; hook_id?: number }[]
    expect(Object.fromEntries(plan.map((item) => [`${item.target} ${item.action}`, item.note ?? '']))).toEqual({
      'octo-org/svc-000 create': 'not checked (no secret in this run)',
      'octo-org/svc-001 update': 'not checked (no secret in this run)',
      'octo-org/svc-002 move-url': 'not checked (no secret in this run)',
      'octo-org/svc-003 unchanged': 'not checked (no secret in this run)',
      'octo-org/svc-003 delete': ''
    })
    const changes = (JSON.parse(run.outputs.plan) as { target: string; changes: { field: string; from: unknown; to: unknown }[] }[]).find(
      (item) => item.target === 'octo-org/svc-001'
    )?.changes
    expect(changes).toEqual([
      { field: 'events', from: ['push'], to: ['push', 'release'] },
      { field: 'secret', from: 'none', to: 'set' }
    ])
    const markdown = readFileSync(run.outputs.plan_file, 'utf8')
    // The heading names the file relative to the workspace, not the runner's absolute path.
    expect(markdown).toContain('### Webhooks plan: .github/webhooks.yml')
    expect(markdown).not.toContain(root)
    expect(markdown).toMatch(/secret not checked \(no secret in this run\)/)
    expect(markdown).toMatch(/🗑️ delete\*\* repository octo-org\/svc-003 \(hook \d+\): http:\/\/127\.0\.0\.1:\d+\/stale\?v=\*\*\*#[0-9a-f]{4}/)
    expect(run.summary).toContain('### Webhooks plan: .github/webhooks.yml')

    const applying = emulator.requests.length
    const apply = await step(root, { operation: 'apply', file, token: 'test-token' })
    expect(apply.exitCode).toBe(1)
    expect(apply.stdout).toMatch(
      /::error file=\.github\/webhooks\.yml,line=5,col=5::\.github\/webhooks\.yml:5: hooks\[0\]\.secret_env: entry 'deploy' reads its secret from the environment variable that its secret_env names .*which is not set/
    )
    expect(emulator.requests.length).toBe(applying)
  })

  test('file errors are annotations on the file, relative to GITHUB_WORKSPACE, with line and column', async () => {
    const { root, file } = workspace(`hooks:\n  - name: deploy\n    url: ${receiver.url}\n    evnts: [push]\n    repositories: [octo-org/svc-000]\n`)
    const run = await step(root, { operation: 'plan', file, token: 'read-only-token' })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(
      /^::error file=\.github\/webhooks\.yml,line=4,col=5::\.github\/webhooks\.yml:4: hooks\[0\]\.evnts: unknown key 'evnts'/m
    )
    expect(emulator.requests).toEqual([])
  })

  test('a secret proven by a delivery the receiver refused is a finding on its row', async () => {
    const { root, file } = workspace(entry())
    const hook = emulator.addHook(repo(3), {
      url: receiver.url,
      events: ['push', 'release'],
      secret: SECRET,
      content_type: 'json',
      created_at: LONG_AGO
    })
    const refused = emulator.addDelivery(repo(3), hook.id, { delivered_at: RECENT(), signed_with: SECRET, status_code: 401 })
    const run = await step(root, { operation: 'plan', file, token: 'read-only-token' }, { DEPLOY_SECRET: SECRET })
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toMatch(new RegExp(`::warning::deploy on repository octo-org/svc-003 \\(webhook ${hook.id}\\): the receiver answered 401`))
    const row = (JSON.parse(run.outputs.plan) as { target: string; action: string; finding?: string }[]).find(
      (item) => item.target === 'octo-org/svc-003'
    )
    expect(row).toMatchObject({
      action: 'unchanged',
      finding: `the receiver answered 401 to the delivery that proves the secret: ensure fails on it (delivery ${refused.id})`
    })
    expect(readFileSync(run.outputs.plan_file, 'utf8')).toContain(
      `repository octo-org/svc-003 (hook ${hook.id}; delivery ${refused.id}): ⚠️ finding: the receiver answered 401 to the delivery that proves the secret`
    )
  })
})

describe('export', () => {
  test("$schema points at the schema of the action's own release; without one, at a copy written next to the file", async () => {
    emulator.addHook(repo(0), { url: receiver.url, events: ['push'], content_type: 'json', created_at: LONG_AGO })
    const dir = mkdtempSync(join(tmpdir(), 'export-'))
    const released = await step(
      dir,
      { operation: 'export', repositories: 'octo-org/svc-000', file: join(dir, 'a', 'webhooks.yml'), token: 'read-only-token' },
      { GITHUB_ACTION_REPOSITORY: 'octo-tools/manage-webhooks', GITHUB_ACTION_REF: 'v1.2.0' }
    )
    expect(released.exitCode).toBe(0)
    expect(readFileSync(join(dir, 'a', 'webhooks.yml'), 'utf8').split('\n')[0]).toBe(
      '# yaml-language-server: $schema=https://raw.githubusercontent.com/octo-tools/manage-webhooks/v1.2.0/src/webhooks.schema.json'
    )
    expect(existsSync(join(dir, 'a', 'webhooks.schema.json'))).toBe(false)
    const local = await step(dir, {
      operation: 'export',
      repositories: 'octo-org/svc-000',
      file: join(dir, 'b', 'webhooks.yml'),
      token: 'read-only-token'
    })
    expect(local.exitCode).toBe(0)
    expect(readFileSync(join(dir, 'b', 'webhooks.yml'), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./webhooks.schema.json')
    expect(JSON.parse(readFileSync(join(dir, 'b', 'webhooks.schema.json'), 'utf8'))).toEqual(
      JSON.parse(readFileSync(new URL('../src/webhooks.schema.json', import.meta.url), 'utf8'))
    )
  })
})
