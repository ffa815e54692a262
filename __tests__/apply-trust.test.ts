/**
 * Issue 26, "Apply you can trust": each of the nine cases the issue found, kept as a plain
 * regression test, in-process against the emulator (`runAction`). The invariants they break are
 * stated in docs/webhooks-as-code.md and checked over generated sequences in apply-model.test.ts.
 */
import { describe, expect, test } from '@jest/globals'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { StepRun } from '../emulator/runner.js'
import type { HookTarget } from '../emulator/server.js'
import { runAction } from './helpers/action.js'
import { emulator, receiver, useEmulator } from './helpers/emulator.js'
import { LONG_AGO } from './helpers/trust.js'

const SECRET = 'trust-apply-s3cret'
useEmulator(
  {
    repos: ['octo-org/svc-a', 'octo-org/svc-b', 'octo-org/svc-c'],
    repositories: [{ full_name: 'octo-org/svc-z', archived: true }]
  },
  SECRET
)

const dir = mkdtempSync(join(tmpdir(), 'apply-trust-'))
const repo = (name: string): HookTarget => ({ owner: 'octo-org', repo: name })
const env = { CI_SECRET: SECRET }
const step = (inputs: Record<string, string>, extra: Record<string, string> = env): Promise<StepRun> =>
  runAction({ token: 'test-token', api_url: emulator.url, repository: '', ...inputs }, extra)
const writes = () => emulator.requests.filter((request) => request.method !== 'GET')
const hookRequests = () => emulator.requests.filter((request) => request.path.includes('/hooks'))
const errors = (run: StepRun): string[] => run.stdout.split('\n').filter((line) => line.startsWith('::error'))
const planOf = (run: StepRun): { name: string; target: string; action: string; hook_id?: number; error?: string; note?: string }[] =>
  JSON.parse(run.outputs.plan)
const resultsOf = (run: StepRun): { repository?: string; result: string; hook_id?: number; error?: string }[] => JSON.parse(run.outputs.results)
const urls = (name: string): string[] => emulator.hooks(repo(name)).map((hook) => hook.config.url)

/** Writes a webhooks file and returns its path. */
function file(text: string): string {
  const path = join(dir, `webhooks-${Math.random().toString(36).slice(2)}.yml`)
  writeFileSync(path, text)
  return path
}
const NEW = () => `${receiver.url}?hook=new`
const OLD = () => `${receiver.url}?hook=old`
const PRUNE = () => `prune:\n  - '${new URL(receiver.url).origin}/**'\n`

