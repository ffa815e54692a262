/**
 * A simulation of the pacer (src/github/pacing.ts) against a model of GitHub's documented rate limits, on a
 * virtual clock: random workloads (fast-check) of 1 to 5,000 targets, mixes of GET, POST, PATCH and
 * DELETE with hook creations among them, answer times from 10 ms to 2 s, refusals with and without
 * `retry-after`, stricter hidden limits, and primary budgets that run out and reset. Used by
 * `__tests__/pacing-sim.test.ts` (a few hundred runs) and `npm run bench` (many more).
 *
 * The model answers as GitHub does (REST docs "Rate limits for the REST API"): it refuses a request
 * that would pass a limit (403 with GitHub's secondary-limit message, `retry-after` when the workload
 * says so), refuses everything during the penalty that follows, and answers the primary budget in
 * `x-ratelimit-*` headers. {@link checkRun} states what must hold for every run.
 */
import fc from 'fast-check'
import pLimit from 'p-limit'
import {
  GITHUB_LIMITS,
  isHookCreation,
  mostInWindow,
  Pacer,
  pacingBudget,
  pointsOf,
  RateLimitStop,
  RateLimitWait,
  routeOf
} from '../src/github/pacing.js'
import { VirtualClock } from '../__tests__/helpers/virtual-clock.js'

/** One request of a target's chain. */
export interface SimOp {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  /** Below `/repos/octo-org/repo-N`: `/hooks` (a POST there is a hook creation), `/hooks/1`, `/hooks/1/pings`, `/hooks/1/deliveries`. */
  path: '/hooks' | '/hooks/1' | '/hooks/1/pings' | '/hooks/1/deliveries'
}

/** A generated workload and GitHub's behaviour for it. */
export interface Workload {
  targets: number
  /** Chains of requests; target i runs `patterns[i % patterns.length]`. */
  patterns: SimOp[][]
  /** Answer times, in ms: uniform in [lo, hi]. */
  answer_ms: { lo: number; hi: number }
  /** Requests (by arrival number) that GitHub refuses with a secondary limit, and their `retry-after` (s; undefined: none). */
  refusals: { at: number; retry_after?: number }[]
  /** A stricter limit GitHub keeps hidden: points per route per window, and the `retry-after` of its refusals. */
  hidden?: { points: number; window_ms: number; retry_after?: number }
  /** The primary budget: requests per window, and the window's length (s). */
  primary: { limit: number; window_s: number }
  /** Input `rate_limit_wait`, in s. */
  rate_limit_wait: number
  /** Seed of the answer times. */
  seed: number
}

/** What a simulated run did. */
export interface SimRun {
  workload: Workload
  /** Virtual time from the first request to the end, in ms. */
  elapsed_ms: number
  /** Per target: `done`, or the stop/wait that ended it. */
  ends: string[]
  /** Every request as GitHub received it. */
  received: { at: number; route: string; method: string; points: number; creation: boolean; response_ms: number; refused?: string }[]
  /** Requests received while GitHub's penalty (retry-after) was in force. */
  sent_during_penalty: number
  /** Requests received with the primary budget at 0. */
  sent_without_budget: number
  /** Most requests in flight at once, as GitHub saw them. */
  most_in_flight: number
  /** Time the pacer waited on GitHub's word, in ms. */
  waited_ms: number
  stopped: boolean
  /** Longest chain of one target: the sum of its answer times, in ms. */
  longest_chain_ms: number
}

