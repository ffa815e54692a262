/**
 * `operation: inventory` end to end (issue "Inventory"): the bundled action over repositories and an
 * organization in one run, with a hand-made mix where each finding appears and one hook has none;
 * the CSV parsed back; `fail_on`; bad input refused before any request; no secret or URL credential
 * in outputs, summary or CSV. (src/jobs/inventory.ts's own tests: inventory.test.ts.)
 */
import { expect, test } from '@jest/globals'
import { parse } from 'csv-parse/sync'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runStep, type StepRun } from '../emulator/runner.js'
import { emulator, receiver, useEmulator } from './helpers/emulator.js'
import { LONG_AGO } from './helpers/trust.js'

const SECRET = 'inventory-s3cret'
useEmulator({ repos: ['octo-org/api', 'octo-org/web'] }, SECRET)

const dir = mkdtempSync(join(tmpdir(), 'inventory-e2e-'))
const step = (inputs: Record<string, string>): Promise<StepRun> =>
  runStep({ token: 'test-token', api_url: emulator.url, repositories: 'octo-org/api, octo-org/web', org: 'octo-org', ...inputs })

/** The mix: every finding once at least, and one clean hook per kind of target. */
function seed(): void {
  const api = { owner: 'octo-org', repo: 'api' }
  const web = { owner: 'octo-org', repo: 'web' }
  emulator.addHook(api, { url: 'https://clean.example.com/hook', secret: SECRET, content_type: 'json', created_at: LONG_AGO })
  emulator.addHook(api, { url: 'https://nosecret.example.com/hook', content_type: 'json', created_at: LONG_AGO })
  emulator.addHook(api, { url: 'http://plain.example.com/hook', secret: SECRET, created_at: LONG_AGO })
  emulator.addHook(web, { url: 'https://hook-user:pa55-w0rd@creds.example.com/hook?token=qu3ry-t0ken-123', secret: SECRET, created_at: LONG_AGO })
  emulator.addHook(web, { url: 'https://tls.example.com/hook', secret: SECRET, insecure_ssl: '1', created_at: LONG_AGO })
  emulator.addHook(web, { url: 'https://dup.example.com/hook', secret: SECRET, created_at: LONG_AGO })
  emulator.addHook(web, { url: 'https://dup.example.com/hook', secret: SECRET, created_at: LONG_AGO })
  emulator.addHook(web, { url: 'https://all.example.com/hook', secret: SECRET, events: ['*'], created_at: LONG_AGO })
  emulator.addHook(web, { url: 'https://off.example.com/hook', secret: SECRET, active: false, created_at: LONG_AGO })
  const failing = emulator.addHook({ org: 'octo-org' }, { url: receiver.url, secret: SECRET, created_at: LONG_AGO })
  emulator.addDelivery({ org: 'octo-org' }, failing.id, { status_code: 500 })
  emulator.addHook({ org: 'octo-org' }, { url: 'https://org-clean.example.com/hook', secret: SECRET, content_type: 'json', created_at: LONG_AGO })
}

test('every finding over repositories and the organization, as outputs, a CSV and a summary, with no credential anywhere', async () => {
  seed()
  const file = join(dir, 'inventory.csv')
  const run = await step({ operation: 'inventory', inventory_file: file })
  expect(run.exitCode).toBe(0)
  expect(run.outputs.hooks_count).toBe('11')
  expect(JSON.parse(run.outputs.finding_counts)).toEqual({
    'no-secret': 1,
    'insecure-ssl': 1,
    'plain-http': 2, // and the receiver's, http://127.0.0.1
    'url-credentials': 1,
    inactive: 1,
    failing: 1,
    'duplicate-url': 2,
    'all-events': 1
  })
  const inventory = JSON.parse(run.outputs.inventory) as { url: string; findings: string[]; where: string }[]
  expect(inventory.filter((hook) => hook.findings.length === 0).map((hook) => hook.url)).toEqual(
    expect.arrayContaining(['https://clean.example.com/hook', 'https://org-clean.example.com/hook'])
  )
  expect(inventory.find((hook) => hook.where === 'organization' && hook.findings.includes('failing'))).toBeDefined()
  const rows = parse(readFileSync(run.outputs.inventory_file, 'utf8'), { columns: true }) as Record<string, string>[]
  expect(rows).toHaveLength(11)
  expect(rows.map((row) => row.findings).filter((findings) => findings !== '')).toHaveLength(9)
  expect(run.summary).toContain('dup.example.com: 2 hooks')
  const logged = run.stdout.replace(/^::add-mask::.*$/gm, '')
  for (const text of [logged, run.summary, readFileSync(file, 'utf8'), JSON.stringify(run.outputs)]) {
    for (const secret of [SECRET, 'pa55-w0rd', 'qu3ry-t0ken-123']) expect(text).not.toContain(secret)
  }
  expect(emulator.requests.filter((request) => request.method !== 'GET')).toEqual([])
})