describe('1. a renamed URL under prune never leaves a repository without its hook', () => {
  const renamed = (): string => file(`hooks:\n  - name: ci\n    url: '${NEW()}'\n    repositories: [octo-org/svc-a, octo-org/svc-b]\n${PRUNE()}`)

  test('max_writes: 1 writes one target whole (create, then delete) and leaves the other as it was', async () => {
    for (const name of ['svc-a', 'svc-b']) emulator.addHook(repo(name), { url: OLD(), created_at: LONG_AGO })
    const run = await step({ operation: 'apply', file: renamed(), max_writes: '1' })
    expect(run.exitCode).toBe(0)
    // Each repository has a hook of the entry: the new one (and the old one gone), or the old one still.
    const after = [urls('svc-a'), urls('svc-b')].sort((a, b) => a[0].localeCompare(b[0]))
    expect(after).toEqual([[NEW()], [OLD()]])
    const results = resultsOf(run)
    expect(results.filter((result) => result.result === 'skipped')).toHaveLength(2)
    expect(results.filter((result) => result.result === 'skipped').every((result) => /max_writes \(1\)/.test(result.error ?? ''))).toBe(true)
  })

  test('a create GitHub refuses (422) keeps the old hook; its deletion is skipped with the reason and the step fails', async () => {
    // 19 vendor hooks and the old one: a 21st hook for "push" is refused.
    for (let i = 0; i < 19; i++) emulator.addHook(repo('svc-a'), { url: `https://vendor-${i}.example.org/hook`, created_at: LONG_AGO })
    const old = emulator.addHook(repo('svc-a'), { url: OLD(), created_at: LONG_AGO })
    const run = await step({ operation: 'apply', file: renamed() })
    expect(run.exitCode).toBe(1)
    expect(urls('svc-a')).toContain(OLD())
    expect(urls('svc-a')).not.toContain(NEW())
    const deletion = resultsOf(run).find((result) => result.hook_id === old.id)
    expect(deletion?.result).toBe('skipped')
    expect(deletion?.error).toMatch(
      /not deleted: ci's create on this target ended failed \(GitHub answered 422 to POST \/repos\/octo-org\/svc-a\/hooks.*\), so webhook \d+ stays/
    )
    expect(writes().filter((request) => request.method === 'DELETE')).toEqual([])
    expect(urls('svc-b')).toEqual([NEW()]) // the other target is applied
  })
  test('hook creations blocked by GitHub (content creation) keep the old hook; its deletion is skipped with the reason, and the step fails', async () => {
    const old = emulator.addHook(repo('svc-a'), { url: OLD(), created_at: LONG_AGO })
    emulator.setLimits({ refuseCreations: true, retryAfterSeconds: 3600 })
    const run = await step({ operation: 'apply', file: renamed() })
    expect(run.exitCode).toBe(1)
    expect(errors(run).join('\n')).toMatch(/3 of 3 not applied: GitHub's content-creation limit \(hook creations\).*Hook creations stopped/)
    expect(urls('svc-a')).toEqual([OLD()])
    const deletion = resultsOf(run).find((result) => result.hook_id === old.id)
    expect(deletion?.result).toBe('skipped')
    expect(deletion?.error).toMatch(/not deleted: ci's create on this target ended skipped \(not run: .*content-creation/)
    expect(writes().filter((request) => request.method === 'DELETE')).toEqual([])
  })
})

describe('2. dry_run never writes', () => {
  test('apply with dry_run: the plan, 0 writes, prune deletions included', async () => {
    emulator.addHook(repo('svc-a'), { url: OLD(), created_at: LONG_AGO })
    const path = file(`hooks:\n  - name: ci\n    url: '${NEW()}'\n    repositories: [octo-org/svc-a]\n${PRUNE()}`)
    const run = await step({ operation: 'apply', file: path, dry_run: 'true' })
    expect({ exit: run.exitCode, errors: errors(run) }).toEqual({ exit: 0, errors: [] })
    expect(
      planOf(run)
        .map((item) => item.action)
        .sort()
    ).toEqual(['create', 'delete'])
    expect(run.stdout).toContain('Dry run: nothing was written')
    expect(run.stdout).not.toMatch(/::warning::Input 'dry_run' is ignored/)
    expect(writes()).toEqual([])
  })

  test('an operation that writes and has no dry run (delete) is refused before any request', async () => {
    const hook = emulator.addHook(repo('svc-a'), { url: OLD(), created_at: LONG_AGO })
    const run = await step({ operation: 'delete', repository: 'octo-org/svc-a', hook_id: String(hook.id), dry_run: 'true' })
    expect(run.exitCode).toBe(1)
    expect(errors(run).join('\n')).toMatch(/Input 'dry_run' is true, but operation 'delete' writes and has no dry run.*'ensure-absent' with dry_run/)
    expect(emulator.requests).toEqual([])
    expect(urls('svc-a')).toEqual([OLD()])
  })
})

describe("3. one entry's previous_urls cannot take another entry's hook", () => {
  test('a glob entry whose previous_urls is a literal entry’s url: refused from the file, before any request', async () => {
    const path = file(
      `hooks:\n  - name: ci\n    url: '${OLD()}'\n    repositories: [octo-org/svc-a]\n  - name: deploy\n    url: '${NEW()}'\n    previous_urls: ['${OLD()}']\n    repositories: [octo-org/svc-*]\n`
    )
    const run = await step({ operation: 'plan', file: path })
    expect(run.exitCode).toBe(1)
    expect(errors(run).join('\n')).toMatch(/hooks\[1\]\.previous_urls\[0\]: names the same URL \(not shown\) as hooks\[0\]\.url of entry 'ci'/)
    expect(emulator.requests).toEqual([])
  })

  test('two globs that overlap once listed: the plan refuses before any hooks request', async () => {
    const path = file(
      `hooks:\n  - name: ci\n    url: '${OLD()}'\n    repositories: ['octo-org/svc-[ab]']\n  - name: deploy\n    url: '${NEW()}'\n    previous_urls: ['${OLD()}']\n    repositories: [octo-org/svc-*]\n`
    )
    const run = await step({ operation: 'apply', file: path })
    expect(run.exitCode).toBe(1)
    expect(errors(run).join('\n')).toMatch(/entries 'ci' \(line 2\) and 'deploy' \(line 5\) could both claim one hook on repository octo-org\/svc-a/)
    expect(hookRequests()).toEqual([])
  })
})

test('4. an inactive hook with secret_env settles: created with its secret, then unchanged ("unproven: inactive"), no drift, 0 writes', async () => {
  const path = file(`hooks:\n  - name: ci\n    url: '${NEW()}'\n    active: false\n    secret_env: CI_SECRET\n    repositories: [octo-org/svc-a]\n`)
  const applied = await step({ operation: 'apply', file: path })
  expect({ exit: applied.exitCode, errors: errors(applied) }).toEqual({ exit: 0, errors: [] })
  expect(emulator.hooks(repo('svc-a')).map((hook) => [hook.active, hook.config.secret])).toEqual([[false, SECRET]])
  await emulator.idle()
  const before = writes().length
  const plan = await step({ operation: 'plan', file: path, fail_on_drift: 'true' })
  expect({ exit: plan.exitCode, errors: errors(plan) }).toEqual({ exit: 0, errors: [] })
  expect(planOf(plan)).toMatchObject([{ name: 'ci', action: 'unchanged', note: expect.stringMatching(/^unproven: inactive/) }])
  expect(readFileSync(plan.outputs.plan_file, 'utf8')).toContain('secret unproven: inactive')
  const again = await step({ operation: 'apply', file: path })
  expect(again.exitCode).toBe(0)
  expect(writes().length).toBe(before)
  // Activating it writes the secret (with the activation), once.
  const active = file(`hooks:\n  - name: ci\n    url: '${NEW()}'\n    secret_env: CI_SECRET\n    repositories: [octo-org/svc-a]\n`)
  expect(planOf(await step({ operation: 'plan', file: active }))).toMatchObject([{ action: 'update' }])
})

describe('5. one repository does not sink the plan', () => {
  test('duplicates at the entry’s url are ambiguous (naming the hooks), a repository answering 404 is failed; the others are planned and applied', async () => {
    const first = emulator.addHook(repo('svc-a'), { url: NEW(), events: ['push'], created_at: LONG_AGO })
    const second = emulator.addHook(repo('svc-a'), { url: NEW(), events: ['issues'], created_at: LONG_AGO })
    const path = file(`hooks:\n  - name: ci\n    url: '${NEW()}'\n    repositories: [octo-org/svc-a, octo-org/svc-b, octo-org/gone]\n`)
    const plan = await step({ operation: 'plan', file: path, fail_on_drift: 'true' })
    expect(plan.exitCode).toBe(1) // ambiguous and failed count as drift
    const items = Object.fromEntries(planOf(plan).map((item) => [item.target, item]))
    expect(items['octo-org/svc-a']).toMatchObject({ action: 'ambiguous', error: expect.stringContaining(`${first.id}, ${second.id}`) })
    expect(items['octo-org/gone']).toMatchObject({ action: 'failed', error: expect.stringMatching(/404/) })
    expect(items['octo-org/svc-b']).toMatchObject({ action: 'create' })
    expect(JSON.parse(plan.outputs.plan_counts)).toMatchObject({ create: 1, ambiguous: 1, failed: 1 })
    const applied = await step({ operation: 'apply', file: path })
    expect(applied.exitCode).toBe(1)
    expect(urls('svc-b')).toEqual([NEW()])
    expect(urls('svc-a')).toEqual([NEW(), NEW()]) // untouched
    const results = Object.fromEntries(resultsOf(applied).map((result) => [result.repository, result.result]))
    expect(results).toEqual({ 'octo-org/svc-a': 'ambiguous', 'octo-org/svc-b': 'created', 'octo-org/gone': 'failed' })
  })
})

test('6. export writes a file plan accepts: hooks sharing a URL on one repository are left out with a warning naming them', async () => {
  const push = emulator.addHook(repo('svc-a'), { url: NEW(), events: ['push'], created_at: LONG_AGO })
  const pulls = emulator.addHook(repo('svc-a'), { url: NEW(), events: ['pull_request'], created_at: LONG_AGO })
  const dupA = emulator.addHook(repo('svc-b'), { url: OLD(), events: ['push'], created_at: LONG_AGO })
  const dupB = emulator.addHook(repo('svc-b'), { url: OLD(), events: ['push'], created_at: LONG_AGO })
  emulator.addHook(repo('svc-c'), { url: OLD(), events: ['push'], created_at: LONG_AGO })
  const path = join(dir, 'exported-shared.yml')
  const exported = await step({ operation: 'export', repositories: 'octo-org/svc-*', file: path }, {})
  expect(exported.exitCode).toBe(0)
  expect(exported.stdout).toContain(`repository octo-org/svc-a webhooks ${push.id}, ${pulls.id}`)
  expect(exported.stdout).toContain(`repository octo-org/svc-b webhooks ${dupA.id}, ${dupB.id}`)
  const plan = await step({ operation: 'plan', file: path }, {})
  expect({ exit: plan.exitCode, errors: errors(plan) }).toEqual({ exit: 0, errors: [] })
  expect(planOf(plan)).toMatchObject([{ target: 'octo-org/svc-c', action: 'unchanged' }])
  expect(readFileSync(path, 'utf8')).not.toContain('svc-a')
})

test('6b. (found by apply-model.test.ts) export with no webhook to write writes no file, which plan would refuse, and says so', async () => {
  const path = join(dir, 'exported-empty.yml')
  const exported = await step({ operation: 'export', repositories: 'octo-org/svc-*', file: path }, {})
  expect(exported.exitCode).toBe(0)
  expect(exported.stdout).toMatch(/::warning::Nothing to export: .* was not written/)
  expect(existsSync(path)).toBe(false)
  expect(exported.outputs.file).toBeUndefined()
})

test('7. archived repositories with include_archived: left out of plan as of apply (said), so the drift check after apply passes', async () => {
  const path = file(`hooks:\n  - name: ci\n    url: '${NEW()}'\n    include_archived: true\n    repositories: [octo-org/svc-*]\n`)
  const plan = await step({ operation: 'plan', file: path })
  expect(planOf(plan).map((item) => item.target)).toEqual(['octo-org/svc-a', 'octo-org/svc-b', 'octo-org/svc-c'])
  expect(plan.stdout).toMatch(
    /::warning::.*entry 'ci' sets include_archived: true, but archived repositories are read-only.*leave out 1 archived repository/
  )
  expect((await step({ operation: 'apply', file: path })).exitCode).toBe(0)
  const drift = await step({ operation: 'plan', file: path, fail_on_drift: 'true' })
  expect({ exit: drift.exitCode, errors: errors(drift) }).toEqual({ exit: 0, errors: [] })
})

test('8. two plan steps in one job keep their own plan_file', async () => {
  const runnerTemp = mkdtempSync(join(tmpdir(), 'runner-temp-'))
  const one = file(`hooks:\n  - name: one\n    url: '${NEW()}'\n    repositories: [octo-org/svc-a]\n`)
  const two = file(`hooks:\n  - name: two\n    url: '${OLD()}'\n    repositories: [octo-org/svc-b]\n`)
  const first = await step({ operation: 'plan', file: one }, { RUNNER_TEMP: runnerTemp })
  const second = await step({ operation: 'plan', file: two }, { RUNNER_TEMP: runnerTemp })
  expect(first.outputs.plan_file).not.toBe(second.outputs.plan_file)
  expect(first.outputs.plan_file.startsWith(runnerTemp)).toBe(true)
  expect(existsSync(first.outputs.plan_file)).toBe(true)
  expect(readFileSync(first.outputs.plan_file, 'utf8')).toContain('#### one')
  expect(readFileSync(second.outputs.plan_file, 'utf8')).toContain('#### two')
})

describe('9. rotation: the survey’s pings do not spend max_writes; a dry run says what it would do', () => {
  const NEXT = 'trust-apply-next-s3cret'
  const seed = (): void => {
    // Proven on nothing yet: no delivery since their last change, so the survey pings them.
    for (const name of ['svc-a', 'svc-b']) emulator.addHook(repo(name), { url: NEW(), secret: SECRET, created_at: LONG_AGO })
  }
  const rotate = () => ({ operation: 'rotate-secret', repositories: 'octo-org/svc-[ab]', url: NEW(), canary: '0' })

  test('max_writes: 2 rotates both hooks although the survey pinged both', async () => {
    seed()
    const run = await step({ ...rotate(), secret: NEXT, previous_secret: SECRET, max_writes: '2' }, {})
    expect({ exit: run.exitCode, errors: errors(run) }).toEqual({ exit: 0, errors: [] })
    expect(resultsOf(run).map((result) => result.result)).toEqual(['rotated', 'rotated'])
    expect(emulator.hooks(repo('svc-a'))[0].config.secret).toBe(NEXT)
  })

  test('dry_run: no ping, no write, exit 0, and each unproven hook says what a real run would do', async () => {
    seed()
    const run = await step({ ...rotate(), secret: NEXT, previous_secret: SECRET, dry_run: 'true' }, {})
    expect({ exit: run.exitCode, errors: errors(run) }).toEqual({ exit: 0, errors: [] })
    expect(resultsOf(run).map((result) => result.result)).toEqual(['would-survey', 'would-survey'])
    expect(run.stdout).not.toContain('ping_if_needed')
    expect(run.summary).toContain('a real run pings it to prove which secret it signs with')
    expect(writes()).toEqual([])
  })
})
