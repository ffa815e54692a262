/**
 * `npm run bench [-- --latency MS] [-- --runs N] [-- --sim-runs N] [-- --model-runs N] [-- --cold-only | --fleet-only | --sim-only | --model-only]`:
 * the pacer's simulation against a model of GitHub's limits (./pacing-sim.ts), then what each operation costs against the local
 * emulator with an injected latency (default 50 ms per API answer): requests, writes and wall time;
 * the ensure and delivery paths the issues set targets for; how soon a ping's verdict follows its
 * delivery; the fleet paths over 1,000 repositories (./bench-fleet.ts); and the cold start of
 * `dist/index.js` (median of several `list` runs) next to a github-script-like baseline, the same
 * baseline with plugin-retry, and `node -e 0`; and the model-based test of plan / apply / export
 * (__tests__/apply-model.test.ts) over `--model-runs` sequences (default 1000, `npm test` runs 20).
 * Not a test: it prints figures, and exits 1 only if a path misses its request-count target or the
 * model-based test finds a failure (its seed and path are printed).
 */
import fc from 'fast-check'
import { spawn, spawnSync } from 'node:child_process'
import { checkRun, floorOf, simulate, workloadArbitrary, type Workload } from './pacing-sim.js'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createClient } from '../src/github/client.js'
import { getRequest } from '../src/inputs/input-helper.js'
import type { OperationResult } from '../src/jobs/index.js'
import { OPERATION_TABLE, operationModule } from '../src/operations.js'
import { runOnTarget } from '../src/operations/run.js'
import { benchFleet, printFleet, type FleetRow } from './bench-fleet.js'
import { startReceiver } from './receiver.js'
import { DIST_ENTRY, runStep } from './runner.js'
import { startEmulator, type Emulator, type HookTarget } from './server.js'

const argument = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`)
  return at < 0 ? fallback : Number(process.argv[at + 1])
}
const LATENCY_MS = argument('latency', 50)
const COLD_RUNS = argument('runs', 7)
/** `--cold-only`: measure only the cold start (the comparison with the baseline). */
const COLD_ONLY = process.argv.includes('--cold-only')
/** `--fleet-only`: measure only the fleet paths. */
const FLEET_ONLY = process.argv.includes('--fleet-only')
/** `--model-only`: run only the model-based test of plan / apply / export. */
const MODEL_ONLY = process.argv.includes('--model-only')
const MODEL_RUNS = argument('model-runs', 1000)

/**
 * Runs the model-based test of plan / apply / export (__tests__/apply-model.test.ts) with
 * `MANAGE_WEBHOOKS_FC_RUNS` sequences, in one jest worker; prints its verdict and wall time, and on a
 * failure jest's report (fast-check's seed, path and shrunk sequence).
 * @returns true when every sequence kept the invariants
 */
function benchModel(runs: number): boolean {
  const started = performance.now()
  const jest = fileURLToPath(new URL('../node_modules/jest/bin/jest.js', import.meta.url))
  const test = fileURLToPath(new URL('../__tests__/apply-model.test.ts', import.meta.url))
  const done = spawnSync(process.execPath, ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning', jest, test, '--maxWorkers=1'], {
    encoding: 'utf8',
    env: { ...process.env, MANAGE_WEBHOOKS_FC_RUNS: String(runs) },
    cwd: fileURLToPath(new URL('..', import.meta.url))
  })
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  const ok = done.status === 0
  console.log(`
