/**
 * Webhooks as code (issue "Webhooks as code"): `plan`, `apply` and `export` of a webhooks file,
 * through the bundled action against the emulator: every plan action, prune leaving vendor hooks
 * alone, `previous_urls`, `fail_on_drift`, a missing secret variable, no secret in outputs, summary
 * or plan file, and export → plan → apply → plan ending unchanged with 0 writes.
 */
import { describe, expect, test } from '@jest/globals'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fleetSeed, fleetServiceRepo } from '../emulator/fleet-seed.js'
import { runStep, type StepRun } from '../emulator/runner.js'
import type { HookTarget } from '../emulator/server.js'
import { emulator, receiver, useEmulator } from './helpers/emulator.js'
import { LONG_AGO } from './helpers/trust.js'

const SECRET = 'as-code-s3cret-value'
useEmulator({ repos: [], ...fleetSeed({ count: 8, userCount: 0 }) }, SECRET)

const RECENT = () => new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z')
const repo = (i: number): HookTarget => ({ owner: 'octo-org', repo: fleetServiceRepo(i).name })
const dir = mkdtempSync(join(tmpdir(), 'webhooks-as-code-'))
const env = { DEPLOY_SECRET: SECRET, AUDIT_SECRET: SECRET }
const step = (inputs: Record<string, string>, extra: Record<string, string> = env): Promise<StepRun> =>
  runStep({ token: 'test-token', api_url: emulator.url, ...inputs }, extra)
const writes = () => emulator.requests.filter((request) => request.method !== 'GET')
/** The step succeeded; else its ::error:: lines show in the failure. */
const expectOk = (run: StepRun): void => {
  expect({ exit: run.exitCode, errors: run.stdout.split('\n').filter((line) => line.startsWith('::error')) }).toEqual({ exit: 0, errors: [] })
}
const planOf = (run: StepRun): { name: string; target: string; action: string }[] => JSON.parse(run.outputs.plan)

/** A webhooks file for the receiver over svc-000…svc-005, and the organization's own hook. */
function file(extra = ''): string {
  const path = join(dir, `webhooks-${Math.random().toString(36).slice(2)}.yml`)
  writeFileSync(
    path,
    `hooks:
  - name: deploy
    url: ${receiver.url}
    events: [push, pull_request]
    secret_env: DEPLOY_SECRET
    repositories: ['octo-org/svc-00[0-5]']
    previous_urls: ['${receiver.url}?old=1']
  - name: audit
    org: octo-org
    url: '${receiver.url}?audit=1'
    events: ["*"]
    secret_env: AUDIT_SECRET
prune:
  - '${new URL(receiver.url).origin}/**'
${extra}`
  )
  return path
}

/** A hook proven on SECRET: seeded long ago, with a recent delivery signed with it. */
function proven(target: HookTarget, fields: { url: string; events?: string[] }): void {
  const hook = emulator.addHook(target, { ...fields, secret: SECRET, content_type: 'json', created_at: LONG_AGO })
  emulator.addDelivery(target, hook.id, { delivered_at: RECENT(), signed_with: SECRET })
}

describe('plan', () => {
  test('every action, prune leaving a vendor hook alone, and no secret anywhere', async () => {
    const path = file()
    // svc-000: nothing → create
    proven(repo(1), { url: receiver.url, events: ['push'] }) // → update (events)
    emulator.addHook(repo(2), { url: receiver.url, events: ['push', 'pull_request'], secret: 'another', content_type: 'json', created_at: LONG_AGO }) // → write-secret
    proven(repo(3), { url: receiver.url, events: ['push', 'pull_request'] }) // → unchanged
    proven(repo(4), { url: `${receiver.url}?old=1`, events: ['push', 'pull_request'] }) // → move-url
    proven(repo(5), { url: receiver.url, events: ['push', 'pull_request'] })
    emulator.addHook(repo(5), { url: `${new URL(receiver.url).origin}/stale`, created_at: LONG_AGO }) // → delete (prune)
    emulator.addHook(repo(5), { url: 'https://circleci.com/hooks/github', created_at: LONG_AGO }) // a vendor's: never touched
    const run = await step({ operation: 'plan', file: path })
    expectOk(run)
    const actions = Object.fromEntries(planOf(run).map((item) => [`${item.name} ${item.target}`, item.action]))
    expect(actions).toEqual({
      'deploy octo-org/svc-000': 'create',
      'deploy octo-org/svc-001': 'update',
      'deploy octo-org/svc-002': 'write-secret',
      'deploy octo-org/svc-003': 'unchanged',
      'deploy octo-org/svc-004': 'move-url',
      'deploy octo-org/svc-005': 'unchanged',
      'prune octo-org/svc-005': 'delete',
      'audit octo-org': 'create'
    })
    expect(JSON.parse(run.outputs.plan_counts)).toMatchObject({ create: 2, update: 1, 'write-secret': 1, 'move-url': 1, delete: 1, unchanged: 2 })
    expect(writes()).toEqual([])
    const markdown = readFileSync(run.outputs.plan_file, 'utf8')
    expect(markdown).toContain('#### deploy')
    expect(markdown).toContain('events: push → push, pull_request')
    expect(markdown).not.toContain('circleci')
    const logged = run.stdout.replace(/^::add-mask::.*$/gm, '') // the mask commands name what the runner hides
    for (const text of [logged, run.stderr, run.summary, markdown, JSON.stringify(run.outputs)]) expect(text).not.toContain(SECRET)
  })

  test('fail_on_drift fails the step when anything would change; a missing secret variable: plan does not check that secret, apply fails before any request', async () => {
    const path = file()
    const drift = await step({ operation: 'plan', file: path, fail_on_drift: 'true' })
    expect(drift.exitCode).toBe(1)
    expect(drift.stdout).toMatch(/::error::Drift: \d+ of \d+ would change \(fail_on_drift\)/)
    const planned = await step({ operation: 'plan', file: path }, { DEPLOY_SECRET: SECRET })
    expectOk(planned)
    const audit = (JSON.parse(planned.outputs.plan) as { name: string; note?: string }[]).filter((item) => item.name === 'audit')
    expect(audit.map((item) => item.note)).toEqual(['not checked (no secret in this run)'])
    expect(planned.summary).toContain('secret not checked (no secret in this run)')
    const before = emulator.requests.length
    const missing = await step({ operation: 'apply', file: path }, { DEPLOY_SECRET: SECRET })
    expect(missing.exitCode).toBe(1)
    expect(missing.stdout).toMatch(
      /::error file=[^,]+,line=\d+,col=\d+::.*hooks\[1\]\.secret_env: entry 'audit' reads its secret from the environment variable that its secret_env names .*which is not set/
    ) // an annotation on the line, named by entry and line, never by the variable (it may be the secret itself)
    expect(missing.stdout).not.toContain('AUDIT_SECRET')
    expect(emulator.requests.length).toBe(before)
  })
})