const SECONDARY = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Runs the workload through one Pacer against the model of GitHub, on a virtual clock. */
export async function simulate(workload: Workload): Promise<SimRun> {
  const clock = new VirtualClock()
  const start = clock.now()
  const random = prng(workload.seed)
  const api = 'https://api.github.com'
  const pacer = new Pacer({ api_url: api, budget: pacingBudget(), rate_limit_wait: workload.rate_limit_wait, clock })
  const received: SimRun['received'] = []
  let inFlight = 0
  let mostInFlight = 0
  let penaltyUntil = -Infinity
  let penaltySince = -Infinity
  let sentDuringPenalty = 0
  let sentWithoutBudget = 0
  const primary = { used: 0, reset: start + workload.primary.window_s * 1000 }
  const refusals = new Map(workload.refusals.map((refusal) => [refusal.at, refusal]))
  const answer_ms = () => Math.round(workload.answer_ms.lo + random() * (workload.answer_ms.hi - workload.answer_ms.lo))
  /** Points accepted per route: (at, points), for the hidden limit. */
  const accepted = new Map<string, { at: number; points: number }[]>()

  const send: typeof fetch = async (input, init) => {
    const url = String(input)
    const method = (init?.method ?? 'GET').toUpperCase()
    const now = clock.now()
    const route = routeOf(url, api)
    const entry: SimRun['received'][number] = {
      at: now,
      route,
      method,
      points: pointsOf(method),
      creation: isHookCreation(method, route),
      response_ms: 0
    }
    received.push(entry)
    inFlight++
    mostInFlight = Math.max(mostInFlight, inFlight)
    try {
      if (now >= primary.reset) {
        primary.used = 0
        while (primary.reset <= now) primary.reset += workload.primary.window_s * 1000
      }
      const rateHeaders = (remaining: number) => ({
        'x-ratelimit-limit': String(workload.primary.limit),
        'x-ratelimit-remaining': String(remaining),
        'x-ratelimit-reset': String(Math.ceil(primary.reset / 1000)),
        'x-ratelimit-resource': 'core'
      })
      const refuse = (why: string, retry_after: number | undefined, headers: Record<string, string> = {}) => {
        entry.refused = why
        return new Response(JSON.stringify({ message: why === 'primary' ? 'API rate limit exceeded for user ID 1.' : SECONDARY }), {
          status: 403,
          headers: { ...headers, ...(retry_after === undefined ? {} : { 'retry-after': String(retry_after) }) }
        })
      }
      if (now < penaltyUntil) {
        // Sent after the refusal was answered (not in flight with it): the pacer knew of the pause.
        if (now > penaltySince) sentDuringPenalty++
        return refuse('penalty', Math.ceil((penaltyUntil - now) / 1000))
      }
      if (primary.used >= workload.primary.limit) {
        sentWithoutBudget++
        return refuse('primary', undefined, rateHeaders(0))
      }
      primary.used++
      const injected = refusals.get(received.length - 1)
      if (injected) {
        penaltyUntil = now + (injected.retry_after ?? 60) * 1000
        penaltySince = now
        return refuse('injected', injected.retry_after, rateHeaders(workload.primary.limit - primary.used))
      }
      const hidden = workload.hidden
      if (hidden) {
        const list = accepted.get(route) ?? []
        const used = list.filter((item) => item.at > now - hidden.window_ms).reduce((sum, item) => sum + item.points, 0)
        if (used + entry.points > hidden.points) {
          penaltyUntil = now + (hidden.retry_after ?? 60) * 1000
          penaltySince = now
          return refuse('hidden', hidden.retry_after, rateHeaders(workload.primary.limit - primary.used))
        }
        list.push({ at: now, points: entry.points })
        if (list.length > 4096) list.splice(0, list.length - 2048)
        accepted.set(route, list)
      }
      entry.response_ms = answer_ms()
      await clock.sleep(entry.response_ms)
      return new Response('[]', { status: 200, headers: rateHeaders(workload.primary.limit - primary.used) })
    } finally {
      inFlight--
    }
  }

  const paced = pacer.fetch(send)
  const ends: string[] = []
  const limit = pLimit(20)
  const chains = workload.patterns.map((pattern) => pattern.length)
  const runTarget = async (index: number): Promise<void> => {
    const pattern = workload.patterns[index % workload.patterns.length]
    try {
      for (const op of pattern) {
        const response = await paced(`${api}/repos/octo-org/repo-${index}${op.path}`, { method: op.method })
        if (response.status !== 200) throw new Error(`answered ${response.status}`)
      }
      ends[index] = 'done'
    } catch (error) {
      if (error instanceof RateLimitStop) ends[index] = `stopped: ${error.reason}`
      else if (error instanceof RateLimitWait) ends[index] = 'waited'
      else ends[index] = `failed: ${error instanceof Error ? error.message : String(error)}`
    }
  }
  const all = Promise.all(Array.from({ length: workload.targets }, (_, index) => limit(() => runTarget(index))))
  await clock.run(all)
  const end = clock.now()
  await pacer.close()
  const stats = pacer.stats()
  return {
    workload,
    elapsed_ms: end - start,
    ends,
    received,
    sent_during_penalty: sentDuringPenalty,
    sent_without_budget: sentWithoutBudget,
    most_in_flight: mostInFlight,
    waited_ms: Object.values(stats.waited_s).reduce((sum, seconds) => sum + (seconds ?? 0), 0) * 1000,
    stopped: stats.stopped !== undefined,
    longest_chain_ms: Math.max(...chains) * workload.answer_ms.hi
  }
}

