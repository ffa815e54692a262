/**
 * The one pacing layer: every HTTP request of a run (hooks, deliveries, polls, repository lists, the
 * App's, and each retry of them) goes through one {@link Pacer}, which keeps the run inside GitHub's
 * documented rate limits and stops when GitHub says stop.
 *
 * Source: REST docs "Rate limits for the REST API" (secondary limits: concurrency, points per minute
 * per endpoint, CPU time, content creation; the primary budget and its `x-ratelimit-*` headers) and
 * "Best practices for using the REST API" (mutating requests serially and one second apart; on a
 * refusal wait for `retry-after`, or at least a minute, then back off exponentially and give up after
 * a few tries).
 *
 * The scheduler is this project's own, on an injected {@link Clock} (tests run hours of GitHub time
 * in milliseconds: `__tests__/pacing-sim.test.ts`). Every budget is a {@link WindowLedger}: the
 * times and weights of what was sent in the last window, so that no window of its length ever holds
 * more than its limit, and a request waits exactly until the oldest entry that blocks it leaves the
 * window. One queue, served in order by {@link Pacer}'s dispatcher; a request starts when:
 * 1. no pause is in force: a run-wide one GitHub asked for (`retry-after`, the primary reset), or,
 *    for a hook creation, a content-creation one;
 * 2. fewer than {@link PacingBudget.concurrency} requests are in flight;
 * 3. its route template's points fit in the last 60 s, and in the smoothing window (the same rate
 *    over a few points: no burst of a whole minute's budget, which a stricter hidden limit refuses);
 * 4. the response time of the last 60 s plus what the requests in flight reserve leaves room for its
 *    own estimate (GitHub estimates its CPU time from "the total response time of your API requests");
 * 5. a write (any method but GET, HEAD, OPTIONS): the last write sent at least
 *    {@link PacingBudget.write_spacing_ms} ago (GitHub: "wait at least one second between each
 *    request"; a write answered slower than that does not hold the next one);
 * 6. a hook creation: the creations of the last 60 s and of the last hour leave room. A creation that
 *    waits for these does not hold the write slot: other writes go on meanwhile.
 * A request that cannot start marks what blocks it, so that no later request overtakes it on that
 * budget (no starvation), while requests on other budgets go on. The dispatcher keeps one live timer
 * while anything waits on time, and fails every queued request with an internal error rather than
 * let them hang if nothing could ever release them.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { passesOctokitAsIs, type Clock } from '../model.js'

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
 * The budgets the pacer keeps, at or below {@link GITHUB_LIMITS}: what one run may use of what GitHub
 * allows one token (another workflow may use the same token meanwhile).
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
 * points, 90% of the CPU time (response times measured here include the network, GitHub's own
 * measure does not; a request in flight reserves the average recent response time), 90% of the
 * hook creations a minute, the 500 an hour as documented (any margin there would cost a whole hour at
 * its edge; another workflow's creations meet GitHub's content-creation refusal, which pauses or
 * stops creations only), writes one second apart.
 * @param factor GitHub Enterprise Server only (input `ghes_rate_limit_factor`): multiplies every
 *   budget and divides the write spacing, for an instance whose administrator raised the limits
 */
export function pacingBudget(factor = 1): PacingBudget {
  return {
    concurrency: 10,
    points_per_minute: Math.floor(GITHUB_LIMITS.points_per_minute * 0.95 * factor),
    response_ms_per_minute: Math.floor(GITHUB_LIMITS.response_ms_per_minute * 0.9 * factor),
    creations_per_minute: Math.max(1, Math.floor(GITHUB_LIMITS.creations_per_minute * 0.9 * factor)),
    creations_per_hour: Math.max(1, Math.floor(GITHUB_LIMITS.creations_per_hour * factor)),
    write_spacing_ms: GITHUB_LIMITS.write_spacing_ms / factor
  }
}

/** The points of the smoothing window: a minute's budget is spread in steps of this many points. */
export const SMOOTHING_POINTS = 5

/**
 * A sliding-window budget: the send times (epoch MILLISECONDS) and weights of the last `window_ms`,
 * so that no interval of `window_ms` ever holds more than `limit`. Weights can be settled after the
 * fact ({@link WindowLedger.settle}: a response time reserved by an estimate, then measured).
 */
export class WindowLedger {
  /** Entries oldest first; those before `head` have left the window. */
  private readonly entries: { at: number; weight: number }[] = []
  private head = 0
  private sum = 0

  /**
   * @param limit the most weight in any `window_ms` (may be lowered later: {@link WindowLedger.limit})
   * @param window_ms the window, in MILLISECONDS
   */
  constructor(
    public limit: number,
    public window_ms: number
  ) {}