test('fail_on fails the step naming the hooks; an unknown finding, a missing folder or a folder as the file is refused before any request', async () => {
  seed()
  const gated = await step({ operation: 'inventory', fail_on: 'no-secret, insecure-ssl' })
  expect(gated.exitCode).toBe(1)
  expect(gated.stdout).toMatch(/::error::1 no-secret, 1 insecure-ssl \(fail_on\):/)
  const before = emulator.requests.length
  const unknown = await step({ operation: 'inventory', fail_on: 'no-secrets' })
  expect(unknown.stdout).toMatch(/::error::Input 'fail_on' has an unknown finding 'no-secrets' \(did you mean 'no-secret'\?\)/)
  const folder = await step({ operation: 'inventory', inventory_file: join(dir, 'no', 'such', 'folder', 'x.csv') })
  expect(folder.stdout).toMatch(/::error::Input 'inventory_file' is .* in a folder that does not exist/)
  const existing = await step({ operation: 'inventory', inventory_file: dir })
  expect(existing.exitCode).toBe(1)
  expect(existing.stdout).toContain(`::error::Input 'inventory_file' is '${dir}', which is a folder; it accepts the path of a file to write`)
  expect(emulator.requests.length).toBe(before)
})

test.each(['inventory', 'export'])(
  '%s with org on the default scope (one repository) is refused before any request, not a warning that lets a gate pass',
  async (operation) => {
    seed()
    const run = await runStep(
      {
        token: 'test-token',
        api_url: emulator.url,
        operation,
        org: 'octo-org',
        fail_on: operation === 'inventory' ? 'no-secret' : '',
        file: join(dir, 'exported.yml')
      },
      { GITHUB_REPOSITORY: 'octo-org/api' }
    )
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain(
      `::error::Input 'org' is 'octo-org', but operation '${operation}' with scope 'repo' covers one repository, not the organization; to cover the organization set repositories: 'octo-org/*'`
    )
    expect(run.stdout).not.toContain("Input 'org' is ignored")
    expect(emulator.requests).toEqual([])
  }
)

test('the shapes recorded from GitHub, through the bundled action: a receiver that answered 404 is failing with 404, unused is not failing, a formula host is escaped in the CSV', async () => {
  const api = { owner: 'octo-org', repo: 'api' }
  const gone = emulator.addHook(api, { url: 'https://gone.example.com/hook', secret: SECRET, content_type: 'json', created_at: LONG_AGO })
  emulator.addDelivery(api, gone.id, { status_code: 404, status: 'Invalid HTTP Response: 404' })
  const unused = emulator.addHook(api, {
    url: 'https://quiet.example.com/hook',
    secret: SECRET,
    content_type: 'json',
    created_at: LONG_AGO,
    last_response: { code: 0, status: 'unused', message: 'Unused' }
  })
  const formula = emulator.addHook(api, { url: 'https://=1+1.example.com/hook', secret: SECRET, content_type: 'json', created_at: LONG_AGO })
  const file = join(dir, 'recorded.csv')
  const run = await step({ operation: 'inventory', inventory_file: file, fail_on: 'failing', org: '' })
  expect(run.exitCode).toBe(1) // fail_on: failing
  expect(run.stdout).toContain(
    `::error::1 failing (fail_on):%0A- repository octo-org/api hook ${gone.id} (https://gone.example.com/hook): failing (last response: misconfigured: Invalid HTTP Response: 404)`
  )
  const inventory = JSON.parse(run.outputs.inventory) as { hook_id: number; findings: string[]; last_response: unknown }[]
  const byId = (id: number) => inventory.find((hook) => hook.hook_id === id)
  expect(byId(gone.id)).toMatchObject({
    findings: ['failing'],
    last_response: { code: 404, status: 'misconfigured', message: 'Invalid HTTP Response: 404' }
  })
  expect(byId(unused.id)).toMatchObject({ findings: [], last_response: { code: null, status: 'unused', message: null } })
  expect(run.summary).toContain('misconfigured: Invalid HTTP Response: 404')
  expect(run.summary).not.toContain('422')
  expect(run.summary).toContain('<p>3 webhooks, 1 with findings.</p>')
  const rows = parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[]
  const row = (id: number) => rows.find((candidate) => candidate.hook_id === String(id))
  expect(row(gone.id)).toMatchObject({ last_response_code: '404', last_response_status: 'misconfigured' })
  expect(row(unused.id)).toMatchObject({ last_response_code: '', last_response_status: 'unused' })
  expect(row(formula.id)?.host).toBe("'=1+1.example.com")
})

test('a legacy service hook without a URL is named for what it is in the summary, not an empty host line', async () => {
  const api = { owner: 'octo-org', repo: 'api' }
  const legacy = emulator.addHook(api, { name: 'travis', events: ['push'], created_at: LONG_AGO })
  emulator.addHook(api, { url: 'https://clean.example.com/hook', secret: SECRET, content_type: 'json', created_at: LONG_AGO })
  const run = await step({ operation: 'inventory', inventory_file: join(dir, 'legacy.csv'), org: '' })
  expect(run.exitCode).toBe(0)
  expect(run.summary).toContain('<li>no URL (legacy service hook &#34;travis&#34;): 1 hook</li>')
  expect(run.summary).toContain('<li>clean.example.com: 1 hook</li>')
  expect(run.summary).not.toMatch(/<li>: /)
  expect(run.summary).toContain('<p>2 webhooks, 1 with findings.</p>')
  const inventory = JSON.parse(run.outputs.inventory) as { hook_id: number; name: string; url: string; findings: string[] }[]
  expect(inventory.find((hook) => hook.hook_id === legacy.id)).toMatchObject({ name: 'travis', url: '', findings: ['no-secret'] })
})