/**
 * The workload's floor, in ms: the largest of its single-budget floors at GitHub's documented limits
 * (or the stricter hidden one): each route's points ÷ 900 a minute, writes × 1 s, creations ÷ 80 a
 * minute and ÷ 500 an hour, response time ÷ 90 s a minute; and its longest chain.
 */
export function floorOf(run: SimRun): number {
  const accepted = run.received.filter((request) => !request.refused)
  const hidden = run.workload.hidden
  // A hidden window admits only whole requests: 24 points per 5 s are 4 writes of 5 points, 20.
  const perMinute = (heaviest: number): number =>
    Math.min(GITHUB_LIMITS.points_per_minute, hidden ? (Math.floor(hidden.points / heaviest) * heaviest * 60_000) / hidden.window_ms : Infinity)
  const byRoute = new Map<string, { points: number; heaviest: number }>()
  for (const request of accepted) {
    const route = byRoute.get(request.route) ?? { points: 0, heaviest: 1 }
    byRoute.set(request.route, { points: route.points + request.points, heaviest: Math.max(route.heaviest, request.points) })
  }
  const writes = accepted.filter((request) => request.points > 1).length
  const creations = accepted.filter((request) => request.creation).length
  const response = accepted.reduce((sum, request) => sum + request.response_ms, 0)
  return Math.max(
    ...[...byRoute.values()].map((route) => (route.points / perMinute(route.heaviest)) * 60_000),
    writes * GITHUB_LIMITS.write_spacing_ms,
    (creations / GITHUB_LIMITS.creations_per_minute) * 60_000,
    (creations / GITHUB_LIMITS.creations_per_hour) * 3_600_000,
    (response / GITHUB_LIMITS.response_ms_per_minute) * 60_000,
    run.longest_chain_ms
  )
}

/**
 * What must hold for every run; returns the broken invariants (none: []):
 * - no window of GitHub's documented limits is exceeded (points per route, creations a minute and an
 *   hour, response time a minute, concurrency), writes are sent at least 1 s apart;
 * - nothing is sent during GitHub's penalty (before `retry-after`) or with the primary budget at 0;
 * - every target ends, done or stopped with a reason;
 * - a run that was not stopped takes at most 1.25 × its floor ({@link floorOf}) plus the waits GitHub
 *   imposed, plus its longest chain of answers and 1 s a refusal.
 */
