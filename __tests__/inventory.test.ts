/**
 * The webhook inventory (src/jobs/inventory.ts) against the emulator: a hand-made mix of repository and
 * organization hooks where every finding appears and one hook has none; the last responses (an
 * organization hook's from its newest delivery), the orderings and counts, the CSV read back with
 * `csv-parse`, no secret or URL credential anywhere, and the `fail_on` parser.
 */
import { describe, expect, test } from '@jest/globals'
import { parse } from 'csv-parse/sync'
import { createClient } from '../src/github/client.js'
import { findingIds } from '../src/inputs/values.js'
import {
  CSV_COLUMNS,
  FINDINGS,
  findingCounts,
  FINDING_TEXT,
  hostCounts,
  hostLabel,
  inventoryCsv,
  inventoryTarget,
  isFailing,
  lastResponseText,
  readLastResponse,
  SEVERITY,
  worstHooksFirst,
  type InventoryHook
} from '../src/jobs/inventory.js'
import type { Target } from '../src/github/index.js'
import { emulator, emulatorConnection, useEmulator } from './helpers/emulator.js'

useEmulator({}, 'inventory-receiver-s3cret')

const REPO: Target = { scope: 'repo', owner: 'octo-org', repo: 'hello-world' }
const ORG: Target = { scope: 'org', org: 'octo-org' }
const SECRET = 'inventory-hook-S3cret-value'
const CREDENTIAL_URL = 'https://user:pa55@creds.example.net/hook?token=abc123def456'

const client = () => createClient(emulatorConnection(), { retries: 0 })

const ago = (minutes: number): string => new Date(Date.now() - minutes * 60_000).toISOString().replace(/\.\d+Z$/, 'Z')

/** Seeds the mix; returns the hook ids by a short name. */
function seed(): Record<string, number> {
  const repo = { owner: 'octo-org', repo: 'hello-world' }
  const org = { org: 'octo-org' }
  const ids: Record<string, number> = {}
  const add = (name: string, target: typeof repo | typeof org, fields: Parameters<typeof emulator.addHook>[1]) =>
    (ids[name] = emulator.addHook(target, { secret: SECRET, content_type: 'json', ...fields }).id)

  add('clean', repo, { url: 'https://hooks.example.com/clean', events: ['push'] })
  emulator.addDelivery(repo, ids.clean, { status_code: 200, status: 'OK', delivered_at: ago(5) })
  add('allNoSecret', repo, { url: 'https://hooks.example.com/all', events: ['*'], secret: undefined })
  add('insecure', repo, { url: 'https://ci.example.org/hook', insecure_ssl: '1' })
  add('plainFailing', repo, { url: 'http://ci.example.org/plain' })
  emulator.addDelivery(repo, ids.plainFailing, { status_code: 500, status: 'Invalid HTTP Response: 500', delivered_at: ago(3) })
  add('credentials', repo, { url: CREDENTIAL_URL })
  add('inactive', repo, { url: 'https://hooks.example.com/off', active: false }) // never delivered: "unused", not failing
  add('dup1', repo, { url: 'https://hooks.example.com/dup', events: ['push'] })
  add('dup2', repo, { url: 'https://hooks.example.com/dup', events: ['issues'] })
  add('unreachable', repo, { url: 'https://down.example.com/hook' })
  emulator.addDelivery(repo, ids.unreachable, { status_code: 0, status: 'failed to connect', delivered_at: ago(2) })

  add('orgOk', org, { url: 'https://org.example.com/a' })
  emulator.addDelivery(org, ids.orgOk, { status_code: 500, status: 'Invalid HTTP Response: 500', delivered_at: ago(30) })
  emulator.addDelivery(org, ids.orgOk, { status_code: 200, status: 'OK', delivered_at: ago(10) })
  add('orgFailing', org, { url: 'https://org.example.com/b' })
  emulator.addDelivery(org, ids.orgFailing, { status_code: 200, status: 'OK', delivered_at: ago(30) })
  emulator.addDelivery(org, ids.orgFailing, { status_code: 502, status: 'Invalid HTTP Response: 502', delivered_at: ago(10) })
  add('orgNone', org, { url: 'https://org.example.com/c', secret: undefined })
  return ids
}

