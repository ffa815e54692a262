/**
 * The fleet part of `npm run bench`: the bundled action (`dist/index.js`, run as a runner runs it)
 * running `ensure` over the emulator's repositories, each answer delayed by the latency.
 * - Within GitHub's limits, at GitHub's pace (`ghes_rate_limit_factor: 1`) with the emulator
 *   enforcing GitHub's documented limits (emulator/limits.ts): 1,000 repositories in sync at the
 *   latency given (the points rule binds: 1,010 points at 900 a minute is about 67 s, the goal is
 *   1.2× of that), and 300 repositories at 400 ms per answer (the CPU-time rule binds). Each row
 *   gives the refusals (goal 0), the busiest minute's points and response time, and the wall time
 *   against the floor the limits allow; and a first rollout creating the hook in 100 repositories
 *   (one write a second binds: about 100 s).
 * - The request floors: a first run (one POST per repository) and a verified first run (GitHub's
 *   creation ping, no second write), both at `ghes_rate_limit_factor: 100` (an Enterprise Server
 *   with raised limits, since 1,000 creations take over two hours at GitHub's 500 an hour), and the
 *   secret-proven rerun.
 * - The primary budget of webhooks as code: `apply` of a file whose one entry changes the events of
 *   the hook of 1,000 repositories (it plans, then re-reads each target's hooks before it writes):
 *   requests sent, those answered 304 to `If-None-Match` (src/github/etags.ts), and the primary requests
 *   spent (the emulator, like GitHub, does not count a 304).
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startReceiver } from './receiver.js'
import { runStep } from './runner.js'
import { GITHUB_LIMITS, startEmulator, type Emulator } from './server.js'

/** One row of the fleet table. */
export interface FleetRow {
  path: string
  /** Requests the emulator received during the step. */
  requests: number
  writes: number
  /** The fewest requests the path can take (list pages + per-repository requests). */
  floor: number
  ms: number
  /** Peak resident memory of the step's process, in MiB. */
  peakMiB: number
  /** Upper bound of the wall time, in ms, when the issue sets one. */
  maxMs?: number
  /** Requests answered 304 Not Modified (not counted against the primary budget), when the path sends conditional requests. */
  notModified?: number
  /** With GitHub's limits enforced: the emulator's refusals, busiest minute (points on one route, summed response time in ms). */
  limits?: { refusals: number; busiestPoints: number; busiestResponseMs: number; floorMs?: number }
  ok: boolean
}

/** Node option that makes the step print its peak RSS (KiB) to stderr as it exits. */
const REPORT_MAX_RSS = `--import=data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss='+process.resourceUsage().maxRSS+'\\n'))`

/** `owner/svc-0000` … : `count` plain repositories of one organization. */
function repositories(count: number): { full_name: string }[] {
  return Array.from({ length: count }, (_, i) => ({ full_name: `octo-org/svc-${String(i).padStart(4, '0')}` }))
}

/** Runs the bundled action once over the emulator's repositories and measures it. */
async function step(emulator: Emulator, inputs: Record<string, string>, env: Record<string, string> = {}) {
  const before = emulator.requests.length
  const started = performance.now()
  const run = await runStep(
    { token: 'test-token', api_url: emulator.url, repositories: 'octo-org/svc-*', ghes_rate_limit_factor: '100', ...inputs },
    { NODE_OPTIONS: REPORT_MAX_RSS, ...env }
  )
  const ms = performance.now() - started
  await emulator.idle()
  if (run.exitCode !== 0)
    throw new Error(
      `fleet step failed:\n${run.stdout
        .split('\n')
        .filter((line) => line.startsWith('::error'))
        .join('\n')}`
    )
  const made = emulator.requests.slice(before)
  const peakKiB = Number(/maxrss=(\d+)/.exec(run.stderr)?.[1] ?? 0)
  return {
    requests: made.length,
    writes: made.filter((r) => r.method !== 'GET').length,
    notModified: made.filter((r) => r.status === 304).length,
    ms,
    peakMiB: peakKiB / 1024
  }
}

