/**
 * Delivery health report (issue "Delivery health report"): `operation: report` end to end through
 * the bundled action against the emulator, on seeded deliveries with a known mix — successes, 5xx,
 * "failed to connect", a guid whose redelivery later succeeded — each figure checked against the mix
 * worked out here by hand; `fail_below` and `fail_on_quiet` fail the step. The charts of a fleet
 * report span the whole run: every delivery the table counts, of any repository, is charted.
 */
import { describe, expect, test } from '@jest/globals'
import { readFileSync, writeFileSync } from 'node:fs'
import { runStep, type StepRun } from '../emulator/runner.js'
import type { HookTarget, StoredDelivery } from '../emulator/server.js'
import { countResults, type TargetResult } from '../src/jobs/index.js'
import { getRequest } from '../src/inputs/index.js'
import type { DeliveryItem } from '../src/model.js'
import { writeFleetSummary } from '../src/report/index.js'
import { OPERATION_TABLE, operationModule } from '../src/operations.js'
import { hookReport, type HookReport, type ReportWindow } from '../src/jobs/health.js'
import { runAction } from './helpers/action.js'
import { emulator, useEmulator } from './helpers/emulator.js'

useEmulator({ repos: ['octo-org/hello-world', 'octo-org/other'] }, 'unused')

const REPO: HookTarget = { owner: 'octo-org', repo: 'hello-world' }
const base = { token: 'test-token', repository: 'octo-org/hello-world' }
const minutesAgo = (n: number): string => new Date(Date.now() - n * 60_000).toISOString().replace(/\.\d+Z$/, 'Z')

/**
 * The mix, oldest first: g1 succeeds; g2 fails with 502 and its redelivery succeeds; g3 cannot
 * connect; g4 answers 500 (the newest). Plus an older delivery outside the window, a quiet hook and
 * an inactive one.
 */
function seedMix() {
  const busy = emulator.addHook(REPO, { url: 'https://hooks.example.com/busy', created_at: '2026-01-02T03:04:05Z' })
  const quiet = emulator.addHook(REPO, { url: 'https://hooks.example.com/quiet', created_at: '2026-01-02T03:04:05Z' })
  const idle = emulator.addHook(REPO, { url: 'https://hooks.example.com/idle', active: false, created_at: '2026-01-02T03:04:05Z' })
  const add = (fields: Parameters<typeof emulator.addDelivery>[2]): StoredDelivery => emulator.addDelivery(REPO, busy.id, fields)
  const old = add({ guid: 'g0', status_code: 500, delivered_at: minutesAgo(30 * 60), duration: 9 }) // 30 h ago: outside a 24 h window
  const mix = [
    add({ guid: 'g1', status_code: 200, event: 'push', delivered_at: minutesAgo(60), duration: 0.2 }),
    add({ guid: 'g2', status_code: 502, event: 'issues', delivered_at: minutesAgo(50), duration: 1 }),
    add({ guid: 'g3', status_code: 0, event: 'push', delivered_at: minutesAgo(40), duration: 10 }),
    add({ guid: 'g2', status_code: 200, event: 'issues', redelivery: true, delivered_at: minutesAgo(30), duration: 0.4 }),
    add({ guid: 'g4', status_code: 500, event: 'push', delivered_at: minutesAgo(20), duration: 2 })
  ]
  emulator.addDelivery(REPO, idle.id, { guid: 'i1', status_code: 200, delivered_at: minutesAgo(10), duration: 0.1 })
  return { busy, quiet, idle, mix, old }
}

const reportOf = (run: StepRun): HookReport[] => JSON.parse(run.outputs.report) as HookReport[]

/**
 * The deliveries chart of a job summary, read back: per hour label, all deliveries (the first `bar`)
 * and the failed ones (the second).
 */
function chartedDeliveries(summary: string): { all: Map<string, number>; failed: Map<string, number> } {
  const block = /```mermaid\nxychart-beta\n(?:.*\n)*?```/.exec(summary)?.[0] ?? ''
  const hours = /x-axis "[^"]*" \[(.*)\]/.exec(block)?.[1].slice(1, -1).split('", "') ?? []
  const bars = [...block.matchAll(/bar \[(.*)\]/g)].map((match) => match[1].split(', ').map(Number))
  expect(bars).toHaveLength(2)
  const byHour = (values: number[]): Map<string, number> =>
    new Map(hours.map((hour, index) => [hour, values[index]] as const).filter(([, n]) => n > 0))
  return { all: byHour(bars[0]), failed: byHour(bars[1]) }
}