async function inventoryOfBoth(): Promise<{ ids: Record<string, number>; repo: InventoryHook[]; org: InventoryHook[]; all: InventoryHook[] }> {
  const ids = seed()
  const octokit = client()
  const repo = await inventoryTarget(octokit, REPO)
  const org = await inventoryTarget(octokit, ORG)
  return { ids, repo, org, all: [...repo, ...org] }
}

const byId = (hooks: InventoryHook[], id: number): InventoryHook => {
  const hook = hooks.find((candidate) => candidate.hook_id === id)
  if (!hook) throw new Error(`no hook ${id}`)
  return hook
}

describe('inventoryTarget', () => {
  test('every finding appears, one hook has none; fields and last responses as GitHub gives them', async () => {
    const { ids, repo, org, all } = await inventoryOfBoth()
    expect(repo).toHaveLength(9)
    expect(org).toHaveLength(3)
    const findings = (name: string) => byId(all, ids[name]).findings

    expect(findings('clean')).toEqual([])
    expect(findings('allNoSecret')).toEqual(['no-secret', 'all-events'])
    expect(findings('insecure')).toEqual(['insecure-ssl'])
    expect(findings('plainFailing')).toEqual(['plain-http', 'failing'])
    expect(findings('credentials')).toEqual(['url-credentials'])
    expect(findings('inactive')).toEqual(['inactive'])
    expect(findings('dup1')).toEqual(['duplicate-url'])
    expect(findings('dup2')).toEqual(['duplicate-url'])
    expect(findings('unreachable')).toEqual(['failing'])
    expect(findings('orgOk')).toEqual([])
    expect(findings('orgFailing')).toEqual(['failing'])
    expect(findings('orgNone')).toEqual(['no-secret'])
    // every finding id shows up somewhere
    expect(new Set(all.flatMap((hook) => hook.findings))).toEqual(new Set(FINDINGS))

    expect(byId(repo, ids.clean)).toEqual({
      where: 'repository',
      target: 'octo-org/hello-world',
      hook_id: ids.clean,
      name: 'web',
      url: 'https://hooks.example.com/clean',
      host: 'hooks.example.com',
      events: ['push'],
      active: true,
      content_type: 'json',
      insecure_ssl: '0',
      secret_set: true,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      last_response: { code: 200, status: 'active', message: 'OK' },
      findings: []
    })
    expect(byId(repo, ids.allNoSecret).secret_set).toBe(false)
    expect(byId(repo, ids.insecure).insecure_ssl).toBe('1')
    // GitHub's {code: 422, status: "misconfigured", message: "Invalid HTTP Response: 500"}: the receiver's 500
    expect(byId(repo, ids.plainFailing).last_response).toEqual({ code: 500, status: 'misconfigured', message: 'Invalid HTTP Response: 500' })
    expect(byId(repo, ids.unreachable).last_response).toEqual({ code: null, status: 'misconfigured', message: 'failed to connect' })
    expect(byId(repo, ids.inactive).last_response).toEqual({ code: null, status: 'unused', message: null }) // never delivered: not failing
    expect(byId(repo, ids.credentials).url).toBe('https://***:***@creds.example.net/hook?token=***')
    expect(byId(repo, ids.credentials).host).toBe('creds.example.net')

    // organization hooks: no last_response of their own, so the newest delivery
    const orgOk = byId(org, ids.orgOk)
    expect(orgOk.where).toBe('organization')
    expect(orgOk.target).toBe('octo-org')
    expect(orgOk.last_response).toEqual({ code: 200, status: 'OK', delivered_at: expect.any(String) })
    expect(Date.parse(orgOk.last_response?.delivered_at ?? '')).toBeGreaterThan(Date.now() - 11 * 60_000)
    expect(byId(org, ids.orgFailing).last_response).toEqual({ code: 502, status: 'Invalid HTTP Response: 502', delivered_at: expect.any(String) })
    expect(byId(org, ids.orgNone).last_response).toBeNull()

    // only GETs; one deliveries request (per_page 1) per organization hook
    expect(emulator.requests.every((request) => request.method === 'GET')).toBe(true)
    const deliveries = emulator.requests.filter((request) => request.path.includes('/deliveries'))
    expect(deliveries).toHaveLength(3)
    expect(deliveries.every((request) => request.query.per_page === '1' && request.path.startsWith('/orgs/'))).toBe(true)
  })

  test('no secret and no URL credential in the inventory (JSON) or the CSV', async () => {
    const { all } = await inventoryOfBoth()
    const json = JSON.stringify(all)
    const csv = inventoryCsv(all)
    for (const text of [json, csv]) {
      expect(text).not.toContain(SECRET)
      expect(text).not.toContain('pa55')
      expect(text).not.toContain('abc123def456')
      expect(text).not.toContain('********')
      expect(text).toContain('https://***:***@creds.example.net/hook?token=***')
    }
  })

  test('a GitHub App target is refused', async () => {
    await expect(inventoryTarget(client(), { scope: 'app', app_id: '42' })).rejects.toThrow(/repository and organization webhooks, not GitHub App 42/)
  })
})