/**
 * Runs an in-sync `ensure` over `count` repositories whose hooks are seeded (no HTTP), at GitHub's
 * pace against GitHub's limits, and measures it with the emulator's limit statistics.
 * @param floorMs the least wall time the limits allow, in ms, when the points rule binds
 */
async function withinLimits(count: number, latencyMs: number, floorMs: number | undefined): Promise<FleetRow> {
  const url = 'https://hooks.example.com/fleet'
  const emulator = await startEmulator({ orgs: ['octo-org'], repositories: repositories(count), latencyMs, limits: { ...GITHUB_LIMITS } })
  try {
    for (const { full_name } of repositories(count)) {
      const [owner, repo] = full_name.split('/')
      emulator.addHook({ owner, repo }, { url, events: ['push'], content_type: 'json' })
    }
    const measured = await step(emulator, { operation: 'ensure', url, events: 'push', ghes_rate_limit_factor: '1' })
    const stats = emulator.limitStats()
    const floor = Math.ceil(count / 100) + count
    const maxMs = floorMs === undefined ? undefined : Math.round(floorMs * 1.2)
    return {
      path: `in sync at GitHub's pace and limits: ensure over ${count} repositories, ${latencyMs} ms per answer`,
      ...measured,
      floor,
      maxMs,
      limits: { refusals: stats.refusals, busiestPoints: stats.busiestMinutePoints, busiestResponseMs: stats.busiestMinuteResponseMs, floorMs },
      ok: stats.refusals === 0 && measured.requests === floor && measured.writes === 0 && (maxMs === undefined || measured.ms <= maxMs)
    }
  } finally {
    await emulator.close()
  }
}

/**
 * Creates the hook in `count` repositories (verify: false: one POST each) at GitHub's pace against
 * GitHub's limits: the floor is one write a second.
 */
async function creationsWithinLimits(count: number, latencyMs: number): Promise<FleetRow> {
  const emulator = await startEmulator({ orgs: ['octo-org'], repositories: repositories(count), latencyMs, limits: { ...GITHUB_LIMITS } })
  try {
    const measured = await step(emulator, {
      operation: 'ensure',
      url: 'https://hooks.example.com/fleet',
      events: 'push',
      verify: 'false',
      ghes_rate_limit_factor: '1'
    })
    const stats = emulator.limitStats()
    const floorMs = count * 1000
    const maxMs = Math.round(floorMs * 1.2)
    return {
      path: `first rollout at GitHub's pace and limits: ensure creates the hook in ${count} repositories (verify: false), ${latencyMs} ms per answer`,
      ...measured,
      floor: Math.ceil(count / 100) + 2 * count,
      maxMs,
      limits: { refusals: stats.refusals, busiestPoints: stats.busiestMinutePoints, busiestResponseMs: stats.busiestMinuteResponseMs, floorMs },
      ok: stats.refusals === 0 && measured.writes === count && measured.ms <= maxMs
    }
  } finally {
    await emulator.close()
  }
}

/**
 * Measures the fleet paths.
 * @param latencyMs delay of every emulator answer, in ms
 * @param count repositories of the in-sync and first-run paths (1,000 in the issue)
 * @param verifiedCount repositories of the verified first run
 */