/** Deliveries by their hour's label (`HH:00`, UTC), as a chart of at most 24 hours names them. */
function byHourLabel(deliveries: readonly { delivered_at: string }[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const { delivered_at } of deliveries) {
    const hour = `${new Date(delivered_at).toISOString().slice(11, 13)}:00`
    counts.set(hour, (counts.get(hour) ?? 0) + 1)
  }
  return counts
}

const total = (counts: Map<string, number>): number => [...counts.values()].reduce((sum, n) => sum + n, 0)

describe('report', () => {
  test('every figure of a hook with a known mix of deliveries; quiet and inactive hooks flagged; charts in the summary (bundled action)', async () => {
    const { busy, quiet, idle, mix } = seedMix()
    const before = emulator.requests.length
    const run = await runStep({ ...base, api_url: emulator.url, operation: 'report', since: '24h' })
    expect(run.exitCode).toBe(0)
    const byId = Object.fromEntries(reportOf(run).map((report) => [report.hook_id, report]))
    const failed = mix.filter((d) => d.guid === 'g3' || d.guid === 'g4')
    const sorted = mix.map((d) => d.duration).sort((a, b) => a - b) // nearest rank: p50 the 3rd of 5, p95 the 5th
    expect(byId[busy.id]).toMatchObject({
      url: 'https://hooks.example.com/busy',
      deliveries: 5, // g0 is outside the window
      guids: 4,
      failed_guids: 2, // g3 and g4; g2's redelivery succeeded
      success_rate: 0.5,
      duration_p50: sorted[2],
      duration_p95: sorted[4],
      duration_max: 10,
      last_success: mix[3].delivered_at,
      failing_streak: 1, // g4, then g2's successful redelivery
      failures_by_status: {
        [`${mix[1].status_code} ${mix[1].status}`]: 1,
        [`${failed[0].status_code} ${failed[0].status}`]: 1,
        [`${failed[1].status_code} ${failed[1].status}`]: 1
      },
      by_event: { push: 3, issues: 2 },
      inactive: false,
      quiet: false
    })
    expect(byId[quiet.id]).toMatchObject({ deliveries: 0, guids: 0, success_rate: null, quiet: true, last_success: null })
    expect(byId[idle.id]).toMatchObject({ deliveries: 1, success_rate: 1, inactive: true, quiet: false })
    // Worst first: the failing hook leads.
    expect(reportOf(run)[0].hook_id).toBe(busy.id)
    expect(Number(run.outputs.success_rate)).toBeCloseTo(3 / 5) // g1, g2, i1 of g1–g4 and i1
    expect(JSON.parse(run.outputs.failing_hooks)).toEqual([expect.objectContaining({ hook_id: busy.id, failed_guids: 2, failing_streak: 1 })])
    // Read only: one list of hooks, one page of deliveries per hook.
    const made = emulator.requests.slice(before)
    expect(made.every((r) => r.method === 'GET')).toBe(true)
    expect(made).toHaveLength(4)
    expect(run.summary.match(/```mermaid\nxychart-beta/g)).toHaveLength(2)
    expect(run.summary).toContain('https://hooks.example.com/busy')
  })

  test('fail_below and fail_on_quiet fail the step, naming the hooks; the outputs are still set', async () => {
    const { busy, quiet } = seedMix()
    const inputs = { ...base, api_url: emulator.url, operation: 'report' }
    const below = await runAction({ ...inputs, url: 'https://hooks.example.com/busy', fail_below: '0.9' })
    expect(below.exitCode).toBe(1)
    // Workflow commands escape % as %25; the runner shows it as %.
    expect(below.stdout.replace(/%25/g, '%')).toContain(
      `::error::webhook ${busy.id} of repository octo-org/hello-world: success rate 50 % is below fail_below (90 %)`
    )
    expect(reportOf(below)).toHaveLength(1)
    const passes = await runAction({ ...inputs, url: 'https://hooks.example.com/busy', fail_below: '0.5' })
    expect(passes.exitCode).toBe(0)
    const silent = await runAction({ ...inputs, fail_on_quiet: 'true' })
    expect(silent.exitCode).toBe(1)
    expect(silent.stdout).toContain(`webhook ${quiet.id} of repository octo-org/hello-world: no delivery since`)
  })

  test('over a fleet: one entry per hook of every repository, worst first, and the failing ones listed (bundled action)', async () => {
    const other: HookTarget = { owner: 'octo-org', repo: 'other' }
    const good = emulator.addHook(REPO, { url: 'https://hooks.example.com/good' })
    const bad = emulator.addHook(other, { url: 'https://hooks.example.com/bad' })
    emulator.addDelivery(REPO, good.id, { guid: 'ok', status_code: 200, delivered_at: minutesAgo(5) })
    emulator.addDelivery(other, bad.id, { guid: 'lost', status_code: 0, delivered_at: minutesAgo(5) })
    const run = await runStep({
      token: 'test-token',
      repository: '',
      repositories: 'octo-org/hello-world, octo-org/other',
      api_url: emulator.url,
      operation: 'report'
    })
    expect(run.exitCode).toBe(0)
    expect(reportOf(run).map((report) => [report.target, report.hook_id, report.success_rate])).toEqual([
      ['repository octo-org/other', bad.id, 0],
      ['repository octo-org/hello-world', good.id, 1]
    ])
    expect(run.outputs.success_rate).toBe('0.5')
    expect(JSON.parse(run.outputs.failing_hooks)).toEqual([expect.objectContaining({ target: 'repository octo-org/other', failed_guids: 1 })])
    expect(run.summary.match(/```mermaid/g)).toHaveLength(2)
    // The chart counts what the table counts, over both repositories.
    expect(total(chartedDeliveries(run.summary).all)).toBe(reportOf(run).reduce((sum, report) => sum + report.deliveries, 0))
  })

  test('the charts of a fleet report span the whole run: every delivery a repository counts is charted, whichever repository ended its window first', async () => {
    // Each repository's window ends when its report starts; in a long fleet run (hundreds of
    // repositories at GitHub's pace, a wait for the rate limit) the windows end hours apart.
    const since = new Date('2026-06-12T06:30:00Z')
    const early: ReportWindow = { since, until: new Date('2026-06-12T08:10:00Z') }
    const late: ReportWindow = { since, until: new Date('2026-06-12T11:20:00Z') }
    let id = 1
    const item = (delivered_at: string, status_code: number): DeliveryItem =>
      ({
        id: id++,
        guid: `g${id}`,
        delivered_at,
        status_code,
        status: status_code === 200 ? 'OK' : 'Bad Gateway',
        duration: 0.5,
        event: 'push',
        action: null,
        redelivery: false,
        installation_id: null,
        repository_id: null
      }) as DeliveryItem
    const repositories = [
      // The first repository: its window ends at 08:10; its 09:00 delivery came after, so it is not in its figures.
      {
        repo: 'hello-world',
        window: early,
        deliveries: [item('2026-06-12T06:45:00Z', 200), item('2026-06-12T07:50:00Z', 502), item('2026-06-12T09:00:00Z', 200)]
      },
      // The second one started hours later: its deliveries at 09:30 and 10:55 are in its figures.
      {
        repo: 'other',
        window: late,
        deliveries: [
          item('2026-06-12T07:15:00Z', 200),
          item('2026-06-12T09:30:00Z', 502),
          item('2026-06-12T10:55:00Z', 200),
          item('2026-06-12T11:30:00Z', 200)
        ]
      }
    ]
    const results: TargetResult[] = repositories.map(({ repo, window, deliveries }, index) => {
      const hooks = [
        hookReport(
          { target: `repository octo-org/${repo}`, hook_id: index + 1, url: `https://hooks.example.com/${repo}`, active: true },
          deliveries,
          window
        )
      ]
      return {
        target: { scope: 'repo', owner: 'octo-org', repo },
        name: `octo-org/${repo}`,
        result: 'reported',
        ok: true,
        changed: false,
        operation: { message: '', outcome: 'reported', report: { hooks, deliveries, window } }
      }
    })
    const inputs: Record<string, string> = { operation: 'report', repositories: 'octo-org/hello-world, octo-org/other', token: 'test-token' }
    const request = getRequest(OPERATION_TABLE, (name) => inputs[name] ?? '', {})
    const file = process.env.GITHUB_STEP_SUMMARY as string
    writeFileSync(file, '')
    await writeFleetSummary(request, 'Selected 2 repositories.', results, countResults(results), operationModule(request.operation))
    const charted = chartedDeliveries(readFileSync(file, 'utf8'))

    // What the table counts: each repository's deliveries within its own window.
    const counted = repositories.flatMap(({ window, deliveries }) =>
      deliveries.filter((d) => Date.parse(d.delivered_at) >= window.since.getTime() && Date.parse(d.delivered_at) < window.until.getTime())
    )
    const tableTotal = results.flatMap((result) => result.operation?.report?.hooks ?? []).reduce((sum, hook) => sum + hook.deliveries, 0)
    expect(counted).toHaveLength(tableTotal)
    expect(total(charted.all)).toBe(tableTotal)
    expect(charted.all).toEqual(byHourLabel(counted))
    expect(charted.failed).toEqual(byHourLabel(counted.filter((d) => d.status_code !== 200)))
  })
})