describe('orderings and counts', () => {
  test('worstHooksFirst: by worst finding, then by number of findings; hooks without findings last', async () => {
    const { ids, all } = await inventoryOfBoth()
    const order = worstHooksFirst(all).map((hook) => Object.keys(ids).find((name) => ids[name] === hook.hook_id))
    expect(order).toEqual([
      'allNoSecret', // no-secret + all-events: 2 findings
      'orgNone', // no-secret
      'credentials',
      'insecure',
      'plainFailing',
      'unreachable',
      'orgFailing',
      'dup1',
      'dup2',
      'inactive',
      'clean',
      'orgOk'
    ])
    expect(all.map((hook) => hook.hook_id)).toEqual(Object.values(ids)) // the input is not reordered
  })

  test('findingCounts has every finding; hostCounts most first', async () => {
    const { all } = await inventoryOfBoth()
    expect(findingCounts(all)).toEqual({
      'no-secret': 2,
      'insecure-ssl': 1,
      'plain-http': 1,
      'url-credentials': 1,
      inactive: 1,
      failing: 3,
      'duplicate-url': 2,
      'all-events': 1
    })
    expect(findingCounts([])).toEqual(Object.fromEntries(FINDINGS.map((finding) => [finding, 0])))
    expect(hostCounts(all)).toEqual([
      { host: 'hooks.example.com', hooks: 5 },
      { host: 'org.example.com', hooks: 3 },
      { host: 'ci.example.org', hooks: 2 },
      { host: 'creds.example.net', hooks: 1 },
      { host: 'down.example.com', hooks: 1 }
    ])
  })

  test('every finding has a text and a severity rank', () => {
    expect([...SEVERITY].sort()).toEqual([...FINDINGS].sort())
    for (const finding of FINDINGS) expect(FINDING_TEXT[finding]).toMatch(/^\S.*[^.]$/)
  })

  test('isFailing: a never-delivered hook is not failing; no code with a failure status is', () => {
    expect(isFailing(null)).toBe(false)
    expect(isFailing({ code: null, status: 'unused' })).toBe(false)
    expect(isFailing({ code: 204, status: 'active' })).toBe(false)
    expect(isFailing({ code: 199, status: 'failed' })).toBe(true)
    expect(isFailing({ code: 300, status: 'failed' })).toBe(true)
    expect(isFailing({ code: 0, status: 'failed to connect' })).toBe(true)
    expect(isFailing({ code: null, status: 'failed' })).toBe(true)
    // The shapes recorded from GitHub
    expect(isFailing({ code: 0, status: 'unused', message: 'Unused' })).toBe(false)
    expect(isFailing({ code: 422, status: 'misconfigured', message: 'Invalid HTTP Response: 404' })).toBe(true)
    expect(isFailing({ code: 404, status: 'misconfigured', message: 'Invalid HTTP Response: 404' })).toBe(true)
    expect(isFailing({ code: 200, status: 'active', message: 'OK' })).toBe(false)
  })

  test("readLastResponse: the receiver's status from the recorded GitHub shapes, and in words", () => {
    expect(readLastResponse({ code: 422, status: 'misconfigured', message: 'Invalid HTTP Response: 404' })).toEqual({
      code: 404,
      status: 'misconfigured',
      message: 'Invalid HTTP Response: 404'
    })
    expect(readLastResponse({ code: 0, status: 'unused', message: 'Unused' })).toEqual({ code: null, status: 'unused', message: null })
    expect(readLastResponse({ code: null, status: 'unused', message: null })).toEqual({ code: null, status: 'unused', message: null })
    expect(readLastResponse({ code: 200, status: 'active', message: 'OK' })).toEqual({ code: 200, status: 'active', message: 'OK' })
    expect(lastResponseText(readLastResponse({ code: 422, status: 'misconfigured', message: 'Invalid HTTP Response: 404' }))).toBe(
      'misconfigured: Invalid HTTP Response: 404'
    )
    expect(lastResponseText(readLastResponse({ code: 0, status: 'unused', message: 'Unused' }))).toBe('unused')
    expect(lastResponseText({ code: 502, status: 'Invalid HTTP Response: 502', delivered_at: '2024-01-01T00:00:00Z' })).toBe(
      '502 Invalid HTTP Response: 502'
    )
    expect(lastResponseText(null)).toBe('—')
  })

  test('a hook without a URL (a legacy service hook, config {}) is named for what it is', () => {
    const legacy = { host: '', url: '', name: 'travis' }
    expect(hostLabel(legacy)).toBe('no URL (legacy service hook "travis")')
    expect(hostLabel({ ...legacy, name: 'web' })).toBe('no URL')
    expect(hostLabel({ host: '', url: 'not a url', name: 'web' })).toBe('URL that does not parse')
    expect(hostLabel({ host: 'a.example.com', url: 'https://a.example.com/', name: 'web' })).toBe('a.example.com')
  })
})