  /** Drops the entries that left the window by `now` (an entry at `at` counts while `now < at + window_ms`). */
  private prune(now: number): void {
    while (this.head < this.entries.length && this.entries[this.head].at + this.window_ms <= now) this.sum -= this.entries[this.head++].weight
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head)
      this.head = 0
    }
  }

  /** The weight in the window ending at `now`. */
  used(now: number): number {
    this.prune(now)
    return this.sum
  }

  /**
   * The earliest time at or after `now` (epoch ms) when `weight` more fits within the limit: `now`, or
   * the moment the entry that blocks it leaves the window. Infinity when `weight` alone exceeds the limit.
   */
  fitsAt(now: number, weight: number): number {
    this.prune(now)
    if (this.sum + weight <= this.limit) return now
    if (weight > this.limit) return Infinity
    let left = this.sum
    for (let i = this.head; i < this.entries.length; i++) {
      left -= this.entries[i].weight
      if (left + weight <= this.limit) return Math.max(now, this.entries[i].at + this.window_ms)
    }
    return Infinity // unreachable: an empty window fits any weight ≤ limit
  }

  /** Records `weight` sent at `at` (epoch ms, not before the last entry); returns its handle for {@link WindowLedger.settle}. */
  add(at: number, weight: number): { at: number; weight: number } {
    const entry = { at, weight }
    this.entries.push(entry)
    this.sum += weight
    return entry
  }

  /** Changes an entry's weight (a reserve settled to what was measured). */
  settle(entry: { at: number; weight: number }, weight: number): void {
    const index = this.entries.indexOf(entry, this.head)
    if (index >= 0) this.sum += weight - entry.weight
    entry.weight = weight
  }
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
 * The run stopped because GitHub said stop: a secondary limit kept refusing or asked for a wait
 * beyond `rate_limit_wait`, the primary budget ran out beyond `rate_limit_wait`, or hook creations
 * were blocked (then creations alone stop).
 *
 * It reaches the caller as it is, never taken for an answer of GitHub's ({@link passesOctokitAsIs}).
 */
export class RateLimitStop extends Error {
  /** Which limit. */
  readonly reason: PauseReason
  /** When a rerun can continue (GitHub's reset, or the end of the last pause); undefined: unknown. */
  readonly until?: Date
  /** The message without "Run again after …". */
  private readonly said: string
  /** @param until when a rerun can continue; an invalid or unrepresentable date counts as unknown */
  constructor(reason: PauseReason, message: string, until?: Date) {
    const known = until && Number.isFinite(until.getTime()) ? until : undefined
    super(known ? `${message} Run again after ${utcTime(known)}.` : message)
    passesOctokitAsIs(this)
    this.reason = reason
    this.until = known
    this.said = message
  }

  /** A fresh copy, for one request: what a caller adds to its message stays its own. */
  copy(): RateLimitStop {
    return new RateLimitStop(this.reason, this.said, this.until)
  }
}

/**
 * A request bounded by a deadline ({@link withDeadline}: a poll for a delivery within `wait_timeout`)
 * was not sent: it would have had to wait past that deadline. It reaches the caller as it is
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
 * when such a request would have to wait past it (GitHub asked the run to wait, or a budget is spent
 * until then), it fails at once with {@link RateLimitWait} instead of waiting until the deadline.
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
  /**
   * Longest wait that GitHub's limits may impose, in SECONDS (input `rate_limit_wait`): a pause asked
   * by `retry-after` or a backoff, the primary budget's reset, a content-creation block, the hourly
   * creation budget. A longer one stops the run (or, for creations, creations) at once.
   */
  rate_limit_wait: number
  /** Told each wait GitHub asked for, as a sentence, before waiting. */
  onWait?: (message: string) => void
  /** The clock of every wait and measure; the real one by default (tests inject a virtual one). */
  clock?: Clock
}

/** Refusals in a row, with no answer in between that was not one, after which the run stops. */
export const MAX_REFUSALS = 4
/** The first wait when a refusal has no usable `retry-after`, in SECONDS (GitHub: "at least one minute"); it doubles on each refusal in a row. */
export const FALLBACK_WAIT_S = 60
/** After a secondary refusal the points budget is multiplied by this (and concurrency halved). */
export const SLOW_DOWN = 0.9
/** Requests of the primary budget kept for targets that have written (a rotation's verification and rollback), at most. */
export const PRIMARY_RESERVE = 20

/** A refusal as read from GitHub's answer. */
export interface Refusal {
  reason: PauseReason
  status: number
  message: string
  /** `retry-after`, in SECONDS; undefined when absent, empty, negative or not a number or date. */
  retry_after?: number
  /** `x-ratelimit-reset`, epoch MILLISECONDS. */
  reset?: number
}

/** The primary budget as the answers tell it. */
interface PrimaryBudget {
  remaining: number
  /** epoch MILLISECONDS */
  reset: number
  /** `x-ratelimit-limit`, when given. */
  limit?: number
}

/** One request as sent, for the statistics. */
interface Sent {
  at: number
  route: string
  points: number
  response_ms: number
}

/** Options of one request ({@link Pacer.acquire}). */
export interface PacedRequest {
  method: string
  /** The request's absolute URL. */
  url: string
  signal?: AbortSignal
  /**
   * True once the request's target has written (a rotation between its write and its verification or
   * rollback): it may use the primary budget's reserve, and a stop of the run does not refuse it.
   */
  finishing?: () => boolean
}

/** A request waiting in the queue. */
interface Job {
  method: string
  route: string
  points: number
  write: boolean
  creation: boolean
  finishing: () => boolean
  signal?: AbortSignal
  deadline?: number
  resolve: (ticket: Ticket) => void
  reject: (error: unknown) => void
  onAbort?: () => void
}

