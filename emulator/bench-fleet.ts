/**
 * The fleet part of `npm run bench`: the bundled action (`dist/index.js`, run as a runner runs it)
 * running `ensure` over 1,000 repositories of the emulator, each answer delayed by the latency:
 * (a) in sync: the repository list pages and one GET per repository, no write; (b) the first run:
 * one POST per repository, spaced by the throttling plugin's write limiter — at a hundredth of
 * GitHub's one second (`MANAGE_WEBHOOKS_TIME_SCALE=0.01`), since 1,000 s would not be a benchmark —
 * and with `verify`, one verifying ping per hook on a smaller fleet. Each row gives the requests
 * made against the floor the issue sets, the wall time and the step's peak memory (max RSS).
 */
import { startReceiver } from './receiver.js'
import { runStep } from './runner.js'
import { startEmulator, type Emulator } from './server.js'

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
    { token: 'test-token', api_url: emulator.url, repositories: 'octo-org/svc-*', ...inputs },
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
  return { requests: made.length, writes: made.filter((r) => r.method !== 'GET').length, ms, peakMiB: peakKiB / 1024 }
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
  const scaled = { MANAGE_WEBHOOKS_TIME_SCALE: '0.01' }

  const emulator = await startEmulator({ orgs: ['octo-org'], repositories: repositories(count), latencyMs })
  try {
    const first = await step(emulator, { operation: 'ensure', url, events: 'push', verify: 'false' }, scaled)
    const firstFloor = pages(count) + 2 * count
    rows.push({
      path: `first run: ensure creates the hook in ${count} repositories (verify: false; writes at 1/100 of GitHub's spacing)`,
      ...first,
      floor: firstFloor,
      ok: first.requests === firstFloor && first.writes === count
    })
    const inSync = await step(emulator, { operation: 'ensure', url, events: 'push' })
    const syncFloor = pages(count) + count
    rows.push({
      path: `in sync: ensure over ${count} repositories`,
      ...inSync,
      floor: syncFloor,
      maxMs: 8000,
      ok: inSync.requests === syncFloor && inSync.writes === 0 && inSync.ms <= 8000
    })
  } finally {
    await emulator.close()
  }

  const secret = 'bench-fleet-secret'
  const receiver = await startReceiver({ secret })
  const verifiedEmulator = await startEmulator({ orgs: ['octo-org'], repositories: repositories(verifiedCount), latencyMs })
  try {
    const inputs = { operation: 'ensure', url: receiver.url, events: 'push', secret }
    const verified = await step(verifiedEmulator, inputs, scaled)
    // Per repository: list hooks, POST, then the verifying ping: newest delivery, POST …/pings, ≥ 1 poll, GET the delivery.
    const floor = pages(verifiedCount) + 6 * verifiedCount
    rows.push({
      path: `first run, verified: ensure creates and pings the hook in ${verifiedCount} repositories`,
      ...verified,
      floor,
      ok: verified.writes === 2 * verifiedCount && verified.requests >= floor
    })
    const proven = await step(verifiedEmulator, inputs)
    // Per repository: list hooks, list deliveries, GET the delivery that proves the secret.
    const provenFloor = pages(verifiedCount) + 3 * verifiedCount
    rows.push({
      path: `in sync, secret proven: ensure over ${verifiedCount} repositories`,
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
  console.log('\n| fleet path | requests | floor | writes | wall ms | peak MiB | |')
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- |')
  for (const row of rows) {
    const bound = row.maxMs === undefined ? '' : ` (≤ ${row.maxMs} ms)`
    console.log(
      `| ${row.path} | ${row.requests} | ${row.floor} | ${row.writes} | ${row.ms.toFixed(0)}${bound} | ${row.peakMiB.toFixed(0)} | ${row.ok ? '✅' : '❌'} |`
    )
  }
}