describe('the last responses recorded from GitHub, through the emulator', () => {
  test('a hook whose receiver answered 404 is failing with 404; "unused" (code null or 0) is not failing', async () => {
    const repo = { owner: 'octo-org', repo: 'hello-world' }
    const notFound = emulator.addHook(repo, { url: 'https://a.example.com/gone', secret: SECRET }).id
    emulator.addDelivery(repo, notFound, { status_code: 404, status: 'Invalid HTTP Response: 404', delivered_at: ago(1) })
    const unusedZero = emulator.addHook(repo, {
      url: 'https://a.example.com/zero',
      secret: SECRET,
      last_response: { code: 0, status: 'unused', message: 'Unused' }
    }).id
    const unusedNull = emulator.addHook(repo, { url: 'https://a.example.com/null', secret: SECRET }).id
    const hooks = await inventoryTarget(client(), REPO)
    expect(byId(hooks, notFound)).toMatchObject({
      findings: ['failing'],
      last_response: { code: 404, status: 'misconfigured', message: 'Invalid HTTP Response: 404' }
    })
    for (const id of [unusedZero, unusedNull]) {
      expect(byId(hooks, id)).toMatchObject({ findings: [], last_response: { code: null, status: 'unused' } })
    }
    const rows: Record<string, string>[] = parse(inventoryCsv(hooks), { columns: true })
    expect(rows.map((row) => [row.last_response_code, row.last_response_status])).toEqual([
      ['404', 'misconfigured'],
      ['', 'unused'],
      ['', 'unused']
    ])
  })
})