/** A request allowed to send: release it when answered ({@link Pacer.release}). */
export interface Ticket {
  readonly route: string
  readonly points: number
  readonly write: boolean
  readonly creation: boolean
  /** When it was sent (epoch ms). */
  readonly at: number
  /** Its place among the requests started (from 0): a refusal of one started before a pause began belongs to that pause. */
  readonly seq: number
  /** Its entry in the response-time ledger (a reserve until settled). */
  readonly response: { at: number; weight: number }
}

/** The most weight of one budget a queued request may need, for the smoothing window's limit. */
const HEAVIEST = 5

/**
 * Paces the requests of one run. Make one per run; every client of the run passes its `fetch`
 * through {@link Pacer.fetch}. Call {@link Pacer.close} at the end: a request after it is refused.
 */
export class Pacer {
  private readonly options: PacerOptions & { clock: Clock }
  private readonly budget: PacingBudget
  /** Points per route: the 60 s window and the smoothing window. */
  private readonly points = new Map<string, { minute: WindowLedger; smooth: WindowLedger }>()
  /** The budgets as given, to come back to after a slow-down. */
  private readonly initial: PacingBudget
  /** When the last secondary refusal or step back up happened (epoch ms). */
  private lastChange = -Infinity
  /** Tickets in flight: their response-time entries grow with the time they have been waiting. */
  private readonly inFlight = new Set<Ticket>()
  private readonly responseTime: WindowLedger
  private readonly creationsMinute: WindowLedger
  private readonly creationsHour: WindowLedger
  /** The last response times, in ms: a request starting reserves the longest of them (1 s before any answer). */
  private readonly recent: number[] = []
  private readonly queue: Job[] = []
  private inflight = 0
  /** Requests started so far. */
  private started = 0
  private lastWriteAt = -Infinity
  private primary?: PrimaryBudget
  /**
   * True until an answer tells the primary budget (or that it has none: an App's JWT answers), and
   * again once its window has passed: one request at a time meanwhile, so that a budget nearly spent
   * by another workflow is not overrun by a first burst.
   */
  private probing = true
  /** A pause of every request (secondary, primary): until (epoch ms), since (the {@link Ticket.seq} of the next request to start then), why. */
  private pause?: { until: number; since: number; reason: PauseReason }
  /** A pause of hook creations only. */
  private creationPause?: { until: number; since: number }
  /** Refusals in a row with no other answer in between, and the last wait without retry-after (s). */
  private streak = 0
  private lastBackoffS = 0
  /** Content-creation refusals of creations in a row, with no creation answered in between. */
  private creationStreak = 0
  private lastCreationBackoffS = 0
  private stopped?: RateLimitStop
  private creationsStopped?: RateLimitStop
  private readonly sent: Sent[] = []
  private readonly refusals: Partial<Record<PauseReason, number>> = {}
  private readonly waited: Partial<Record<PauseReason, number>> = {}
  private closed = false
  /** The dispatcher's one timer: when it fires, and how to cancel it. */
  private timer?: { at: number; cancel: AbortController }

  constructor(options: PacerOptions) {
    // A copy: the budget slows down after a refusal.
    this.budget = { ...options.budget }
    this.initial = { ...options.budget }
    this.options = {
      ...options,
      budget: this.budget,
      clock: options.clock ?? { now: () => Date.now(), sleep: (ms, signal) => sleep(ms, undefined, { signal }) }
    }
    this.responseTime = new WindowLedger(this.budget.response_ms_per_minute, 60_000)
    this.creationsMinute = new WindowLedger(this.budget.creations_per_minute, 60_000)
    this.creationsHour = new WindowLedger(this.budget.creations_per_hour, 3_600_000)
  }

  private now(): number {
    return this.options.clock.now()
  }

  /**
   * The paced `fetch`: each call waits for its turn under every budget, sends once, and, when GitHub
   * refuses it for a rate limit, waits as GitHub asks and sends it again — until the run stops.
   * @param send the `fetch` of one attempt (with its own timeout)
   * @param hooks.beforeSend called right before each attempt is sent, after every wait; it throws
   *   to refuse the attempt (a fleet's `fail_fast`), which is then not sent
   * @param hooks.finishing see {@link PacedRequest.finishing}
   * @throws RateLimitStop when the run stopped (then and for every later request; a creation alone
   *   when content creation is blocked); RateLimitWait for a request with a deadline that it would
   *   pass; what `beforeSend` throws; the caller's signal's reason when it aborts a wait
   */
  fetch(send: typeof fetch, hooks: { beforeSend?: () => void; finishing?: () => boolean } = {}): typeof fetch {
    return async (input, init = {}) => {
      const method = (init.method ?? 'GET').toUpperCase()
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
      const request: PacedRequest = { method, url, signal: init.signal ?? undefined, finishing: hooks.finishing }
      for (;;) {
        const ticket = await this.acquire(request)
        let response: Response
        try {
          hooks.beforeSend?.()
        } catch (error) {
          this.release(ticket, undefined, false)
          throw error
        }
        try {
          response = await send(input, init)
        } catch (error) {
          this.release(ticket)
          throw error
        }
        // A refusal is read before the request's place is freed, so that no request starts before its pause.
        const refusal = await refusalOf(response, this.now())
        try {
          if (refusal) this.refused(refusal, ticket)
        } finally {
          this.release(ticket, response.headers)
        }
        if (!refusal) {
          this.answered(ticket)
          return response
        }
        await response.body?.cancel().catch(() => undefined) // the refused answer is not read: free its connection
      }
    }
  }

