/**
 * `inventory` at organization scale (issue "True to real GitHub"): the job summary of 5,000
 * repositories with one hook each stays under GitHub's 1 MiB per step (GitHub drops a larger one
 * whole), rows past the limit are counted and point to the CSV, which has every hook. Built in-process
 * (the inventory operation's finish, src/operations/inventory.ts, and writeFleetSummary, as the run over targets calls them) rather
 * than through 5,000 HTTP calls, to keep the suite fast; the end-to-end path is inventory-e2e.test.ts.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { parse } from 'csv-parse/sync'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { countResults, type TargetResult, type InventoryHook } from '../src/jobs/index.js'
import type { WebhookRequest } from '../src/model.js'
import { writeFleetSummary } from '../src/report/index.js'
import { OPERATION_TABLE } from '../src/operations.js'

const MIB = 1024 * 1024
const dir = mkdtempSync(join(tmpdir(), 'inventory-scale-'))
const saved = { summary: process.env.GITHUB_STEP_SUMMARY, output: process.env.GITHUB_OUTPUT }
beforeAll(() => {
  process.env.GITHUB_STEP_SUMMARY = join(dir, 'summary.html')
  process.env.GITHUB_OUTPUT = join(dir, 'output.txt')
})
afterAll(() => {
  for (const [name, value] of [
    ['GITHUB_STEP_SUMMARY', saved.summary],
    ['GITHUB_OUTPUT', saved.output]
  ] as const) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
  rmSync(dir, { recursive: true, force: true })
})

/** One repository's one hook; long names and URLs (about 150 characters), every third one failing. */
function hookOf(i: number): InventoryHook {
  const repo = `octo-org/service-with-a-rather-long-repository-name-${String(i).padStart(5, '0')}`
  const failing = i % 3 === 0
  return {
    where: 'repository',
    target: repo,
    hook_id: 400_000_000 + i,
    name: 'web',
    url: `https://hooks-${i}.receivers.example.com/github/webhooks/ingest/v2/${'segment/'.repeat(8)}${i}`,
    host: `hooks-${i}.receivers.example.com`,
    events: ['push', 'pull_request'],
    active: true,
    content_type: 'json',
    insecure_ssl: '0',
    secret_set: i % 2 === 0,
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z',
    last_response: failing
      ? { code: 404, status: 'misconfigured', message: 'Invalid HTTP Response: 404' }
      : { code: 200, status: 'active', message: 'OK' },
    findings: [...(i % 2 === 0 ? [] : (['no-secret'] as const)), ...(failing ? (['failing'] as const) : [])]
  }
}

test('5,000 repositories with a hook each: the job summary stays under 1 MiB and points to the CSV, which has every hook', async () => {
  const count = 5000
  const results: TargetResult[] = Array.from({ length: count }, (_, i) => {
    const hook = hookOf(i)
    const [owner, repo] = hook.target.split('/')
    return {
      target: { scope: 'repo', owner, repo },
      name: hook.target,
      result: 'inventoried',
      ok: true,
      changed: false,
      operation: { message: `1 webhook of repository ${hook.target} inventoried.`, outcome: 'inventoried', inventory: [hook] }
    }
  })
  const csv = join(dir, 'inventory.csv')
  const request = {
    operation: 'inventory',
    targets: { kind: 'repositories', selection: { patterns: [{ text: 'octo-org/*' }] } },
    inventory_file: csv,
    also_org: undefined,
    fail_on: [],
    dry_run: false
  } as unknown as WebhookRequest
  writeFileSync(process.env.GITHUB_STEP_SUMMARY as string, '')
  writeFileSync(process.env.GITHUB_OUTPUT as string, '')

  expect(await OPERATION_TABLE.inventory.finish?.(request, results)).toBeUndefined()
  await writeFleetSummary(request, `${count} repositories selected.`, results, countResults(results), OPERATION_TABLE.inventory)

  const size = statSync(process.env.GITHUB_STEP_SUMMARY as string).size
  expect(size).toBeLessThan(MIB)
  const summary = readFileSync(process.env.GITHUB_STEP_SUMMARY as string, 'utf8')
  expect(summary).toContain('<p>5000 webhooks, 3334 with findings.</p>') // odd (no secret) or a multiple of 3 (failing)
  // Rows past the limit are counted, not written, and the CSV is named.
  const notShown =
    /(\d+) more webhooks \(the least bad\) are not shown here, to keep the job summary under GitHub&#39;s 1 MiB: every hook is in the CSV, (\S+) \(output inventory_file\)/.exec(
      summary
    )
  expect(notShown?.[2]).toBe(csv)
  const written = (summary.match(/<td>repository octo-org\/service/g) ?? []).length
  expect(written + Number(notShown?.[1])).toBe(count)
  // Worst first: a hook with both findings is shown, and the summary ends well-formed.
  expect(summary).toContain('no-secret, failing')
  expect(summary).toMatch(/more repositories not shown here \(those that went well come last\)/)
  expect(summary).not.toMatch(/<td><td>|<td><\/tr>/)
  // The CSV has every hook.
  const rows: unknown[] = parse(readFileSync(csv, 'utf8'), { columns: true })
  expect(rows).toHaveLength(count)
})
