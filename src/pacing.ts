/**
 * The one pacing layer: every HTTP request of a run (hooks, deliveries, polls, repository lists, the
 * App's, and each retry of them) goes through one {@link Pacer}, which keeps the run inside GitHub's
 * documented rate limits and stops when GitHub says stop.
 *
 * Source: REST docs "Rate limits for the REST API" (secondary limits: concurrency, points per minute
 * per endpoint, CPU time, content creation; the primary budget and its `x-ratelimit-*` headers) and
 * "Best practices for using the REST API" (mutating requests one second apart; on a refusal wait for
 * `retry-after`, or at least a minute, then back off exponentially and give up after a few tries).
 *
 * The budgets are Bottleneck limiters (the library @octokit/plugin-throttling is built on) and, for
 * the plain concurrency bound, p-limit; nested in this order around the `fetch` of one attempt:
 * 1. concurrency: at most {@link PacingBudget.concurrency} requests in flight;
 * 2. response time: a reservoir of milliseconds refilled gradually; each request reserves its
 *    estimated response time and settles the difference when answered (GitHub estimates its CPU
 *    time from "the total response time of your API requests");
 * 3. writes (any method but GET, HEAD, OPTIONS): one at a time, each sent at least
 *    {@link PacingBudget.write_spacing_ms} after the previous one;
 * 4. hook creations: reservoirs per minute and per hour;
 * 5. points per route template (GET 1, other methods 5): a reservoir refilled gradually.
 * Then, right before sending, the gate: a run-wide pause that GitHub asked for, and the primary
 * budget. A reservoir that refills gradually is what makes "a minute" any 60 s: see
 * {@link windowReservoir}.
 */
import Bottleneck from 'bottleneck/light.js'
import pLimit, { type LimitFunction } from 'p-limit'
import { setTimeout as sleep } from 'node:timers/promises'
import { passesOctokitAsIs } from './model.js'

/** GitHub's documented limits for REST requests (REST docs "Rate limits for the REST API"). */
export const GITHUB_LIMITS = {
  /** Requests in flight at once (REST and GraphQL together). */
  concurrency: 100,
  /** Points per minute per REST endpoint: GET, HEAD, OPTIONS cost 1, POST, PATCH, PUT, DELETE 5. */
  points_per_minute: 900,
  /** CPU time per 60 s of real time, in MILLISECONDS, estimated by the total response time. */
  response_ms_per_minute: 90_000,
  /** Content-generating requests (a hook creation counts) per minute and per hour. */
  creations_per_minute: 80,
  creations_per_hour: 500,
  /** Best practices: at least one second between mutating requests, in MILLISECONDS. */
  write_spacing_ms: 1000
} as const

/**
 * The budgets the pacer keeps, below {@link GITHUB_LIMITS} by a margin: what one run may use of
 * what GitHub allows one token (another workflow may use the same token meanwhile).
 */
export interface PacingBudget {
  /** Requests in flight at once. */
  concurrency: number
  /** Points in any 60 s on one route template. */
  points_per_minute: number
  /** Summed response time in any 60 s, in MILLISECONDS. */
  response_ms_per_minute: number
  /** Hook creations in any 60 s and in any hour. */
  creations_per_minute: number
  creations_per_hour: number
  /** Least time between two writes being sent, in MILLISECONDS. */
  write_spacing_ms: number
}

/**
 * The budgets on GitHub's limits: 10 requests in flight (as @octokit/plugin-throttling), 95% of the
 * points, 80% of the CPU time (response times measured here include the network, GitHub's own
 * measure does not, and they are settled only once answered), 90% of the content-creation limits,
 * writes one second apart.
 * @param factor GitHub Enterprise Server only (input `ghes_rate_limit_factor`): multiplies every
 *   budget and divides the write spacing, for an instance whose administrator raised the limits
 */