  /**
   * Waits until the request may be sent under every budget, and records it as sent now.
   * @throws RateLimitStop, RateLimitWait, the signal's reason (see {@link Pacer.fetch})
   */
  acquire(request: PacedRequest): Promise<Ticket> {
    const route = routeOf(request.url, this.options.api_url)
    const method = request.method.toUpperCase()
    const points = pointsOf(method)
    const signal = request.signal
    return new Promise<Ticket>((resolve, reject) => {
      if (this.closed) return reject(new Error('internal error: a request after the run ended'))
      const job: Job = {
        method,
        route,
        points,
        write: points > 1,
        creation: isHookCreation(method, route),
        finishing: request.finishing ?? (() => false),
        signal,
        deadline: signal ? deadlines.get(signal) : undefined,
        resolve,
        reject
      }
      if (signal) {
        if (signal.aborted) return reject(signal.reason)
        job.onAbort = () => {
          const at = this.queue.indexOf(job)
          if (at < 0) return
          this.queue.splice(at, 1)
          reject(signal.reason)
          this.dispatch()
        }
        signal.addEventListener('abort', job.onAbort, { once: true })
      }
      this.queue.push(job)
      this.dispatch()
    })
  }

  /**
   * A request acquired with {@link Pacer.acquire} was answered (or failed): settles its measured
   * response time, frees its place, reads the primary budget from the answer's headers.
   * @param sent false when the request was not sent after all (refused by `beforeSend`)
   */
  release(ticket: Ticket, headers?: Headers, sent = true): void {
    const now = this.now()
    const response_ms = Math.max(0, now - ticket.at)
    this.inFlight.delete(ticket)
    this.responseTime.settle(ticket.response, response_ms)
    if (sent) {
      this.recent.push(response_ms)
      if (this.recent.length > 16) this.recent.shift()
      this.sent.push({ at: ticket.at, route: ticket.route, points: ticket.points, response_ms })
    }
    this.inflight--
    if (headers) {
      this.observe(headers)
      this.probing = false
    }
    this.dispatch()
  }

  /** An answer that was no refusal: the refusals in a row end. */
  answered(ticket: Ticket): void {
    this.streak = 0
    this.lastBackoffS = 0
    if (ticket.creation) {
      this.creationStreak = 0
      this.lastCreationBackoffS = 0
    }
  }

  /** The wait the next request would meet at the gate, if any: a pause GitHub asked for, or the primary budget used up until its reset. `until` in epoch MILLISECONDS. */
  pausedUntil(): { until: number; reason: string } | undefined {
    const now = this.now()
    const pause = this.pause
    if (pause && pause.until > now) return { until: pause.until, reason: REASON_TEXT[pause.reason] }
    const primary = this.exhausted(now, false)
    return primary ? { until: primary.reset + 1000, reason: REASON_TEXT.primary } : undefined
  }

  /** Requests sent so far (each attempt counts): a cheap count for progress lines. */
  get requests(): number {
    return this.sent.length + this.inflight
  }

  /** What waits in the queue now, for an internal error: e.g. `3 requests (2 on /repos/{owner}/{repo}/hooks)`. */
  describeQueue(): string {
    const byRoute = new Map<string, number>()
    for (const job of this.queue) byRoute.set(job.route, (byRoute.get(job.route) ?? 0) + 1)
    const routes = [...byRoute].map(([route, count]) => `${count} on ${route}`).join(', ')
    return `${this.queue.length} request${this.queue.length === 1 ? '' : 's'} queued${routes ? ` (${routes})` : ''}, ${this.inflight} in flight`
  }

  /** Requests queued and in flight. */
  get pending(): number {
    return this.queue.length + this.inflight
  }

  /** The stop, once GitHub's refusals or the primary budget stopped the run. */
  stop(): RateLimitStop | undefined {
    return this.stopped
  }