model-based plan / apply / export: ${runs} sequences in ${seconds} s, ${ok ? 'every invariant held ✅' : 'FAILED ❌'}`)
  if (!ok) console.error(`${done.stdout}${done.stderr}`)
  return ok
}
const SECRET = 'bench-secret'
/** The references of the cold-start comparison: the github-script-like baseline, then the same with plugin-retry. */
const BASELINES = [
  { name: 'baseline (getOctokit(token).rest.repos.listWebhooks, ncc-bundled)', source: './baseline/list-webhooks.ts' },
  { name: 'baseline + plugin-retry', source: './baseline/list-webhooks-plugins.ts' }
].map(({ name, source }) => ({ name, source: fileURLToPath(new URL(source, import.meta.url)) }))
const REPO: HookTarget = { owner: 'octo-org', repo: 'hello-world' }

interface Row {
  path: string
  requests: number
  writes: number
  ms: number
  target?: string
  ok?: boolean
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

/** Runs one operation in-process (the action's own request building, client and dispatch) and measures it. */
async function measure(
  emulator: Emulator,
  path: string,
  inputs: Record<string, string>,
  target?: { requests: number; writes: number }
): Promise<[Row, OperationResult]> {
  const all: Record<string, string> = { repository: 'octo-org/hello-world', token: 'test-token', api_url: emulator.url, ...inputs }
  const request = getRequest(OPERATION_TABLE, (name) => all[name] ?? '', {})
  const before = emulator.requests.length
  const started = performance.now()
  if (request.targets.kind !== 'one') throw new Error('bench: one repository expected')
  const client = createClient(request.connection, { retries: 3 })
  const result = await runOnTarget(operationModule(request.operation), client, request.targets.target, request)
  const ms = performance.now() - started
  const made = emulator.requests.slice(before)
  const writes = made.filter((r) => r.method !== 'GET').length
  const row: Row = { path, requests: made.length, writes, ms }
  if (target) {
    row.target = `${target.requests} (${target.writes} writes)`
    row.ok = made.length === target.requests && writes === target.writes
  }
  return [row, result]
}

/** Median wall time of a command, in ms. */
async function timeCommand(command: string, args: string[], runs: number): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    await new Promise<void>((resolve, reject) =>
      spawn(command, args, { stdio: 'ignore' })
        .on('close', () => resolve())
        .on('error', reject)
    )
    times.push(performance.now() - started)
  }
  return median(times)
}

/**
 * `--sim-only` (and every full run): the pacer's simulation (./pacing-sim.ts) over `--sim-runs N`
 * generated workloads (default 2,000), far more than `npm test` runs; prints the seed and path of a
 * failure, and its broken invariants.
 */
async function simulation(): Promise<boolean> {
  const runs = argument('sim-runs', 2000)
  const started = performance.now()
  const result = await fc.check(
    fc.asyncProperty(workloadArbitrary(), async (workload) => {
      const broken = checkRun(await simulate(workload))
      if (broken.length > 0) throw new Error(broken.join('; '))
    }),
    { numRuns: runs }
  )
  const seconds = ((performance.now() - started) / 1000).toFixed(0)
  console.log(
    result.failed ? (fc.defaultReportMessage(result) ?? 'failed') : `pacer simulation: ${runs} workloads, every invariant held (${seconds} s)`
  )
  // Fixed workloads on the virtual clock: the scheduler's own time against the floor.
  const base = { refusals: [], primary: { limit: 5000, window_s: 3600 }, seed: 1 }
  const fixed = (targets: number, method: 'GET' | 'POST', answer: number, rate_limit_wait = 600): Workload => ({
    ...base,
    targets,
    patterns: [[{ method, path: '/hooks' }]],
    answer_ms: { lo: answer, hi: answer },
    rate_limit_wait
  })
  const cases: [string, Workload][] = [
    ['1,000 in sync (GET, 50 ms)', fixed(1000, 'GET', 50)],
    ['300 at 400 ms (GET)', fixed(300, 'GET', 400)],
    ['100 creations (50 ms)', fixed(100, 'POST', 50)],
    ['600 creations, rate_limit_wait 600 s', fixed(600, 'POST', 50)],
    ['600 creations, rate_limit_wait 3600 s', fixed(600, 'POST', 50, 3600)]
  ]
  for (const [name, workload] of cases) {
    const run = await simulate(workload)
    const done = run.ends.filter((end) => end === 'done').length
    const stopped = run.ends.filter((end) => end.startsWith('stopped')).length
    const floor = floorOf(run)
    console.log(
      `virtual clock, ${name}: ${(run.elapsed_ms / 1000).toFixed(1)} s for ${done} done${stopped ? `, ${stopped} stopped` : ''}; floor ${(floor / 1000).toFixed(1)} s (${(run.elapsed_ms / floor).toFixed(2)}×), ${run.received.filter((request) => request.refused).length} refused`
    )
  }
  return !result.failed
}

async function main(): Promise<number> {
  if (process.argv.includes('--sim-only')) return (await simulation()) ? 0 : 1
  const simulated = COLD_ONLY || FLEET_ONLY || MODEL_ONLY ? true : await simulation()
  // The action's workflow commands (::debug:: per request, ::add-mask::) are noise here.
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
    chunk.toString().startsWith('::') ? true : write(chunk, ...rest)) as typeof process.stdout.write
  const emulator = await startEmulator({ latencyMs: LATENCY_MS })
  const receiver = await startReceiver({ secret: SECRET })
  const url = receiver.url
  const rows: Row[] = []
  const add = async (path: string, inputs: Record<string, string>, target?: { requests: number; writes: number }) => {
    const [row, result] = await measure(emulator, path, inputs, target)
    rows.push(row)
    await emulator.idle()
    return result
  }

  const verdictGaps: number[] = []
  if (MODEL_ONLY) {
    await receiver.close()
    await emulator.close()
    return benchModel(MODEL_RUNS) ? 0 : 1
  }
  if (FLEET_ONLY) {
    await receiver.close()
    await emulator.close()
    const fleet = await benchFleet(LATENCY_MS)
    printFleet(fleet)
    return fleet.every((row) => row.ok) ? 0 : 1
  }
  if (!COLD_ONLY) {
    for (let i = 0; i < 4; i++) emulator.addHook(REPO, { url: `https://example.com/other/${i}` })
    const created = await add('create', { operation: 'create', url, secret: SECRET })
    const hook_id = String(created.hook_id)
    await add('list (5 hooks)', { operation: 'list' })
    await add('get (by url)', { operation: 'get', url })
    await add('update events (by url)', { operation: 'update', url, events: 'push, issues' })
    await add('get-config (by hook_id)', { operation: 'get-config', hook_id })
    await add('update-config content_type (by hook_id)', { operation: 'update-config', hook_id, content_type: 'json' })
    await add('ping, wait: false', { operation: 'ping', hook_id, wait: 'false' })
    const pinged = await add('ping with verdict (receiver answers at once)', { operation: 'ping', hook_id }, { requests: 4, writes: 1 })
    await add('test with verdict', { operation: 'test', hook_id })
    await add('list-deliveries', { operation: 'list-deliveries', hook_id })
    await add('get-delivery', { operation: 'get-delivery', hook_id, delivery_id: String(pinged.delivery_id) })
    await add('redeliver', { operation: 'redeliver', hook_id, delivery_id: String(pinged.delivery_id) })

    // ensure: the issue's cost targets
    const ensured = { operation: 'ensure', url: 'https://example.com/ensured', events: 'push', verify: 'false' }
    await add('ensure: absent → created (verify: false)', ensured, { requests: 2, writes: 1 })
    await add('ensure: in sync, no secret', ensured, { requests: 1, writes: 0 })
    await add(
      'ensure: in sync, secret proven',
      { operation: 'ensure', hook_id, url, events: 'push, issues', secret: SECRET },
      { requests: 3, writes: 0 }
    )
    const moving = emulator.addHook(REPO, { url: 'https://example.com/old', events: ['push'], content_type: 'form' })
    await add(
      'ensure: update events and content_type (by hook_id)',
      { operation: 'ensure', hook_id: String(moving.id), events: 'push, release' },
      { requests: 3, writes: 2 }
    )
    const verified = { operation: 'ensure', url: `${url}?verified`, events: 'push', secret: SECRET }
    await add('ensure: absent → created, verified by a ping', verified)
    await add('ensure: the rerun proves the secret from that ping', verified, { requests: 3, writes: 0 })
    await add('ensure-absent: deleted', { operation: 'ensure-absent', url: 'https://example.com/ensured' })
    await add('delete (by hook_id)', { operation: 'delete', hook_id: String(moving.id) })

    // redeliver-failed over 1,000 deliveries with 50 failed guids
    const history = emulator.addHook(REPO, { url, secret: SECRET, content_type: 'json' })
    for (let i = 0; i < 1000; i++) {
      const failed = i % 20 === 0
      emulator.addDelivery(REPO, history.id, {
        guid: `guid-${i}`,
        status_code: failed ? 502 : 200,
        delivered_at: new Date(Date.now() - (1000 - i) * 60_000).toISOString().replace(/\.\d+Z$/, 'Z')
      })
    }
    await add(
      'redeliver-failed (1,000 deliveries, 50 failed guids)',
      { operation: 'redeliver-failed', hook_id: String(history.id), since: '7d' },
      { requests: 60, writes: 50 }
    )

    // How soon the verdict follows the delivery: the receiver notes when the ping arrives.
    const arrivals: number[] = []
    for (let i = 0; i < 3; i++) {
      const seen = receiver.received.length
      const watcher = setInterval(() => receiver.received.length > seen && arrivals.length <= i && arrivals.push(performance.now()), 5)
      await measure(emulator, 'ping', { operation: 'ping', hook_id })
      clearInterval(watcher)
      verdictGaps.push(performance.now() - arrivals[i])
    }
  }

  const fleet: FleetRow[] = COLD_ONLY ? [] : await benchFleet(LATENCY_MS)

  // Cold start of the bundled action (a `list` step, as a runner runs it) next to the baselines
  // (what actions/github-script does inside, bundled the same way; then with the plugins) and a
  // bare node, interleaved.
  const baselineDir = mkdtempSync(join(tmpdir(), 'manage-webhooks-baseline-'))
  const baselines = BASELINES.map((baseline, i) => {
    const out = join(baselineDir, String(i))
    const built = spawnSync('npx', ['ncc', 'build', baseline.source, '-o', out], { stdio: 'ignore' })
    if (built.status !== 0) throw new Error(`could not build ${baseline.source} with ncc`)
    return { ...baseline, entry: join(out, 'index.js'), times: [] as number[] }
  })
  const stepTimes: number[] = []
  const listInputs = { operation: 'list', repository: 'octo-org/hello-world', token: 'test-token', api_url: emulator.url }
  const timeStep = async (times: number[], entry?: string) => {
    const started = performance.now()
    const run = await runStep(listInputs, {}, process.execPath, entry)
    if (run.exitCode !== 0) throw new Error(`the cold-start step ${entry ?? DIST_ENTRY} failed: ${run.stdout}${run.stderr}`)
    times.push(performance.now() - started)
  }
  for (let i = 0; i < COLD_RUNS; i++) {
    await timeStep(stepTimes)
    for (const baseline of baselines) await timeStep(baseline.times, baseline.entry)
  }
  rmSync(baselineDir, { recursive: true, force: true })
  const bare = await timeCommand(process.execPath, ['-e', '0'], COLD_RUNS)
  const importOnly = await timeCommand(process.execPath, ['-e', `import(${JSON.stringify(DIST_ENTRY)}).catch(() => {})`], COLD_RUNS)

  await receiver.close()
  await emulator.close()

  console.log(`manage-webhooks benchmark — emulator latency ${LATENCY_MS} ms per answer, Node ${process.version}\n`)
  if (rows.length > 0) {
    console.log('| path | requests | writes | wall ms | target |')
    console.log('| --- | ---: | ---: | ---: | --- |')
  }
  for (const row of rows) {
    const target = row.target ? `${row.target} ${row.ok ? '✅' : '❌'}` : ''
    console.log(`| ${row.path} | ${row.requests} | ${row.writes} | ${row.ms.toFixed(0)} | ${target} |`)
  }
  if (fleet.length > 0) printFleet(fleet)
  if (verdictGaps.length > 0)
    console.log(`\nping verdict after the delivery reached the receiver: ${verdictGaps.map((gap) => gap.toFixed(0)).join(', ')} ms (bound: 1000 ms)`)
  const step = median(stepTimes)
  const references = baselines.map(({ name, times }) => `${name} ${median(times).toFixed(0)} ms (ratio ${(step / median(times)).toFixed(2)}×)`)
  console.log(
    `cold start, median of ${COLD_RUNS}, each incl. 1 request at ${LATENCY_MS} ms: dist/index.js list step ${step.toFixed(0)} ms; ${references.join('; ')}; loading dist/index.js with no inputs ${importOnly.toFixed(0)} ms; node -e 0 ${bare.toFixed(0)} ms`
  )
  const model = COLD_ONLY ? true : benchModel(MODEL_RUNS)
  const missed = [...rows, ...fleet].filter((row) => row.ok === false)
  if (!simulated) return 1
  if (missed.length > 0 || verdictGaps.some((gap) => gap > 1000)) {
    console.error(`\nmissed targets: ${missed.map((row) => row.path).join(', ') || 'verdict bound'}`)
    return 1
  }
  return model ? 0 : 1
}

process.exitCode = await main()