describe('apply', () => {
  test('carries out the plan; a second apply writes nothing and a plan then shows every entry unchanged', async () => {
    const path = file()
    proven(repo(1), { url: receiver.url, events: ['push'] })
    proven(repo(4), { url: `${receiver.url}?old=1`, events: ['push', 'pull_request'] })
    emulator.addHook(repo(5), { url: `${new URL(receiver.url).origin}/stale`, created_at: LONG_AGO })
    emulator.addHook(repo(5), { url: 'https://circleci.com/hooks/github', created_at: LONG_AGO })
    const applied = await step({ operation: 'apply', file: path })
    expectOk(applied)
    expect(emulator.hooks(repo(4)).map((hook) => hook.config.url)).toEqual([receiver.url])
    expect(emulator.hooks(repo(5)).map((hook) => hook.config.url)).toEqual(['https://circleci.com/hooks/github', receiver.url])
    await emulator.idle()
    const before = writes().length
    const again = await step({ operation: 'apply', file: path })
    expectOk(again)
    expect(writes().length).toBe(before)
    const plan = await step({ operation: 'plan', file: path })
    expect(planOf(plan).every((item) => item.action === 'unchanged')).toBe(true)
  })
})

test('export → plan → apply → plan: only write-secret where a secret is set, then every entry unchanged and 0 writes', async () => {
  for (const i of [0, 1, 2])
    emulator.addHook(repo(i), { url: receiver.url, events: ['push'], secret: SECRET, content_type: 'json', created_at: LONG_AGO })
  emulator.addHook(repo(3), { url: `${receiver.url}?plain=1`, events: ['issues'], content_type: 'json', created_at: LONG_AGO })
  emulator.addHook(repo(3), { url: 'https://ci-user:ci-pa55w0rd@ci.example.com/hook', content_type: 'json', created_at: LONG_AGO })
  const path = join(dir, 'exported.yml')
  const exported = await step({ operation: 'export', repositories: 'octo-org/svc-00[0-3]', file: path }, {})
  expectOk(exported)
  expect(exported.outputs.file).toBe(path)
  const text = readFileSync(path, 'utf8')
  expect(text).not.toContain(SECRET)
  // A URL with credentials is left out of a file meant to be committed, and said.
  expect(text).not.toContain('ci.example.com')
  expect(exported.stdout).toMatch(/::warning::Not exported, because their URLs carry credentials .*repository octo-org\/svc-003 webhook \d+/)
  const names = [...text.matchAll(/^\s*secret_env: (\w+)/gm)].map((match) => match[1]) // not the commented placeholders
  const secrets = Object.fromEntries(names.map((name) => [name, SECRET]))
  const plan = await step({ operation: 'plan', file: path }, secrets)
  expectOk(plan)
  expect(new Set(planOf(plan).map((item) => item.action))).toEqual(new Set(['write-secret', 'unchanged']))
  expect(planOf(plan).filter((item) => item.action === 'write-secret')).toHaveLength(3)
  const applied = await step({ operation: 'apply', file: path }, secrets)
  expectOk(applied)
  await emulator.idle()
  const before = writes().length
  const after = await step({ operation: 'plan', file: path }, secrets)
  expect(planOf(after).every((item) => item.action === 'unchanged')).toBe(true)
  expect(writes().length).toBe(before)
})

test("export over repositories and an organization in one run: the organization's own hook is an entry of its own", async () => {
  emulator.addHook(repo(0), { url: receiver.url, events: ['push'], content_type: 'json', created_at: LONG_AGO })
  emulator.addHook({ org: 'octo-org' }, { url: `${receiver.url}?org=1`, events: ['*'], content_type: 'json', created_at: LONG_AGO })
  const path = join(dir, 'exported-org.yml')
  const run = await step({ operation: 'export', repositories: 'octo-org/svc-000', org: 'octo-org', file: path }, {})
  expectOk(run)
  expect(run.stdout).not.toMatch(/::warning::Input 'org' is ignored/)
  const text = readFileSync(path, 'utf8')
  expect(text).toMatch(/^ {4}org: octo-org$/m)
  expect(text).toContain('octo-org/svc-000')
})