  /** The stop of hook creations alone (a content-creation block, the hourly budget), if any. */
  creationStop(): RateLimitStop | undefined {
    return this.creationsStopped
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
      budget: { ...this.budget }
    }
  }

  /** Ends the run's pacing: its timer stops, queued requests and later ones are refused. */
  async close(): Promise<void> {
    this.closed = true
    this.timer?.cancel.abort()
    this.timer = undefined
    this.failQueued(new Error('internal error: a request after the run ended'))
  }

  /** The primary budget when a request would use the last one it may (those in flight counted); undefined otherwise. */
  private exhausted(now: number, finishing: boolean): PrimaryBudget | undefined {
    const primary = this.primary
    if (!primary || primary.reset <= now) return undefined
    const reserve = finishing ? 0 : Math.min(PRIMARY_RESERVE, Math.floor((primary.limit ?? 0) / 100))
    return primary.remaining - this.inflight - 1 - reserve <= 0 ? primary : undefined
  }

  /** The stop that refuses `job` now, if any. */
  private stopFor(job: Job): Error | undefined {
    if (this.closed) return new Error('internal error: a request after the run ended')
    if (job.creation && this.creationsStopped) return this.creationsStopped.copy()
    if (this.stopped && !this.mayFinish(job)) return this.stopped.copy()
    return undefined
  }

  /**
   * True for a request that a stop lets through: a PATCH of a target that has already written (a
   * rotation's rollback). Its reads and pings are refused, so that its verification ends at once and
   * the rollback goes out while the reserve lasts.
   */
  private mayFinish(job: Job): boolean {
    return job.method === 'PATCH' && job.finishing()
  }

  /** The points ledgers of a route. */
  private pointsOf(route: string): { minute: WindowLedger; smooth: WindowLedger } {
    let ledgers = this.points.get(route)
    if (!ledgers) {
      ledgers = { minute: new WindowLedger(this.budget.points_per_minute, 60_000), smooth: new WindowLedger(HEAVIEST, this.smoothWindow()) }
      this.points.set(route, ledgers)
    }
    return ledgers
  }

  /** The smoothing window: {@link SMOOTHING_POINTS} points at the minute's rate, in ms. */
  private smoothWindow(): number {
    return Math.ceil((60_000 * Math.max(SMOOTHING_POINTS, HEAVIEST)) / this.budget.points_per_minute)
  }

  /**
   * What a request starting reserves of the response-time budget, in ms: the longest of the last 16
   * response times (1 s before any), at most half the budget. A request in flight longer than that
   * counts for as long as it has been in flight ({@link Pacer.dispatch}).
   */
  private reserve(): number {
    const longest = this.recent.length === 0 ? 1000 : Math.max(...this.recent)
    return Math.max(10, Math.min(longest, Math.floor(this.budget.response_ms_per_minute / 2)))
  }

  /**
   * Serves the queue in order: starts every request that may start now; fails those that are
   * stopped, or that would wait past their deadline; arms the one timer for the earliest time a
   * waiting request may start.
   */
  private dispatch(): void {
    if (this.closed) return this.failQueued(new Error('internal error: a request after the run ended'))
    const now = this.now()
    for (const ticket of this.inFlight) {
      if (now - ticket.at > ticket.response.weight) this.responseTime.settle(ticket.response, now - ticket.at)
    }
    this.recover(now)
    this.checkPrimary(now)
    /** Budgets an earlier waiting request holds: no later request overtakes it there. */
    const held = new Set<string>()
    let next = Infinity
    let waitingOnEvents = false
    for (let i = 0; i < this.queue.length;) {
      const job = this.queue[i]
      const stop = this.stopFor(job)
      if (stop) {
        this.drop(i, stop)
        continue
      }
      const wait = this.waitOf(job, now, held)
      if (wait === undefined) {
        this.start(i, now)
        continue
      }
      const stopped = this.stopFor(job) // creations may have stopped just now
      if (stopped) {
        this.drop(i, stopped)
        continue
      }
      if (wait.imposed && wait.until - now > this.options.rate_limit_wait * 1000) {
        // A request the stop let through (its target has written) waits no longer than rate_limit_wait either.
        this.drop(
          i,
          this.stopped ??
            new RateLimitStop(
              wait.imposed,
              `${REASON_TEXT[wait.imposed]}: a wait beyond rate_limit_wait (${this.options.rate_limit_wait} s); stopped.`,
              new Date(wait.until)
            )
        )
        continue
      }
      if (job.deadline !== undefined && Number.isFinite(wait.until) && wait.until > job.deadline) {
        this.drop(
          i,
          new RateLimitWait(
            wait.imposed
              ? `${REASON_TEXT[wait.imposed]} asked to wait until ${utcTime(new Date(wait.until))}, past wait_timeout; not waiting through it.`
              : `the pacing of GitHub's limits (${wait.why}) would send it after wait_timeout; not waiting through it.`
          )
        )
        continue
      }
      for (const key of wait.holds) held.add(key)
      if (Number.isFinite(wait.until)) next = Math.min(next, wait.until)
      else waitingOnEvents = true
      i++
    }
    if (this.queue.length > 0 && next === Infinity && (!waitingOnEvents || this.inflight === 0)) {
      // Nothing in flight and no time to wait for: nothing would ever release them.
      this.failQueued(new Error(`internal error: the pacer would hold ${this.describeQueue()} with nothing to release them`))
      return
    }
    this.arm(next)
  }

  /**
   * When `job` may start, and what it waits for; undefined when it may start now.
   * `holds`: the budgets it holds against later requests; `imposed`: set when the wait is one GitHub asked for.
   */
  private waitOf(
    job: Job,
    now: number,
    held: ReadonlySet<string>
  ): { until: number; holds: string[]; imposed?: PauseReason; why: string } | undefined {
    // Waits GitHub imposed.
    if (this.pause && this.pause.until > now) return { until: this.pause.until, holds: [], imposed: this.pause.reason, why: 'a pause' }
    const primary = this.exhausted(now, this.mayFinish(job))
    if (primary) return { until: primary.reset + 1000, holds: [], imposed: 'primary', why: 'the primary budget' }
    if (job.creation && this.creationPause && this.creationPause.until > now)
      return { until: this.creationPause.until, holds: ['creation'], imposed: 'creation', why: 'a content-creation pause' }
    // A creation waiting for the creation budgets holds only them: other writes go on.
    if (job.creation) {
      if (held.has('creation')) return { until: Infinity, holds: ['creation'], why: 'an earlier creation' }
      const until = Math.max(this.creationsMinute.fitsAt(now, 1), this.creationsHour.fitsAt(now, 1))
      if (until > now) {
        if (until - now > this.options.rate_limit_wait * 1000) {
          this.creationsStopped ??= new RateLimitStop(
            'creation',
            `${REASON_TEXT.creation}: ${this.creationsHour.used(now)} hook creations in the last hour, the most GitHub allows (${this.budget.creations_per_hour}); the next fits after rate_limit_wait (${this.options.rate_limit_wait} s). Hook creations stopped; other requests go on.`,
            new Date(until)
          )
          return { until: now, holds: [], why: 'creations stopped' } // dropped by the caller
        }
        return { until, holds: ['creation'], why: 'the hook-creation budget' }
      }
    }
    const keys = [`route ${job.route}`, 'response', ...(job.write ? ['write'] : [])]
    // Behind an earlier request on one budget, it waits there: it holds no other budget, so that a later
    // request on another route is not held up by a queue it is not in (the response-time budget is shared).
    if (keys.some((key) => held.has(key))) return { until: Infinity, holds: [], why: 'an earlier request' }
    if (this.inflight >= (this.probing ? 1 : this.budget.concurrency)) return { until: Infinity, holds: keys, why: 'concurrency' }
    const ledgers = this.pointsOf(job.route)
    const at = {
      points: Math.max(ledgers.minute.fitsAt(now, job.points), ledgers.smooth.fitsAt(now, job.points)),
      response: this.responseTime.fitsAt(now, this.reserve()),
      write: job.write ? this.lastWriteAt + this.budget.write_spacing_ms : now
    }
    const until = Math.max(at.points, at.response, at.write)
    if (until <= now) return undefined
    const holds = [
      ...(at.points > now ? [`route ${job.route}`] : []),
      ...(at.response > now ? ['response'] : []),
      ...(at.write > now ? ['write'] : [])
    ]
    return { until, holds, why: at.points >= until ? `points on ${job.route}` : at.response >= until ? 'response time' : 'write spacing' }
  }

  /** Starts the queued request at `index`: records it in every budget and lets it send. */
  private start(index: number, now: number): void {
    const [job] = this.queue.splice(index, 1)
    if (job.signal && job.onAbort) job.signal.removeEventListener('abort', job.onAbort)
    const ledgers = this.pointsOf(job.route)
    ledgers.minute.add(now, job.points)
    ledgers.smooth.add(now, job.points)
    if (job.write) this.lastWriteAt = now
    if (job.creation) {
      this.creationsMinute.add(now, 1)
      this.creationsHour.add(now, 1)
    }
    this.inflight++
    const response = this.responseTime.add(now, this.reserve())
    const ticket: Ticket = { route: job.route, points: job.points, write: job.write, creation: job.creation, at: now, seq: this.started++, response }
    this.inFlight.add(ticket)
    job.resolve(ticket)
  }

  /** Removes the queued request at `index`, failing it with `error`. */
  private drop(index: number, error: unknown): void {
    const [job] = this.queue.splice(index, 1)
    if (job.signal && job.onAbort) job.signal.removeEventListener('abort', job.onAbort)
    job.reject(error)
  }

  /** Fails every queued request. */
  private failQueued(error: Error): void {
    while (this.queue.length > 0) this.drop(0, error)
  }

  /** Keeps one live timer for `at` (epoch ms): an earlier one than the timer set replaces it. */
  private arm(at: number): void {
    if (!Number.isFinite(at)) return
    if (this.timer && this.timer.at <= at) return
    this.timer?.cancel.abort()
    const timer = { at, cancel: new AbortController() }
    this.timer = timer
    this.options.clock.sleep(Math.max(0, at - this.now()), timer.cancel.signal).then(
      () => {
        if (this.timer === timer) this.timer = undefined
        try {
          this.dispatch()
        } catch (error) {
          this.failQueued(new Error(`internal error: the pacer failed: ${error instanceof Error ? error.message : String(error)}`))
        }
      },
      () => undefined // cancelled: a newer timer took over
    )
  }

  /** When the primary budget is spent (reserve kept): a pause until its reset within `rate_limit_wait`, else the stop. */
  private checkPrimary(now: number): void {
    if (this.primary && this.primary.reset <= now) {
      this.primary = undefined // a new window: its budget is unknown until the next answer
      this.probing = true
    }
    const primary = this.exhausted(now, false)
    if (!primary || (this.pause && this.pause.until > now)) return
    const until = primary.reset + 1000
    if (until - now > this.options.rate_limit_wait * 1000) {
      this.stopped ??= new RateLimitStop(
        'primary',
        `${REASON_TEXT.primary}: ${primary.remaining} request${primary.remaining === 1 ? '' : 's'} left until ${utcTime(new Date(primary.reset))}, beyond rate_limit_wait (${this.options.rate_limit_wait} s); stopped.`,
        new Date(until)
      )
      return
    }
    if (this.queue.length === 0) return // nobody waits: the pause begins when a request comes
    this.startPause('primary', until, `${primary.remaining} request${primary.remaining === 1 ? '' : 's'} left; every request waits for the reset`)
    this.primary = undefined // the next answer tells the new window
  }

  /**
   * Decides what a refusal means for the run: a pause (every request, or creations), or the stop.
   * A refusal of a request sent before the pause in force began belongs to that pause: it counts no
   * further refusal, but its own `retry-after` still holds (the pause is made longer when it asks so).
   */
  private refused(refusal: Refusal, ticket: Ticket): void {
    this.refusals[refusal.reason] = (this.refusals[refusal.reason] ?? 0) + 1
    const now = this.now()
    const limit = this.options.rate_limit_wait
    const answered = `GitHub answered ${refusal.status} "${refusal.message}"${refusal.retry_after === undefined ? ' without retry-after' : ` with retry-after: ${refusal.retry_after}`}`
    /** The end of GitHub's wait (epoch ms), or undefined when GitHub named none. */
    const asked =
      refusal.reason === 'primary' && refusal.reset !== undefined && refusal.reset > now
        ? refusal.reset + 1000
        : refusal.retry_after !== undefined
          ? now + refusal.retry_after * 1000
          : undefined
    const creation = refusal.reason === 'creation' && ticket.creation
    const pause = creation ? this.creationPause : this.pause
    if (pause && ticket.seq < pause.since) {
      // The same episode: only a later end than the pause's counts.
      if (asked !== undefined && asked > pause.until) pause.until = asked
      return
    }
    if (creation) {
      this.creationStreak++
      const backoff = this.lastCreationBackoffS === 0 ? FALLBACK_WAIT_S : this.lastCreationBackoffS * 2
      if (asked === undefined) this.lastCreationBackoffS = backoff
      const until = asked ?? now + backoff * 1000
      const wait = Math.ceil((until - now) / 1000)
      const stop = (why: string) =>
        (this.creationsStopped ??= new RateLimitStop(
          'creation',
          `${REASON_TEXT.creation}: ${why}; ${answered}. Hook creations stopped; other requests go on.`,
          new Date(until)
        ))
      if (this.creationStreak >= MAX_REFUSALS) stop(`${this.creationStreak} refusals in a row`)
      else if (wait > limit) stop(`a wait of ${wait} s, beyond rate_limit_wait (${limit} s)`)
      else {
        this.creationPause = { until, since: this.started }
        this.note('creation', wait, `${answered}; hook creations wait ${wait} s`)
      }
      return
    }
    this.streak++
    const backoff = this.lastBackoffS === 0 ? FALLBACK_WAIT_S : this.lastBackoffS * 2
    if (asked === undefined) this.lastBackoffS = backoff
    const until = asked ?? now + backoff * 1000
    const wait = Math.ceil((until - now) / 1000)
    const stop = (why: string) => {
      this.stopped ??= new RateLimitStop(refusal.reason, `${REASON_TEXT[refusal.reason]}: ${why}`, new Date(until))
      this.pause = { until, since: this.started, reason: refusal.reason } // a request the stop lets through still waits for it
    }
    if (this.streak >= MAX_REFUSALS) {
      stop(
        `${this.streak} refusals in a row; ${answered}. Stopped, as GitHub asks ("continuing to make requests while you are rate limited may result in the banning of your integration").`
      )
      return
    }
    if (wait > limit) {
      stop(`${answered}, a wait beyond rate_limit_wait (${limit} s); stopped.`)
      return
    }
    if (refusal.reason === 'primary') {
      this.primary = undefined // the next answer tells the new window
      this.startPause('primary', until, `${answered}; every request waits for the reset`)
      return
    }
    this.slowDown(now)
    this.startPause('secondary', until, `${answered}; every request waits ${wait} s, then the run goes on more slowly`)
  }

  /** Pauses every request until `until` (epoch ms), and says so. */
  private startPause(reason: PauseReason, until: number, why: string): void {
    const now = this.now()
    this.pause = { until, since: this.started, reason }
    this.note(reason, (until - now) / 1000, why)
  }

  /** Counts a wait and tells it. */
  private note(reason: PauseReason, seconds: number, why: string): void {
    this.waited[reason] = (this.waited[reason] ?? 0) + seconds * 1000
    this.options.onWait?.(`${REASON_TEXT[reason]}: ${why} (until ${utcTime(new Date(this.now() + seconds * 1000))}).`)
  }

  /**
   * After a secondary refusal: half the requests in flight (never below 3: the response-time budget
   * needs about 1.5 on average), and {@link SLOW_DOWN} of the points a minute (never below
   * {@link HEAVIEST}), for every route. The response-time budget stays: its margin already covers the
   * network time in what is measured.
   */
  private slowDown(now: number): void {
    this.lastChange = now
    const budget = this.budget
    budget.concurrency = Math.min(budget.concurrency, Math.max(3, Math.floor(budget.concurrency / 2)))
    budget.points_per_minute = Math.max(HEAVIEST, Math.floor(budget.points_per_minute * SLOW_DOWN))
    for (const ledgers of this.points.values()) {
      ledgers.minute.limit = budget.points_per_minute
      ledgers.smooth.window_ms = this.smoothWindow()
    }
  }

  /**
   * Comes back up after a slow-down: each 30 s without a secondary refusal, one step (the points a
   * minute ÷ {@link SLOW_DOWN}, one more request in flight), up to the budgets given. A stricter
   * limit that GitHub keeps refuses again, and the run settles just below it.
   */
  private recover(now: number): void {
    const budget = this.budget
    if (now - this.lastChange < 30_000) return
    if (budget.points_per_minute >= this.initial.points_per_minute && budget.concurrency >= this.initial.concurrency) return
    this.lastChange = now
    budget.concurrency = Math.min(this.initial.concurrency, budget.concurrency + 1)
    budget.points_per_minute = Math.min(this.initial.points_per_minute, Math.ceil(budget.points_per_minute / SLOW_DOWN))
    for (const ledgers of this.points.values()) {
      ledgers.minute.limit = budget.points_per_minute
      ledgers.smooth.window_ms = this.smoothWindow()
    }
  }

  /** Reads the primary budget from an answer's `x-ratelimit-*` headers (the lowest remaining of the newest window). */
  observe(headers: Headers): void {
    if ((headers.get('x-ratelimit-resource') ?? 'core') !== 'core') return
    const remaining = Number(headers.get('x-ratelimit-remaining') ?? NaN)
    const reset = Number(headers.get('x-ratelimit-reset') ?? NaN) * 1000
    const limit = Number(headers.get('x-ratelimit-limit') ?? NaN)
    if (!Number.isFinite(remaining) || !Number.isFinite(reset)) return
    const known = this.primary
    if (reset <= this.now()) return // a window already past
    if (!known || reset > known.reset) this.primary = { remaining, reset, limit: Number.isFinite(limit) ? limit : undefined }
    else if (reset === known.reset) known.remaining = Math.min(known.remaining, remaining)
  }
}