describe('inventoryCsv', () => {
  test('cells a spreadsheet would run as a formula are escaped (escape_formulas)', () => {
    const hook = (url: string, host: string): InventoryHook => ({
      where: 'repository',
      target: 'octo-org/=HYPERLINK("x")',
      hook_id: 1,
      name: 'web',
      url,
      host,
      events: ['push'],
      active: true,
      content_type: 'json',
      insecure_ssl: '0',
      secret_set: true,
      created_at: '2024-01-01T00:00:00Z',
      updated_at: '2024-01-01T00:00:00Z',
      last_response: { code: null, status: '@SUM(1)', message: '+1' },
      findings: []
    })
    const rows: Record<string, string>[] = parse(inventoryCsv([hook('https://=1+1.example.com/hook', '=1+1.example.com')]), { columns: true })
    expect(rows[0]).toMatchObject({
      host: "'=1+1.example.com",
      url: 'https://=1+1.example.com/hook',
      last_response_status: "'@SUM(1)",
      last_response_message: "'+1"
    })
    // every cell of every row: none starts with a formula character
    for (const cell of Object.values(rows[0])) expect(cell).not.toMatch(/^[=+\-@\t\r]/)
  })

  test('parsed back with csv-parse, it equals the hooks', async () => {
    const { all } = await inventoryOfBoth()
    const csv = inventoryCsv(all)
    const rows: Record<string, string>[] = parse(csv, { columns: true })
    expect(csv.split('\n')[0]).toBe(CSV_COLUMNS.join(','))
    const back: InventoryHook[] = rows.map((row) => ({
      where: row.where as InventoryHook['where'],
      target: row.target,
      hook_id: Number(row.hook_id),
      name: row.name,
      url: row.url,
      host: row.host,
      events: row.events === '' ? [] : row.events.split(' '),
      active: row.active === 'true',
      content_type: row.content_type,
      insecure_ssl: row.insecure_ssl as '0' | '1',
      secret_set: row.secret_set === 'true',
      created_at: row.created_at,
      updated_at: row.updated_at,
      last_response:
        row.last_response_code === '' && row.last_response_status === ''
          ? null
          : {
              code: row.last_response_code === '' ? null : Number(row.last_response_code),
              status: row.last_response_status === '' ? null : row.last_response_status,
              // repository hooks carry GitHub's message (null when none); organization hooks none
              ...(row.where === 'repository' ? { message: row.last_response_message === '' ? null : row.last_response_message } : {}),
              ...(row.last_delivery_at === '' ? {} : { delivered_at: row.last_delivery_at })
            },
      findings: row.findings === '' ? [] : (row.findings.split(' ') as InventoryHook['findings'])
    }))
    expect(back).toEqual(all)
  })

  test('quotes cells with commas, quotes and new lines; an empty inventory is the header alone', () => {
    const hook: InventoryHook = {
      where: 'organization',
      target: 'octo-org',
      hook_id: 7,
      name: 'web',
      url: 'https://x.example.com/a,b',
      host: 'x.example.com',
      events: ['push'],
      active: true,
      content_type: 'json',
      insecure_ssl: '0',
      secret_set: true,
      created_at: '2024-01-01T00:00:00Z',
      updated_at: '2024-01-01T00:00:00Z',
      last_response: { code: null, status: 'said "no",\nthen left', delivered_at: '2024-01-02T00:00:00Z' },
      findings: ['failing']
    }
    const rows: Record<string, string>[] = parse(inventoryCsv([hook]), { columns: true })
    expect(rows[0]).toMatchObject({ url: hook.url, last_response_status: 'said "no",\nthen left', last_response_code: '' })
    expect(inventoryCsv([])).toBe(CSV_COLUMNS.join(',') + '\n')
  })
})

describe('findingIds (input fail_on)', () => {
  test('commas, spaces and new lines; case-insensitive; FINDINGS order; blank → none', () => {
    expect(findingIds('failing, no-secret\nURL-credentials  no-secret', 'fail_on')).toEqual(['no-secret', 'url-credentials', 'failing'])
    expect(findingIds('  ', 'fail_on')).toEqual([])
  })

  test('an unknown id: the input named, did-you-mean, and what it accepts', () => {
    expect(() => findingIds('no-secrets, failing', 'fail_on')).toThrow(
      `Input 'fail_on' has an unknown finding 'no-secrets' (did you mean 'no-secret'?); it accepts ${FINDINGS.join(', ')}.`
    )
    expect(() => findingIds('insecure_ssl, bogus-thing-entirely', 'fail_on')).toThrow(
      /^Input 'fail_on' has unknown findings 'insecure_ssl' \(did you mean 'insecure-ssl'\?\), 'bogus-thing-entirely'; it accepts/
    )
  })
})