export function pacingBudget(factor = 1): PacingBudget {
  return {
    concurrency: 10,
    points_per_minute: Math.floor(GITHUB_LIMITS.points_per_minute * 0.95 * factor),
    response_ms_per_minute: Math.floor(GITHUB_LIMITS.response_ms_per_minute * 0.8 * factor),
    creations_per_minute: Math.floor(GITHUB_LIMITS.creations_per_minute * 0.9 * factor),
    creations_per_hour: Math.floor(GITHUB_LIMITS.creations_per_hour * 0.9 * factor),
    write_spacing_ms: GITHUB_LIMITS.write_spacing_ms / factor
  }
}

/**
 * Bottleneck settings that let no window of `window_ms` hold more than `budget` units: the
 * reservoir starts at `burst` (also its maximum), and `amount` units come back every `interval` ms
 * at the earliest (Bottleneck's heartbeat adds them once `now ≥ last refill + interval`, never
 * sooner), with `amount = ⌊(budget − burst) / (⌊window / interval⌋ + 1)⌋`. A window holds at most
 * the reservoir at its start (≤ burst) plus ⌊window / interval⌋ + 1 refills, so at most `budget`.
 * A reservoir that refilled all at once every minute could spend two budgets within 60 s.
 * @param budget units allowed in any window
 * @param window_ms the window, in MILLISECONDS
 * @param burst units available at once (at least the heaviest job); less than `budget`
 * @param interval_ms the shortest time between refills, in MILLISECONDS; longer when the budget
 *   leaves less than one unit per refill
 * @throws RangeError when `burst` leaves no budget to refill
 */
export function windowReservoir(budget: number, window_ms: number, burst: number, interval_ms: number): Bottleneck.ConstructorOptions {
  if (!(budget - burst >= 1)) throw new RangeError(`internal error: a burst of ${burst} leaves nothing of ${budget} per ${window_ms} ms to refill`)
  // One unit per refill at the least: at most budget − burst refills in a window.
  const interval = Math.max(interval_ms, Math.ceil(window_ms / Math.max(1, budget - burst - 1)))
  const amount = Math.floor((budget - burst) / (Math.floor(window_ms / interval) + 1))
  return {
    reservoir: burst,
    reservoirIncreaseMaximum: burst,
    reservoirIncreaseAmount: amount,
    reservoirIncreaseInterval: interval,
    // How often Bottleneck looks whether a refill is due (its default, 250 ms, would slow the refills).
    heartbeatInterval: Math.max(5, Math.min(25, Math.floor(interval / 20)))
  } as Bottleneck.ConstructorOptions
}

/**
 * The burst of a budget: about 1/57 of it (15 points of 855: three writes), at least `heaviest` (the
 * heaviest job) and leaving at least 2 units to refill.
 */
function burstOf(budget: number, heaviest: number): number {
  return Math.max(heaviest, Math.min(Math.floor(budget / 57), budget - 2))
}

/** The points a request costs: GET, HEAD and OPTIONS 1, every other method 5. */
export function pointsOf(method: string): number {
  return /^(GET|HEAD|OPTIONS)$/i.test(method) ? 1 : 5
}

/**
 * The route template a request's URL belongs to, the key of its points budget: the path below the
 * API root, without the query, with every value replaced: `/repos/{owner}/{repo}/hooks/{id}`,
 * `/orgs/{org}/hooks`. The forms of GitHub's pagination links count as the route they page through:
 * `/repositories/1296269/hooks?page=2` is `/repos/{owner}/{repo}/hooks`, `/organizations/9919/repos`
 * is `/orgs/{org}/repos`, `/user/583231/repos` is `/users/{username}/repos`. Every method of one path
 * shares the key (whether GitHub counts per method is not documented: sharing cannot send more).
 * @param url the request's absolute URL
 * @param api_url the API root (`https://api.github.com`, `https://ghes.example.com/api/v3`)
 */