/**
 * `retry-after` in SECONDS: a whole number of seconds or an HTTP date (RFC 9110); undefined when
 * absent, empty, negative or neither.
 * @param now epoch MILLISECONDS, for a date
 */
export function retryAfterOf(value: string | null, now: number): number | undefined {
  const text = value?.trim() ?? ''
  if (text === '') return undefined
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text))
  if (/^[+-]?[\d.eE+-]+$/.test(text)) return undefined // negative or malformed number
  const date = Date.parse(text)
  return Number.isFinite(date) ? Math.max(0, Math.ceil((date - now) / 1000)) : undefined
}

/**
 * The rate-limit refusal an answer is, if any: 403 or 429 with `x-ratelimit-remaining: 0` (primary),
 * with a message naming the secondary rate limit or an "abuse detection mechanism" (content creation
 * when it says so), any 429, or a 403 with a `retry-after`.
 * @param now epoch MILLISECONDS, to read a `retry-after` date
 */
export async function refusalOf(response: Response, now = Date.now()): Promise<Refusal | undefined> {
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
  const retry_after = retryAfterOf(response.headers.get('retry-after'), now)
  // GitHub's message, or older servers' "abuse detection mechanism".
  const secondary = /secondary rate limit|abuse detection/i.test(message)
  if (!secondary && response.headers.get('x-ratelimit-remaining') === '0') {
    const reset = Number(response.headers.get('x-ratelimit-reset') ?? NaN)
    return { reason: 'primary', status: response.status, message, retry_after, reset: Number.isFinite(reset) && reset > 0 ? reset * 1000 : undefined }
  }
  if (secondary && /content creation/i.test(message)) return { reason: 'creation', status: response.status, message, retry_after }
  // Any 429, and a 403 that names a wait whatever its message: never sent again sooner.
  if (secondary || response.status === 429 || retry_after !== undefined) return { reason: 'secondary', status: response.status, message, retry_after }
  return undefined
}