export async function benchFleet(latencyMs: number, count = 1000, verifiedCount = 100): Promise<FleetRow[]> {
  const pages = (n: number): number => Math.ceil(n / 100)
  const rows: FleetRow[] = []
  const url = 'https://hooks.example.com/fleet'

  // The points rule: 1,010 points on one route at 900 a minute.
  rows.push(await withinLimits(count, latencyMs, ((pages(count) + count) / 900) * 60_000))
  rows.push(await withinLimits(300, 400, undefined))
  rows.push(await creationsWithinLimits(100, latencyMs))

  const emulator = await startEmulator({ orgs: ['octo-org'], repositories: repositories(count), latencyMs })
  try {
    const first = await step(emulator, { operation: 'ensure', url, events: 'push', verify: 'false' })
    const firstFloor = pages(count) + 2 * count
    rows.push({
      path: `first run: ensure creates the hook in ${count} repositories (verify: false; ghes_rate_limit_factor: 100)`,
      ...first,
      floor: firstFloor,
      ok: first.requests === firstFloor && first.writes === count
    })
  } finally {
    await emulator.close()
  }

  // Webhooks as code: apply changes the events of every repository's hook.
  const asCode = await startEmulator({ orgs: ['octo-org'], repositories: repositories(count), latencyMs })
  try {
    for (const { full_name } of repositories(count)) {
      const [owner, repo] = full_name.split('/')
      asCode.addHook({ owner, repo }, { url, events: ['push'], content_type: 'json' })
    }
    const file = join(mkdtempSync(join(tmpdir(), 'bench-as-code-')), 'webhooks.yml')
    writeFileSync(file, `hooks:\n  - name: fleet\n    url: ${url}\n    events: [push, pull_request]\n    repositories: ['octo-org/svc-*']\n`)
    const applied = await step(asCode, { operation: 'apply', file, verify: 'false', repositories: '' })
    // Plan: list pages + 1 list per repository; apply: 1 re-read (304) + 1 PATCH per repository.
    const floor = pages(count) + 3 * count
    rows.push({
      path: `webhooks as code: apply changes the events of ${count} repositories' hook (plan, then re-read with If-None-Match, then PATCH); primary spent = requests − 304s`,
      ...applied,
      floor,
      ok: applied.requests === floor && applied.writes === count && applied.notModified === count
    })
  } finally {
    await asCode.close()
  }

  const secret = 'bench-fleet-secret'
  const receiver = await startReceiver({ secret })
  const verifiedEmulator = await startEmulator({ orgs: ['octo-org'], repositories: repositories(verifiedCount), latencyMs })
  try {
    const inputs = { operation: 'ensure', url: receiver.url, events: 'push', secret }
    const verified = await step(verifiedEmulator, inputs)
    // Per repository: list hooks, POST, ≥ 1 poll for GitHub's creation ping, GET that delivery: one write.
    const floor = pages(verifiedCount) + 4 * verifiedCount
    rows.push({
      path: `first run, verified by GitHub's creation pings: ensure creates the hook in ${verifiedCount} repositories (ghes_rate_limit_factor: 100)`,
      ...verified,
      floor,
      ok: verified.writes === verifiedCount && verified.requests >= floor
    })
    const proven = await step(verifiedEmulator, inputs)
    // Per repository: list hooks, list deliveries, GET the delivery that proves the secret.
    const provenFloor = pages(verifiedCount) + 3 * verifiedCount
    rows.push({
      path: `in sync, secret proven from the creation pings: ensure over ${verifiedCount} repositories`,
      ...proven,
      floor: provenFloor,
      ok: proven.requests === provenFloor && proven.writes === 0
    })
  } finally {
    await verifiedEmulator.close()
    await receiver.close()
  }
  return rows
}

/** Prints the fleet rows as a Markdown table. */
export function printFleet(rows: readonly FleetRow[]): void {
  console.log('\n| fleet path | requests | floor | writes | 304 (primary spent) | wall ms | refused | busiest minute | peak MiB | |')
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |')
  for (const row of rows) {
    const bound = row.maxMs === undefined ? '' : ` (≤ ${row.maxMs}: 1.2× the floor ${Math.round(row.limits?.floorMs ?? 0)})`
    const limits = row.limits
    const busiest = limits
      ? `${limits.busiestPoints} points on one route, ${(limits.busiestResponseMs / 1000).toFixed(1)} s of response time`
      : 'not enforced'
    console.log(
      `| ${row.path} | ${row.requests} | ${row.floor} | ${row.writes} | ${row.notModified ? `${row.notModified} (${row.requests - row.notModified})` : '0'} | ${row.ms.toFixed(0)}${bound} | ${limits?.refusals ?? ''} | ${busiest} | ${row.peakMiB.toFixed(0)} | ${row.ok ? '✅' : '❌'} |`
    )
  }
}