export function routeOf(url: string, api_url: string): string {
  const root = URL.parse(api_url)?.pathname.replace(/\/+$/, '') ?? ''
  let path = URL.parse(url)?.pathname ?? url.split('?')[0]
  if (root !== '' && path.startsWith(root)) path = path.slice(root.length)
  return path
    .replace(/^\/repositories\/\d+/, '/repos/{owner}/{repo}')
    .replace(/^\/repos\/[^/]+\/[^/]+/, '/repos/{owner}/{repo}')
    .replace(/^\/(?:orgs\/[^/]+|organizations\/\d+)/, '/orgs/{org}')
    .replace(/^\/(?:users\/[^/]+|user\/\d+)/, '/users/{username}')
    .replace(/\/\d+(?=\/|$)/g, '/{id}')
}

/** True for `POST /repos/{owner}/{repo}/hooks` and `POST /orgs/{org}/hooks`: a hook creation. */
export function isHookCreation(method: string, route: string): boolean {
  return method.toUpperCase() === 'POST' && /^\/(?:repos\/\{owner\}\/\{repo\}|orgs\/\{org\})\/hooks$/.test(route)
}

/** Why the run waited or stopped. */
export type PauseReason = 'secondary' | 'primary' | 'creation'

/** What each reason is called in messages. */
export const REASON_TEXT: Record<PauseReason, string> = {
  secondary: "GitHub's secondary rate limit",
  primary: "GitHub's primary rate limit (the token's hourly budget)",
  creation: "GitHub's content-creation limit (hook creations)"
}

/**
 * The run stopped because GitHub said stop: a secondary limit kept refusing, the primary budget ran
 * out beyond `rate_limit_wait`, or GitHub blocked content creation for longer than a minute.
 *
 * It reaches the caller as it is, never taken for an answer of GitHub's ({@link passesOctokitAsIs}).
 */
export class RateLimitStop extends Error {
  /** Which limit. */
  readonly reason: PauseReason
  /** When a rerun can continue (GitHub's reset, or the end of the last pause); undefined: unknown. */
  readonly until?: Date
  constructor(reason: PauseReason, message: string, until?: Date) {
    super(until ? `${message} Run again after ${utcTime(until)}.` : message)
    passesOctokitAsIs(this)
    this.reason = reason
    this.until = until
  }
}

/**
 * A request bounded by a deadline ({@link withDeadline}: a poll for a delivery within `wait_timeout`)
 * was not sent: GitHub asked to wait past that deadline. It reaches the caller as it is
 * ({@link passesOctokitAsIs}).
 */
export class RateLimitWait extends Error {
  constructor(message: string) {
    super(message)
    passesOctokitAsIs(this)
  }
}

/** The deadline (epoch ms) of each signal marked by {@link withDeadline}. */
const deadlines = new WeakMap<AbortSignal, number>()

/**
 * Marks the signal of requests bounded by a deadline (epoch MILLISECONDS; the signal aborts then):
 * when GitHub asks the run to wait past it, such a request fails at once with {@link RateLimitWait}
 * instead of waiting until the deadline.
 * @returns the same signal
 */
export function withDeadline(signal: AbortSignal, deadline: number): AbortSignal {
  deadlines.set(signal, deadline)
  return signal
}