/**
 * The most weight that any `window_ms` holds (an item at `at` counts while a window's end is before
 * `at + window_ms`), for items in any order: how the busiest minute is measured, here and by the
 * tests' model of GitHub.
 * @param items send times (epoch ms) and weights
 */
export function mostInWindow(items: readonly { at: number; weight: number }[], window_ms: number): number {
  const sorted = [...items].sort((a, b) => a.at - b.at)
  let most = 0
  let sum = 0
  let first = 0
  for (const item of sorted) {
    sum += item.weight
    while (sorted[first].at <= item.at - window_ms) sum -= sorted[first++].weight
    most = Math.max(most, sum)
  }
  return most
}

/** The busiest 60 s of the sends: the most points on one route, and the most summed response time. */
export function busiestMinute(sent: readonly { at: number; route: string; points: number; response_ms: number }[]): {
  points: number
  route?: string
  response_ms: number
} {
  const byRoute = new Map<string, { at: number; weight: number }[]>()
  for (const item of sent) {
    const items = byRoute.get(item.route)
    if (items) items.push({ at: item.at, weight: item.points })
    else byRoute.set(item.route, [{ at: item.at, weight: item.points }])
  }
  let points = 0
  let route: string | undefined
  for (const [key, items] of byRoute) {
    const most = mostInWindow(items, 60_000)
    if (most > points) [points, route] = [most, key]
  }
  return {
    points,
    route,
    response_ms: mostInWindow(
      sent.map((item) => ({ at: item.at, weight: item.response_ms })),
      60_000
    )
  }
}