export function checkRun(run: SimRun): string[] {
  const broken: string[] = []
  const accepted = run.received.filter((request) => !request.refused)
  const byRoute = new Map<string, { at: number; weight: number }[]>()
  for (const request of accepted) {
    const list = byRoute.get(request.route) ?? []
    list.push({ at: request.at, weight: request.points })
    byRoute.set(request.route, list)
  }
  for (const [route, items] of byRoute) {
    const most = mostInWindow(items, 60_000)
    if (most > GITHUB_LIMITS.points_per_minute) broken.push(`${most} points on ${route} within 60 s`)
  }
  const creations = accepted.filter((request) => request.creation).map((request) => ({ at: request.at, weight: 1 }))
  if (mostInWindow(creations, 60_000) > GITHUB_LIMITS.creations_per_minute) broken.push(`${mostInWindow(creations, 60_000)} creations within 60 s`)
  if (mostInWindow(creations, 3_600_000) > GITHUB_LIMITS.creations_per_hour)
    broken.push(`${mostInWindow(creations, 3_600_000)} creations within an hour`)
  const response = mostInWindow(
    accepted.map((request) => ({ at: request.at, weight: request.response_ms })),
    60_000
  )
  if (response > GITHUB_LIMITS.response_ms_per_minute) broken.push(`${response} ms of response time within 60 s`)
  if (run.most_in_flight > GITHUB_LIMITS.concurrency) broken.push(`${run.most_in_flight} requests in flight`)
  const writes = run.received
    .filter((request) => request.points > 1)
    .map((request) => request.at)
    .sort((a, b) => a - b)
  const gap = Math.min(...writes.slice(1).map((at, i) => at - writes[i]))
  if (gap < GITHUB_LIMITS.write_spacing_ms) broken.push(`two writes ${gap} ms apart`)
  if (run.sent_during_penalty > 0) broken.push(`${run.sent_during_penalty} requests sent before retry-after`)
  if (run.sent_without_budget > 0) broken.push(`${run.sent_without_budget} requests sent with the primary budget at 0`)
  const unended = run.ends.filter((end) => end === undefined).length
  if (unended > 0 || run.ends.length !== run.workload.targets) broken.push(`${unended} targets never ended`)
  const failed = run.ends.filter((end) => end?.startsWith('failed'))
  if (failed.length > 0) broken.push(`${failed.length} targets failed: ${failed[0]}`)
  if (!run.stopped) {
    // Plus the longest chain (after the binding budget's last request, a target still waits for the
    // rest of its chain; the first request goes alone, to learn the primary budget), and 1 s a refusal
    // (after each, the pace starts again from a smoothing window's worth of points).
    const refusals = run.received.filter((request) => request.refused).length
    const bound = 1.25 * floorOf(run) + run.waited_ms + run.longest_chain_ms + refusals * 1000
    if (run.elapsed_ms > bound)
      broken.push(
        `took ${run.elapsed_ms} ms, over 1.25 × the floor ${Math.round(floorOf(run))} ms + ${run.waited_ms} ms of GitHub's waits + the longest chain + 1 s a refusal`
      )
  }
  return broken
}

const op = fc.constantFrom<SimOp>(
  { method: 'GET', path: '/hooks' },
  { method: 'GET', path: '/hooks/1/deliveries' },
  { method: 'POST', path: '/hooks' },
  { method: 'PATCH', path: '/hooks/1' },
  { method: 'DELETE', path: '/hooks/1' },
  { method: 'POST', path: '/hooks/1/pings' }
)

/**
 * Random workloads: up to `max_targets` targets (1 to 5,000; up to 300 but for `large_share` of them),
 * chains of 1 to 4 requests, answers of 10 ms to 2 s, some refusals, sometimes a stricter hidden limit
 * or a primary budget that runs out.
 */
export function workloadArbitrary(max_targets = 5000, large_share = 0.1): fc.Arbitrary<Workload> {
  return (
    fc
      .record({
        // Mostly up to 300 targets, `large_share` of them up to max_targets: a few hundred runs stay within seconds.
        targets: fc.oneof(
          { arbitrary: fc.integer({ min: 1, max: Math.min(300, max_targets) }), weight: Math.round((1 - large_share) * 100) },
          { arbitrary: fc.integer({ min: 1, max: max_targets }), weight: Math.round(large_share * 100) }
        ),
        patterns: fc.array(fc.array(op, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }),
        lo: fc.integer({ min: 10, max: 2000 }),
        spread: fc.integer({ min: 0, max: 2000 }),
        refusals: fc.array(fc.record({ at: fc.nat({ max: 3000 }), retry_after: fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }) }), {
          maxLength: 3
        }),
        hidden: fc.option(
          fc.record({
            points: fc.integer({ min: 20, max: 899 }),
            window_ms: fc.constantFrom(5000, 10_000, 60_000),
            retry_after: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined })
          }),
          { nil: undefined, freq: 4 }
        ),
        primary: fc.oneof(
          { arbitrary: fc.constant({ limit: 5000, window_s: 3600 }), weight: 3 },
          { arbitrary: fc.record({ limit: fc.integer({ min: 60, max: 600 }), window_s: fc.integer({ min: 10, max: 300 }) }), weight: 1 }
        ),
        rate_limit_wait: fc.constantFrom(600, 600, 3600, 60),
        seed: fc.integer()
      })
      // Hidden limits down to about a quarter of the documented 900 a minute (GitHub Enterprise Server's
      // 40 points per 5 s is 480): each refusal cuts the pace by 10%, so a far stricter one costs more refusals.
      .filter(({ hidden }) => !hidden || (hidden.points * 60_000) / hidden.window_ms >= 200)
      .map(({ lo, spread, ...rest }) => ({ ...rest, answer_ms: { lo, hi: Math.min(2000, lo + spread) } }))
  )
}