/** `2026-12-05 22:41:07 UTC`. */
export function utcTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`
}

/** What the pacer saw over the run, for the log and the job summary. */
export interface PacingStats {
  /** Requests sent (each attempt counts). */
  requests: number
  /** Their points (GET 1, other methods 5). */
  points: number
  /** The most points sent on one route within any 60 s, and that route. */
  busiest_minute_points: number
  busiest_route?: string
  /** The most summed response time within any 60 s, in MILLISECONDS. */
  busiest_minute_response_ms: number
  /** Answers that refused a request (secondary, primary, creation), by reason. */
  refusals: Partial<Record<PauseReason, number>>
  /** Time the run waited because GitHub asked, in SECONDS, by reason. */
  waited_s: Partial<Record<PauseReason, number>>
  /** Set once the run stopped on GitHub's word. */
  stopped?: string
  /** The budgets kept. */
  budget: PacingBudget
}

/** Options of a {@link Pacer}. */
export interface PacerOptions {
  /** The API root, to name routes ({@link routeOf}). */
  api_url: string
  budget: PacingBudget
  /** Longest wait for the primary budget's reset, in SECONDS (input `rate_limit_wait`); past it the run stops. */
  rate_limit_wait: number
  /** Told each wait GitHub asked for, as a sentence, before waiting. */
  onWait?: (message: string) => void
}

/** Refusals in a row, with no answer in between that was not one, after which the run stops. */
export const MAX_REFUSALS = 4
/** The wait when a secondary-limit refusal has no `retry-after`, in SECONDS (GitHub: "at least one minute"). */
export const FALLBACK_WAIT_S = 60
/** The longest backoff after repeated refusals, in SECONDS. */
export const MAX_BACKOFF_S = 900
/** A content-creation block with a `retry-after` up to this many SECONDS is waited out; longer, creations stop. */
export const CREATION_WAIT_S = 60

/** A refusal as read from GitHub's answer. */
interface Refusal {
  reason: PauseReason
  status: number
  message: string
  /** `retry-after`, in SECONDS. */
  retry_after?: number
  /** `x-ratelimit-reset`, epoch MILLISECONDS. */
  reset?: number
}

/** The primary budget as the answers tell it. */
interface PrimaryBudget {
  remaining: number
  /** epoch MILLISECONDS */
  reset: number
}

/** One request as sent, for the statistics. */
interface Sent {
  at: number
  route: string
  points: number
  response_ms: number
}

/**
 * Paces the requests of one run. Make one per run; every client of the run passes its `fetch`
 * through {@link Pacer.fetch}. Call {@link Pacer.close} at the end (it stops Bottleneck's timers).
 */
export class Pacer {
  private readonly options: PacerOptions
  private readonly concurrency: LimitFunction
  private readonly responseTime: Bottleneck
  private readonly writes: Bottleneck
  private readonly creations: Bottleneck
  private readonly creationsPerHour: Bottleneck
  private readonly points: Bottleneck.Group
  /** Estimated response time of the next request, in ms (a moving average). */
  private estimate = 250
  private readonly burstMs: number
  private inflight = 0
  private primary?: PrimaryBudget
  /** A pause of every request (secondary, primary): until (epoch ms), since, why. */
  private pause?: { until: number; since: number; reason: PauseReason }
  /** A pause of hook creations only. */
  private creationPause?: { until: number; since: number }
  /** Refusals in a row with no other answer in between. */
  private streak = 0
  /** Content-creation refusals of creations in a row, with no creation answered in between. */
  private creationStreak = 0
  private lastPauseS = 0
  private stopped?: RateLimitStop
  private creationsStopped?: RateLimitStop
  private readonly sent: Sent[] = []
  private readonly refusals: Partial<Record<PauseReason, number>> = {}
  private readonly waited: Partial<Record<PauseReason, number>> = {}
  private closed = false

  constructor(options: PacerOptions) {
    // A copy: the budget slows down after a refusal.
    this.options = { ...options, budget: { ...options.budget } }
    const { budget } = this.options
    // p-limit, not Bottleneck, for the plain concurrency bound: it queues without timer ticks.
    this.concurrency = pLimit(budget.concurrency)
    this.burstMs = Math.max(1000, Math.floor(budget.response_ms_per_minute / 15))
    this.responseTime = new Bottleneck(windowReservoir(budget.response_ms_per_minute, 60_000, this.burstMs, 1000))
    this.writes = new Bottleneck({ maxConcurrent: 1 })
    this.creations = new Bottleneck(windowReservoir(budget.creations_per_minute, 60_000, burstOf(budget.creations_per_minute, 1), 1000))
    this.creationsPerHour = new Bottleneck(windowReservoir(budget.creations_per_hour, 3_600_000, burstOf(budget.creations_per_hour, 1), 1000))
    this.creations.chain(this.creationsPerHour)
    // 15 points at once (three writes), then 7 points every 505 ms: 15 + 119 × 7 = 848 in any 60 s at 855 a minute.
    this.points = new Bottleneck.Group(windowReservoir(budget.points_per_minute, 60_000, burstOf(budget.points_per_minute, 5), 505))
  }

  /**
   * The paced `fetch`: each call waits for its turn under every budget and the gate, sends once,
   * and, when GitHub refuses it for a rate limit, waits as GitHub asks and sends it again — until
   * {@link MAX_REFUSALS} refusals in a row, when the run stops.
   * @param send the `fetch` of one attempt (with its own timeout)
   * @param hooks.beforeSend called right before each attempt is sent, after every wait; it throws
   *   to refuse the attempt (a fleet's `fail_fast`), which is then not sent
   * @throws RateLimitStop when the run stopped (then and for every later request; a creation alone
   *   when content creation is blocked); what `beforeSend` throws; the caller's signal's reason when
   *   it aborts a wait
   */
  fetch(send: typeof fetch, hooks: { beforeSend?: () => void } = {}): typeof fetch {
    return async (input, init = {}) => {
      const method = (init.method ?? 'GET').toUpperCase()
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
      const route = routeOf(url, this.options.api_url)
      const creation = isHookCreation(method, route)
      const signal = init.signal ?? undefined
      for (;;) {
        this.throwIfStopped(creation)
        const sentAt = { at: 0 }
        const response = await this.schedule(method, route, creation, signal, sentAt, () => send(input, init), hooks.beforeSend)
        const refusal = await refusalOf(response)
        if (!refusal) {
          this.streak = 0
          if (creation) this.creationStreak = 0
          return response
        }
        this.refusals[refusal.reason] = (this.refusals[refusal.reason] ?? 0) + 1
        this.onRefusal(refusal, sentAt.at, creation)
        await response.body?.cancel().catch(() => undefined) // the refused answer is not read: free its connection
      }
    }
  }

  /**
   * The wait the next request would meet at the gate, if any: a pause GitHub asked for, or the
   * primary budget used up until its reset. `until` in epoch MILLISECONDS.
   */
  pausedUntil(): { until: number; reason: string } | undefined {
    const now = Date.now()
    const pause = this.pause
    if (pause && pause.until > now) return { until: pause.until, reason: REASON_TEXT[pause.reason] }
    const primary = this.exhausted(now)
    return primary ? { until: primary.reset + 1000, reason: REASON_TEXT.primary } : undefined
  }

  /** Requests sent so far (each attempt counts): a cheap count for progress lines. */
  get requests(): number {
    return this.sent.length
  }

  /** The primary budget when the next request would use its last request (those in flight counted); undefined otherwise. */
  private exhausted(now: number): PrimaryBudget | undefined {
    const primary = this.primary
    return primary && primary.reset > now && primary.remaining - this.inflight - 1 <= 0 ? primary : undefined
  }

  /** The stop, once GitHub's refusals or the primary budget stopped the run. */
  stop(): RateLimitStop | undefined {
    return this.stopped
  }

  /** What was sent and waited so far. */
  stats(): PacingStats {
    const busiest = busiestMinute(this.sent)
    return {
      requests: this.sent.length,
      points: this.sent.reduce((sum, request) => sum + request.points, 0),
      busiest_minute_points: busiest.points,
      busiest_route: busiest.route,
      busiest_minute_response_ms: busiest.response_ms,
      refusals: { ...this.refusals },
      waited_s: Object.fromEntries(Object.entries(this.waited).map(([reason, ms]) => [reason, Math.round(ms / 1000)])),
      stopped: this.stopped?.message ?? this.creationsStopped?.message,
      budget: this.options.budget
    }
  }

  /** Stops the limiters' timers; requests after this are refused. */
  async close(): Promise<void> {
    this.closed = true
    await Promise.all([
      this.responseTime.disconnect(false),
      this.writes.disconnect(false),
      this.creations.disconnect(false),
      this.creationsPerHour.disconnect(false),
      this.points.disconnect(false)
    ])
  }

  /** Runs one attempt through the budgets (see the module's docs), records it, settles its response time. */
  private schedule(
    method: string,
    route: string,
    creation: boolean,
    signal: AbortSignal | undefined,
    sentAt: { at: number },
    attempt: () => Promise<Response>,
    beforeSend: (() => void) | undefined
  ): Promise<Response> {
    const points = pointsOf(method)
    const reserved = Math.min(this.burstMs, Math.max(10, Math.round(this.estimate)))
    const sendNow = async (): Promise<Response> => {
      await this.gate(creation, signal)
      await this.points.key(route).schedule({ weight: points }, async () => undefined)
      await this.gate(creation, signal) // a pause that began while waiting for points
      this.throwIfStopped(creation)
      beforeSend?.()
      const start = Date.now()
      sentAt.at = start
      this.inflight++
      try {
        const response = await attempt()
        this.observe(response.headers)
        return response
      } finally {
        this.inflight--
        const response_ms = Date.now() - start
        this.sent.push({ at: start, route, points, response_ms })
        this.estimate = 0.8 * this.estimate + 0.2 * response_ms
        void this.responseTime.incrementReservoir(reserved - response_ms)
      }
    }
    // One write at a time: its answer goes back at once, while its slot is held until write_spacing_ms
    // after it was sent (after its waits for points and pauses); a write never sent holds nothing.
    const write = (): Promise<Response> =>
      new Promise<Response>((resolve, reject) => {
        this.writes
          .schedule(async () => {
            if (creation) await this.creations.schedule(async () => undefined)
            const sent = sendNow()
            sent.then(resolve, reject)
            await sent.catch(() => undefined)
            const next = sentAt.at + this.options.budget.write_spacing_ms
            while (sentAt.at > 0 && Date.now() < next) await sleep(next - Date.now())
          })
          .catch(reject)
      })
    return this.concurrency(() => this.responseTime.schedule({ weight: reserved }, () => (points > 1 ? write() : sendNow())))
  }

  /**
   * Waits while the run is paused (and, for a creation, while creations are), and while the primary
   * budget, counting the requests in flight, would reach 0: until its reset when that comes within
   * `rate_limit_wait`, else the run stops.
   * @throws RateLimitStop; the signal's reason when it aborts the wait
   */
  private async gate(creation: boolean, signal: AbortSignal | undefined): Promise<void> {
    const deadline = signal ? deadlines.get(signal) : undefined
    const wait = async (until: number, reason: PauseReason): Promise<void> => {
      if (deadline !== undefined && until > deadline) {
        throw new RateLimitWait(`${REASON_TEXT[reason]} asked to wait until ${utcTime(new Date(until))}, past wait_timeout; not waiting through it.`)
      }
      await sleepUntil(until, signal)
    }
    for (;;) {
      this.throwIfStopped(creation)
      signal?.throwIfAborted()
      const now = Date.now()
      if (this.pause && this.pause.until > now) {
        await wait(this.pause.until, this.pause.reason)
        continue
      }
      if (creation && this.creationPause && this.creationPause.until > now) {
        await wait(this.creationPause.until, 'creation')
        continue
      }
      const primary = this.exhausted(now)
      if (primary) {
        const until = primary.reset + 1000
        if (until - now > this.options.rate_limit_wait * 1000) {
          this.stopped ??= new RateLimitStop(
            'primary',
            `${REASON_TEXT.primary}: ${primary.remaining} requests left until ${utcTime(new Date(primary.reset))}, beyond rate_limit_wait (${this.options.rate_limit_wait} s); stopped.`,
            new Date(until)
          )
          continue
        }
        if (deadline !== undefined && until > deadline) await wait(until, 'primary') // throws: the wait would outlast the deadline
        this.startPause('primary', until, `${primary.remaining} requests left; every request waits for the reset`)
        this.primary = undefined // the next answer tells the new window
        continue
      }
      return
    }
  }

  /** Decides what a refusal means for the run: a pause (every request, or creations), or the stop. */
  private onRefusal(refusal: Refusal, sentAt: number, creation: boolean): void {
    const now = Date.now()
    const answered = `GitHub answered ${refusal.status} "${refusal.message}"${refusal.retry_after === undefined ? ' without retry-after' : ` with retry-after: ${refusal.retry_after}`}`
    if (refusal.reason === 'creation' && creation) {
      const wait = refusal.retry_after
      if (wait === undefined || wait > CREATION_WAIT_S) {
        this.creationsStopped ??= new RateLimitStop(
          'creation',
          `${REASON_TEXT.creation}: ${answered}. Hook creations stopped; other requests go on.`,
          wait === undefined ? undefined : new Date(now + wait * 1000)
        )
        return
      }
      if (!this.creationPause || sentAt >= this.creationPause.since) {
        // Refused again after waiting: after MAX_REFUSALS in a row, creations stop (other requests go on).
        if (++this.creationStreak >= MAX_REFUSALS) {
          this.creationsStopped ??= new RateLimitStop(
            'creation',
            `${REASON_TEXT.creation}: ${this.creationStreak} refusals in a row; ${answered}. Hook creations stopped; other requests go on.`,
            new Date(now + wait * 1000)
          )
          return
        }
        this.creationPause = { until: now + wait * 1000, since: now }
        this.note('creation', wait, `${answered}; hook creations wait ${wait} s`)
      }
      return
    }
    // A request sent before the pause began was answered by the same episode: it waits, and counts nothing.
    if (this.pause && sentAt < this.pause.since) return
    this.streak++
    const reset = refusal.reset !== undefined && refusal.reset > now ? refusal.reset : now + FALLBACK_WAIT_S * 1000
    const base = refusal.reason === 'primary' ? Math.ceil((reset - now) / 1000) : (refusal.retry_after ?? FALLBACK_WAIT_S)
    const wait = this.streak === 1 ? base : Math.min(MAX_BACKOFF_S, Math.max(base, this.lastPauseS * 2))
    if (this.streak >= MAX_REFUSALS) {
      this.stopped ??= new RateLimitStop(
        refusal.reason,
        `${REASON_TEXT[refusal.reason]}: ${this.streak} refusals in a row; ${answered}. Stopped, as GitHub asks ("continuing to make requests while you are rate limited may result in the banning of your integration").`,
        new Date(now + wait * 1000)
      )
      return
    }
    // The primary budget: the run waits for the reset (a reset already past counts as a minute away)
    // within rate_limit_wait, or stops; the pause begins now, so that the refusals of requests already
    // in flight count as this one.
    if (refusal.reason === 'primary') {
      this.primary = { remaining: 0, reset }
      if (reset + 1000 - now <= this.options.rate_limit_wait * 1000) {
        this.startPause('primary', reset + 1000, `${answered}; every request waits for the reset`)
        this.primary = undefined
      }
      return
    }
    this.lastPauseS = wait
    this.slowDown()
    this.startPause('secondary', now + wait * 1000, `${answered}; every request waits ${wait} s, then the run goes on more slowly`)
  }

  /** Pauses every request until `until` (epoch ms), and says so. */
  private startPause(reason: PauseReason, until: number, why: string): void {
    const now = Date.now()
    this.pause = { until, since: now, reason }
    this.note(reason, (until - now) / 1000, why)
  }

  /** Counts a wait and tells it. */
  private note(reason: PauseReason, seconds: number, why: string): void {
    this.waited[reason] = (this.waited[reason] ?? 0) + seconds * 1000
    this.options.onWait?.(`${REASON_TEXT[reason]}: ${why} (until ${utcTime(new Date(Date.now() + seconds * 1000))}).`)
  }

  /** After a refusal: half the requests in flight and half the points per minute (never below one and one). */
  private slowDown(): void {
    const { budget } = this.options
    budget.concurrency = Math.max(1, Math.floor(budget.concurrency / 2))
    this.concurrency.concurrency = budget.concurrency
    budget.points_per_minute = Math.max(Math.ceil(budget.points_per_minute / 2), 12)
    const slower = windowReservoir(budget.points_per_minute, 60_000, burstOf(budget.points_per_minute, 5), 505)
    const { reservoirIncreaseAmount, reservoirIncreaseMaximum, reservoirIncreaseInterval } = slower
    const settings = { reservoirIncreaseAmount, reservoirIncreaseMaximum, reservoirIncreaseInterval }
    this.points.updateSettings(settings)
    for (const { limiter } of this.points.limiters()) void limiter.updateSettings(settings)
  }

  /** @throws RateLimitStop once the run (or, for a creation, hook creation) stopped */
  private throwIfStopped(creation: boolean): void {
    if (this.closed) throw new Error('internal error: a request after the run ended')
    if (this.stopped) throw this.stopped
    if (creation && this.creationsStopped) throw this.creationsStopped
  }

  /** Reads the primary budget from an answer's `x-ratelimit-*` headers (the lowest remaining of the newest window). */
  observe(headers: Headers): void {
    if ((headers.get('x-ratelimit-resource') ?? 'core') !== 'core') return
    const remaining = Number(headers.get('x-ratelimit-remaining') ?? NaN)
    const reset = Number(headers.get('x-ratelimit-reset') ?? NaN) * 1000
    if (!Number.isFinite(remaining) || !Number.isFinite(reset)) return
    const known = this.primary
    if (!known || reset > known.reset) this.primary = { remaining, reset }
    else if (reset === known.reset) known.remaining = Math.min(known.remaining, remaining)
  }
}

/**
 * The rate-limit refusal an answer is, if any: 403 or 429 with `x-ratelimit-remaining: 0` (primary),
 * with a message naming the secondary rate limit (content creation when it says so), or any 429.
 */
async function refusalOf(response: Response): Promise<Refusal | undefined> {
  if (response.status !== 403 && response.status !== 429) return undefined
  const text = await response
    .clone()
    .text()
    .catch(() => '')
  let message = text
  try {
    message = String((JSON.parse(text) as { message?: unknown }).message ?? text)
  } catch {
    // not JSON: the text itself
  }
  message = message.slice(0, 300)
  const header = (name: string): number | undefined => {
    const value = response.headers.get(name)
    return value === null || value.trim() === '' || !Number.isFinite(Number(value)) ? undefined : Number(value)
  }
  const retry_after = header('retry-after')
  const secondary = /secondary rate limit/i.test(message)
  if (!secondary && response.headers.get('x-ratelimit-remaining') === '0') {
    const reset = header('x-ratelimit-reset')
    return { reason: 'primary', status: response.status, message, retry_after, reset: reset === undefined ? undefined : reset * 1000 }
  }
  if (secondary && /content creation/i.test(message)) return { reason: 'creation', status: response.status, message, retry_after }
  if (secondary || response.status === 429) return { reason: 'secondary', status: response.status, message, retry_after }
  return undefined
}

/** Sleeps until `until` (epoch ms). @throws the signal's reason when it aborts */
async function sleepUntil(until: number, signal: AbortSignal | undefined): Promise<void> {
  await sleep(Math.max(0, until - Date.now()), undefined, { signal })
}

/** The busiest 60 s of the sends: the most points on one route, and the most summed response time. */
export function busiestMinute(sent: readonly { at: number; route: string; points: number; response_ms: number }[]): {
  points: number
  route?: string
  response_ms: number
} {
  const sorted = [...sent].sort((a, b) => a.at - b.at)
  const windowMax = (items: typeof sorted, value: (item: (typeof sorted)[number]) => number): number => {
    let best = 0
    let sum = 0
    let first = 0
    for (const item of items) {
      sum += value(item)
      while (items[first].at <= item.at - 60_000) sum -= value(items[first++])
      best = Math.max(best, sum)
    }
    return best
  }
  const byRoute = new Map<string, typeof sorted>()
  for (const item of sorted) {
    const items = byRoute.get(item.route)
    if (items) items.push(item)
    else byRoute.set(item.route, [item])
  }
  let points = 0
  let route: string | undefined
  for (const [key, items] of byRoute) {
    const most = windowMax(items, (item) => item.points)
    if (most > points) [points, route] = [most, key]
  }
  return { points, route, response_ms: windowMax(sorted, (item) => item.response_ms) }
}
