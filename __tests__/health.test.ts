/**
 * Delivery health report (issue "Delivery health report"): `operation: report` end to end through
 * the bundled action against the emulator, on seeded deliveries with a known mix — successes, 5xx,
 * "failed to connect", a guid whose redelivery later succeeded — each figure checked against the mix
 * worked out here by hand; `fail_below` and `fail_on_quiet` fail the step.
 */
import { describe, expect, test } from '@jest/globals'
import { runStep, type StepRun } from '../emulator/runner.js'
import type { HookTarget, StoredDelivery } from '../emulator/server.js'
import type { HookReport } from '../src/report.js'
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
  })
})
