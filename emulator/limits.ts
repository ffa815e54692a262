/**
 * Opt-in enforcement of GitHub's documented REST rate limits for the emulator (./server.ts), and the
 * figures of what a client sent against them ({@link LimitStats}), measured on every run, enforced or
 * not.
 *
 * Sources (see /work/shared/reference/github-limits.md for the compiled facts): GitHub's docs "Rate
 * limits for the REST API" (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api),
 * sections "Primary rate limit for authenticated users", "About secondary rate limits" and "Exceeding
 * the rate limit", and "Best practices for using the REST API". The secondary limits are concurrency
 * (100 requests in flight), points (900 a minute per REST endpoint, GET/HEAD/OPTIONS 1 point, other
 * methods 5), CPU time (90 s per 60 s, estimated from the total response time) and content creation
 * (80 a minute, 500 an hour); the primary limit is 5,000 requests an hour for a user's tokens.
 *
 * The answers and messages are those of ./faults.ts (GitHub's bodies, the `x-ratelimit-*` headers of
 * its {@link RateLimitMeter}), so a client sees the same thing whether a fault plan or a limit
 * refuses it. Where GitHub's docs leave a point open, the choice is the one that cannot flatter a
 * client: "one endpoint" is the route template (not each URL), creating a webhook counts as content
 * creation, and requests sent during a refusal's `retry-after` are refused again.
 */
import { CONTENT_CREATION_MESSAGE, primaryRateLimitBody, secondaryRateLimitBody, type FaultAnswer, type RateLimitMeter } from './faults.js'

/**
 * Which of GitHub's rate limits the emulator enforces (`EmulatorOptions.limits`,
 * `Emulator.setLimits`); every field is optional. A secondary budget that is not given is not
 * enforced; the primary budget is always enforced once rules are set (default 5,000 an hour).
 * {@link GITHUB_LIMITS} / {@link githubLimits} give GitHub's documented figures.
 *
 * Order of the checks for a request (after the emulator's fault plan, which comes first): a running
 * penalty, `concurrency`, the primary budget, `refuseAll`, `pointsPerMinute`, `responseMsPerMinute`,
 * then for a hook creation `refuseCreations`, `creationsPerMinute`, `creationsPerHour`. A refused
 * request is not executed (no state change, no delivery) and counts towards the primary `used`
 * (except a primary refusal itself), but not towards points or creations.
 */
export interface LimitRules {
  /**
   * Points per route template per sliding 60,000 ms (GitHub: 900, "About secondary rate limits": "No
   * more than 900 points per minute are allowed for REST API endpoints"). GET, HEAD and OPTIONS cost
   * 1 point, other methods 5; the route is {@link routeKey} of the path (method-independent). A request
   * is refused when the points of the requests ACCEPTED on its route in the last 60,000 ms plus its
   * own exceed the budget.
   */
  pointsPerMinute?: number
  /**
   * The window of {@link LimitRules.pointsPerMinute}, in MILLISECONDS; default 60,000. Shorter: a
   * stricter limit that GitHub does not publish, e.g. a GitHub Enterprise Server whose administrator
   * allows 40 points per 5,000 ms (`pointsPerMinute: 40, pointsWindowMs: 5000`).
   */
  pointsWindowMs?: number
  /**
   * Requests in flight (GitHub: 100, "No more than 100 concurrent requests are allowed"): a request
   * arriving while this many are being handled (arrived, not yet answered; refused ones included) is
   * refused.
   */
  concurrency?: number
  /**
   * MILLISECONDS of response time per sliding 60,000 ms (GitHub: 90,000, "No more than 90 seconds of
   * CPU time per 60 seconds of real time", which GitHub says to estimate from the total response time).
   * A response time runs from a request's arrival to its answer being sent, the emulator's `latencyMs`
   * and fault delays included; a new request is refused when the response times of the requests
   * answered (or dropped) in the last 60,000 ms already add up to MORE than this.
   */
  responseMsPerMinute?: number
  /**
   * Hook creations (`POST /repos/{owner}/{repo}/hooks`, `POST /orgs/{org}/hooks`) accepted per sliding
   * 60,000 ms (GitHub: 80 content-generating requests a minute; whether webhooks count is unconfirmed,
   * they are treated as counting). Past it the creation is refused with GitHub's content-creation
   * message; other requests are not affected.
   */
  creationsPerMinute?: number
  /** Hook creations accepted per sliding 3,600,000 ms (one hour; GitHub: 500); as {@link LimitRules.creationsPerMinute}. */
  creationsPerHour?: number
  /**
   * Requests per primary window (GitHub: 5,000 an hour for a user's tokens, "Primary rate limit for
   * authenticated users"); default 5000. Enforced: once the window's used count has reached it, every
   * request is answered with {@link LimitRules.primaryStatus}, `x-ratelimit-remaining: 0`,
   * `x-ratelimit-reset` = the end of the window (epoch SECONDS), "API rate limit exceeded for user ID
   * 583231." and no `retry-after`, until the window ends. Such a refusal is not counted in `used`.
   */
  primaryLimit?: number
  /**
   * Length of the primary window in SECONDS (GitHub: 3600); default 3600. The window starts with its
   * first request at a whole epoch second, so it lasts between this minus one and this many seconds:
   * set 2 to have an exhausted budget come back within two seconds, 3600 to keep it away.
   */
  primaryResetSeconds?: number
  /** Status of a primary refusal: 403 (default) or 429; GitHub sends either ("Exceeding the rate limit"). */
  primaryStatus?: 403 | 429
  /**
   * `retry-after` of secondary refusals, in SECONDS; default 60. `null` sends no `retry-after` (GitHub
   * sometimes sends none; its docs then say to wait at least one minute). Also the length of the
   * penalty a secondary refusal starts (60 s when `null`; 0 starts none).
   */
  retryAfterSeconds?: number | null
  /** Status of a secondary refusal: 403 (default) or 429; GitHub sends either ("Exceeding the rate limit"). */
  secondaryStatus?: 403 | 429
  /** Refuse every request as a secondary limit does (recorded as `refuseAll`): "GitHub keeps refusing". */
  refuseAll?: boolean
  /** Refuse every hook creation with GitHub's content-creation block (recorded as `refuseCreations`). */
  refuseCreations?: boolean
}

/**
 * GitHub's documented figures (docs "Rate limits for the REST API": secondary limits for REST
 * endpoints, and the primary limit of a user's tokens), in the units of {@link LimitRules}:
 * points per minute, requests in flight, MILLISECONDS of response time per minute, creations per
 * minute and per hour, requests per primary window, primary window in SECONDS.
 */
export const GITHUB_LIMITS = Object.freeze({
  pointsPerMinute: 900,
  concurrency: 100,
  responseMsPerMinute: 90_000,
  creationsPerMinute: 80,
  creationsPerHour: 500,
  primaryLimit: 5000,
  primaryResetSeconds: 3600
} as const satisfies LimitRules)

/**
 * GitHub's documented limits ({@link GITHUB_LIMITS}) with some fields replaced, as a new object.
 * @param overrides fields to set, e.g. `{ retryAfterSeconds: null }` or `{ primaryResetSeconds: 2 }`
 */
export function githubLimits(overrides: LimitRules = {}): LimitRules {
  return { ...GITHUB_LIMITS, ...overrides }
}

/**
 * The rule that refused a request (`RecordedRequest.refusal`, the keys of `LimitStats.refusalsByKind`):
 * `penalty` / `creationPenalty` for a request arriving during the penalty of an earlier secondary
 * refusal (a content-creation block penalises creations only); the others name the
 * {@link LimitRules} field (`primary`: the primary budget; `points`: `pointsPerMinute`;
 * `responseTime`: `responseMsPerMinute`).
 */
export type LimitKind =
  | 'penalty'
  | 'creationPenalty'
  | 'concurrency'
  | 'primary'
  | 'refuseAll'
  | 'points'
  | 'responseTime'
  | 'refuseCreations'
  | 'creationsPerMinute'
  | 'creationsPerHour'

/**
 * What a client sent against GitHub's limits since the last `setLimits` or `reset`, enforced or not
 * (`Emulator.limitStats()`). Every recorded API request counts (answered, refused, faulted or dropped).
 * "Minute" and "hour" are sliding windows of 60,000 and 3,600,000 ms: a window ending at t holds the
 * requests with a time in (t - span, t].
 */
export interface LimitStats {
  /** Requests recorded. */
  requests: number
  /** Their points (GET/HEAD/OPTIONS 1, other methods 5), refused ones included. */
  points: number
  /** Requests refused by a limit rule (fault-plan answers are not refusals). */
  refusals: number
  /** Refusals per {@link LimitKind}; only kinds that occurred. */
  refusalsByKind: Record<string, number>
  /** Refusals of requests that arrived during a penalty (`penalty` and `creationPenalty`): sent before `retry-after` had passed. */
  sentDuringPenalty: number
  /** Most points received on one route ({@link routeKey}) within one sliding minute (by arrival), refused ones included. */
  busiestMinutePoints: number
  /** The route of {@link LimitStats.busiestMinutePoints} (on a tie, the one requested first); '' when no request. */
  busiestMinuteRoute: string
  /** Most response time, in MILLISECONDS, of the requests answered within one sliding minute (by answer time). */
  busiestMinuteResponseMs: number
  /** Most requests in flight at once (arrived, not yet answered). */
  peakConcurrency: number
  /** Most hook creations received within one sliding minute (by arrival), refused ones included. */
  creationsBusiestMinute: number
  /** Most hook creations received within one sliding hour (by arrival), refused ones included. */
  creationsBusiestHour: number
}

const MINUTE_MS = 60_000
const HOUR_MS = 3_600_000
const GHES_PREFIX = '/api/v3'
/** Default `retry-after` of secondary refusals, in SECONDS (Octokit's fallback for a missing `retry-after`). */
const DEFAULT_RETRY_AFTER_SECONDS = 60
/** Penalty after a secondary refusal sent without `retry-after`, in SECONDS (GitHub: "wait for at least one minute"). */
const PENALTY_WITHOUT_RETRY_AFTER_SECONDS = 60
const REPO_HOOKS = '/repos/{owner}/{repo}/hooks'
const ORG_HOOKS = '/orgs/{org}/hooks'

/**
 * The route template a request path counts under for the points limit ("to a single endpoint";
 * GitHub does not say whether that means the template or the URL, so the template, the stricter
 * reading): `/api/v3`, the query and a trailing slash are dropped; `/repos/X/Y/…` becomes
 * `/repos/{owner}/{repo}/…`, `/orgs/X/…` `/orgs/{org}/…`, `/users/X/…` `/users/{username}/…`, and the
 * id forms GitHub's `Link` headers use (`/repositories/1296269/…`, `/organizations/9919/…`,
 * `/user/583231/…`) become the same; every other all-digits segment becomes `{id}`.
 * E.g. `/repositories/1296269/hooks?page=2` and `/api/v3/repos/octo-org/hello-world/hooks` both give
 * `/repos/{owner}/{repo}/hooks`; `/repos/o/r/hooks/12/deliveries/34` gives
 * `/repos/{owner}/{repo}/hooks/{id}/deliveries/{id}`.
 * @param path a request path (with or without `/api/v3` and a query) or a whole URL
 */
export function routeKey(path: string): string {
  let pathname = /^https?:\/\//i.test(path) ? new URL(path).pathname : path.replace(/[?#].*$/s, '')
  if (pathname === GHES_PREFIX || pathname.startsWith(`${GHES_PREFIX}/`)) pathname = pathname.slice(GHES_PREFIX.length)
  const segments = pathname.split('/').filter((segment) => segment !== '')
  const digits = (segment: string | undefined): boolean => segment !== undefined && /^\d+$/.test(segment)
  let head: string[] = []
  let rest = segments
  const [first, second] = segments
  if (first === 'repositories' && digits(second)) [head, rest] = [['repos', '{owner}', '{repo}'], segments.slice(2)]
  else if (first === 'repos' && segments.length >= 3) [head, rest] = [['repos', '{owner}', '{repo}'], segments.slice(3)]
  else if ((first === 'organizations' && digits(second)) || (first === 'orgs' && segments.length >= 2))
    [head, rest] = [['orgs', '{org}'], segments.slice(2)]
  else if ((first === 'user' && digits(second)) || (first === 'users' && segments.length >= 2))
    [head, rest] = [['users', '{username}'], segments.slice(2)]
  return `/${[...head, ...rest.map((segment) => (digits(segment) ? '{id}' : segment))].join('/')}`
}

/**
 * Points a request costs towards the points limit (docs "About secondary rate limits", "Calculating
 * points for the secondary rate limit"): 1 for GET, HEAD and OPTIONS, 5 for other methods.
 * @param method the HTTP method, any case
 */
export function pointsOf(method: string): number {
  return ['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase()) ? 1 : 5
}

/**
 * Whether a request creates a webhook (`POST /repos/{owner}/{repo}/hooks` or `POST /orgs/{org}/hooks`,
 * also through `/repositories/{id}/…`), which counts as content creation (unconfirmed by GitHub's
 * docs; counted, the safe choice).
 * @param method the HTTP method, any case
 * @param route the request's {@link routeKey}
 */
export function isHookCreation(method: string, route: string): boolean {
  return method.toUpperCase() === 'POST' && (route === REPO_HOOKS || route === ORG_HOOKS)
}

const RULE_KEYS = new Set<string>([
  'pointsPerMinute',
  'pointsWindowMs',
  'concurrency',
  'responseMsPerMinute',
  'creationsPerMinute',
  'creationsPerHour',
  'primaryLimit',
  'primaryResetSeconds',
  'primaryStatus',
  'retryAfterSeconds',
  'secondaryStatus',
  'refuseAll',
  'refuseCreations'
])

/**
 * Checks rules; the emulator calls it in `startEmulator` and `setLimits` so that a typo fails the test at once.
 * @throws TypeError for an unknown field or a field of the wrong type; RangeError when a budget
 *   (`pointsPerMinute`, `pointsWindowMs`, `concurrency`, `creationsPerMinute`, `creationsPerHour`, `primaryLimit`,
 *   `primaryResetSeconds`) is not a positive integer, `responseMsPerMinute` not a positive finite
 *   number, `retryAfterSeconds` not a non-negative integer or null, or a status not 403 or 429
 */
export function checkLimitRules(rules: LimitRules): void {
  if (typeof rules !== 'object' || rules === null || Array.isArray(rules)) throw new TypeError('Limit rules must be an object')
  for (const key of Object.keys(rules)) {
    if (!RULE_KEYS.has(key)) throw new TypeError(`Unknown limit rule '${key}'`)
  }
  for (const key of [
    'pointsPerMinute',
    'pointsWindowMs',
    'concurrency',
    'creationsPerMinute',
    'creationsPerHour',
    'primaryLimit',
    'primaryResetSeconds'
  ] as const) {
    const value = rules[key]
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
      throw new RangeError(`Limit rule '${key}' must be a positive integer, got ${JSON.stringify(value)}`)
    }
  }
  const ms = rules.responseMsPerMinute
  if (ms !== undefined && !(typeof ms === 'number' && Number.isFinite(ms) && ms > 0)) {
    throw new RangeError(`Limit rule 'responseMsPerMinute' must be a positive number of milliseconds, got ${JSON.stringify(ms)}`)
  }
  const retryAfter = rules.retryAfterSeconds
  if (retryAfter !== undefined && retryAfter !== null && !(Number.isInteger(retryAfter) && retryAfter >= 0)) {
    throw new RangeError(`Limit rule 'retryAfterSeconds' must be a non-negative integer of seconds or null, got ${JSON.stringify(retryAfter)}`)
  }
  for (const key of ['primaryStatus', 'secondaryStatus'] as const) {
    const value = rules[key]
    if (value !== undefined && value !== 403 && value !== 429)
      throw new RangeError(`Limit rule '${key}' must be 403 or 429, got ${JSON.stringify(value)}`)
  }
  for (const key of ['refuseAll', 'refuseCreations'] as const) {
    if (rules[key] !== undefined && typeof rules[key] !== 'boolean') throw new TypeError(`Limit rule '${key}' must be a boolean`)
  }
}

/** A request as {@link LimitEnforcer.arrive} saw it come in. */
export interface Arrival {
  /** Arrival time, epoch MILLISECONDS. */
  receivedAt: number
  /** Requests in flight when it arrived, itself not included. */
  othersInFlight: number
  /** Counters' generation at arrival: a request that outlives a setLimits/reset is not logged. */
  generation: number
}

/** What {@link LimitEnforcer.admit} decided for one request. */
export interface Admission {
  /** {@link routeKey} of the request's path. */
  route: string
  /** Its points ({@link pointsOf}). */
  points: number
  /** Whether it creates a webhook ({@link isHookCreation}). */
  creation: boolean
  /** The rule that refused it; undefined when it is to be handled. */
  refusal?: LimitKind
  /** With `refusal`: the answer (status, GitHub's body, `x-ratelimit-*` and `retry-after` headers). */
  answer?: FaultAnswer
  /** Without `refusal`: the `x-ratelimit-*` headers of its answer (the request has been counted). */
  headers: Record<string, string>
}

/** One finished request, as {@link LimitEnforcer.finish} logs it for {@link LimitStats}. */
export interface LimitLogEntry {
  route: string
  points: number
  creation: boolean
  /** Epoch MILLISECONDS. */
  receivedAt: number
  /** Epoch MILLISECONDS: when the answer was sent (or the connection dropped). */
  answeredAt: number
  refusal?: LimitKind
}

/** Values at times (epoch MILLISECONDS, added in non-decreasing order) within a sliding span, with their sum. */
class SlidingWindow {
  private times: number[] = []
  private values: number[] = []
  private head = 0
  /** Sum of the values in the window (after the last {@link SlidingWindow.prune}). */
  sum = 0

  /** @param spanMs length of the window in MILLISECONDS */
  constructor(private readonly spanMs: number) {}

  /** Entries in the window (after the last {@link SlidingWindow.prune}). */
  get count(): number {
    return this.times.length - this.head
  }

  add(time: number, value: number): void {
    this.times.push(time)
    this.values.push(value)
    this.sum += value
  }

  /** Drops the entries at or before `now - spanMs` (epoch MILLISECONDS). */
  prune(now: number): void {
    const cutoff = now - this.spanMs
    while (this.head < this.times.length && this.times[this.head] <= cutoff) this.sum -= this.values[this.head++]
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head)
      this.values = this.values.slice(this.head)
      this.head = 0
    }
  }
}

/** A refusal answer repeated during the penalty it started. */
interface Penalty {
  /** End of the penalty, epoch MILLISECONDS. */
  until: number
  status: number
  body: Record<string, unknown>
}

/**
 * Max over sliding windows of `spanMs` MILLISECONDS of the summed values (0 when empty); a window
 * ending at t holds the times in (t - spanMs, t]. O(n) for `times` sorted ascending (epoch MILLISECONDS).
 */
function busiestWindow(times: readonly number[], values: readonly number[], spanMs: number): number {
  let max = 0
  let sum = 0
  let left = 0
  for (let right = 0; right < times.length; right++) {
    sum += values[right]
    while (times[left] <= times[right] - spanMs) sum -= values[left++]
    max = Math.max(max, sum)
  }
  return max
}

/**
 * The limits of one emulator: decides, request by request, whether a {@link LimitRules} rule refuses
 * it, keeps the sliding windows and penalties, and logs every finished request for {@link LimitStats}.
 * Without rules it refuses nothing but still counts the primary headers and logs.
 */
export class LimitEnforcer {
  private readonly meter: RateLimitMeter
  private rules: LimitRules | undefined
  private generation = 0
  private inFlight = 0
  private peak = 0
  private points = new Map<string, SlidingWindow>()
  private responseMs = new SlidingWindow(MINUTE_MS)
  private creationsMinute = new SlidingWindow(MINUTE_MS)
  private creationsHour = new SlidingWindow(HOUR_MS)
  private penalty: Penalty | undefined
  private creationPenalty: Penalty | undefined
  private log: LimitLogEntry[] = []

  /**
   * @param meter the emulator's primary bookkeeping, configured here from the rules
   * @param rules initial rules; undefined = no enforcement
   * @throws as {@link checkLimitRules}
   */
  constructor(meter: RateLimitMeter, rules?: LimitRules) {
    this.meter = meter
    this.set(rules)
  }

  /**
   * Replaces the rules (a copy is kept) and clears every counter: windows, penalties, the log, the
   * peak concurrency and the primary window (the meter then has the rules' limit and window length,
   * or 5000 an hour without rules).
   * @throws as {@link checkLimitRules}; the previous rules then stay in force
   */
  set(rules: LimitRules | undefined): void {
    if (rules !== undefined) checkLimitRules(rules)
    this.rules = rules === undefined ? undefined : { ...rules }
    this.meter.configure(rules?.primaryLimit ?? GITHUB_LIMITS.primaryLimit, rules?.primaryResetSeconds ?? GITHUB_LIMITS.primaryResetSeconds)
    this.reset()
  }

  /** Clears every counter (as {@link LimitEnforcer.set}) but keeps the rules. */
  reset(): void {
    this.generation++
    this.peak = this.inFlight
    this.points.clear()
    this.responseMs = new SlidingWindow(MINUTE_MS)
    this.creationsMinute = new SlidingWindow(MINUTE_MS)
    this.creationsHour = new SlidingWindow(HOUR_MS)
    this.penalty = undefined
    this.creationPenalty = undefined
    this.log = []
    this.meter.reset()
  }

  /**
   * Counts a request in flight from its arrival; every call must be followed by one {@link LimitEnforcer.leave}.
   * @param now arrival time, epoch MILLISECONDS
   */
  arrive(now = Date.now()): Arrival {
    const othersInFlight = this.inFlight++
    this.peak = Math.max(this.peak, this.inFlight)
    return { receivedAt: now, othersInFlight, generation: this.generation }
  }

  /** A request is no longer in flight (answered, dropped or abandoned). */
  leave(): void {
    this.inFlight--
  }

  /**
   * Decides whether a request is handled or refused, in the order of {@link LimitRules}; counts it in
   * the primary window (unless the primary limit refuses it) and, when accepted, in the points and
   * creation windows. A secondary refusal starts a penalty of `retryAfterSeconds` (60 s when null).
   * @param method the HTTP method
   * @param path the request path (see {@link routeKey})
   * @param arrival what {@link LimitEnforcer.arrive} returned for it
   * @param now decision time, epoch MILLISECONDS
   */
  admit(method: string, path: string, arrival: Arrival, now = Date.now()): Admission {
    const route = routeKey(path)
    const points = pointsOf(method)
    const creation = isHookCreation(method, route)
    const base = { route, points, creation }
    const rules = this.rules
    if (!rules) return { ...base, headers: this.meter.take(now) }
    const refuse = (refusal: LimitKind, answer: FaultAnswer): Admission => ({ ...base, refusal, answer, headers: answer.headers })
    const repeat = (refusal: LimitKind, penalty: Penalty): Admission =>
      refuse(refusal, { status: penalty.status, body: penalty.body, headers: { ...this.meter.take(now), ...this.retryAfter() } })
    const secondary = (refusal: LimitKind, message?: string): Admission => {
      const status = rules.secondaryStatus ?? 403
      const body = secondaryRateLimitBody(status, message)
      const penalty = { until: now + (this.retryAfterSeconds() ?? PENALTY_WITHOUT_RETRY_AFTER_SECONDS) * 1000, status, body }
      if (message === CONTENT_CREATION_MESSAGE) this.creationPenalty = penalty
      else this.penalty = penalty
      return refuse(refusal, { status, body, headers: { ...this.meter.take(now), ...this.retryAfter() } })
    }

    if (this.penalty && now < this.penalty.until) return repeat('penalty', this.penalty)
    if (creation && this.creationPenalty && now < this.creationPenalty.until) return repeat('creationPenalty', this.creationPenalty)
    if (rules.concurrency !== undefined && arrival.othersInFlight >= rules.concurrency) return secondary('concurrency')
    if (this.meter.exhausted(now)) {
      const status = rules.primaryStatus ?? 403
      return refuse('primary', { status, body: primaryRateLimitBody(status), headers: this.meter.refusedHeaders(now) })
    }
    if (rules.refuseAll) return secondary('refuseAll')
    let window = this.points.get(route)
    if (rules.pointsPerMinute !== undefined) {
      window?.prune(now)
      if ((window?.sum ?? 0) + points > rules.pointsPerMinute) return secondary('points')
    }
    if (rules.responseMsPerMinute !== undefined) {
      this.responseMs.prune(now)
      if (this.responseMs.sum > rules.responseMsPerMinute) return secondary('responseTime')
    }
    if (creation) {
      this.creationsMinute.prune(now)
      this.creationsHour.prune(now)
      if (rules.refuseCreations) return secondary('refuseCreations', CONTENT_CREATION_MESSAGE)
      if (rules.creationsPerMinute !== undefined && this.creationsMinute.count + 1 > rules.creationsPerMinute) {
        return secondary('creationsPerMinute', CONTENT_CREATION_MESSAGE)
      }
      if (rules.creationsPerHour !== undefined && this.creationsHour.count + 1 > rules.creationsPerHour) {
        return secondary('creationsPerHour', CONTENT_CREATION_MESSAGE)
      }
      this.creationsMinute.add(now, 1)
      this.creationsHour.add(now, 1)
    }
    if (!window) this.points.set(route, (window = new SlidingWindow(rules.pointsWindowMs ?? MINUTE_MS)))
    window.prune(now)
    window.add(now, points)
    return { ...base, headers: this.meter.take(now) }
  }

  /**
   * Gives back the primary budget an admitted request took (see `RateLimitMeter.refund`): a 304 to a
   * conditional request, or an App's JWT request.
   * @returns the `x-ratelimit-*` headers as they now stand
   */
  refundPrimary(now = Date.now()): Record<string, string> {
    return this.meter.refund(now)
  }

  /**
   * Logs a finished request (answered or dropped) for {@link LimitStats} and the response-time window,
   * unless the counters were cleared since it arrived. Call {@link LimitEnforcer.leave} too.
   * @param arrival what {@link LimitEnforcer.arrive} returned for it
   * @param entry the request; times in epoch MILLISECONDS
   */
  finish(arrival: Arrival, entry: LimitLogEntry): void {
    if (arrival.generation !== this.generation) return
    this.log.push(entry)
    this.responseMs.add(entry.answeredAt, entry.answeredAt - entry.receivedAt)
  }

  /** {@link LimitStats} of the requests logged since the last set/reset; O(n log n). */
  stats(): LimitStats {
    const log = this.log
    const refusalsByKind: Record<string, number> = {}
    let points = 0
    const byRoute = new Map<string, LimitLogEntry[]>()
    for (const entry of log) {
      points += entry.points
      if (entry.refusal) refusalsByKind[entry.refusal] = (refusalsByKind[entry.refusal] ?? 0) + 1
      const entries = byRoute.get(entry.route)
      if (entries) entries.push(entry)
      else byRoute.set(entry.route, [entry])
    }
    let busiestMinutePoints = 0
    let busiestMinuteRoute = ''
    for (const [route, entries] of byRoute) {
      entries.sort((a, b) => a.receivedAt - b.receivedAt)
      const max = busiestWindow(
        entries.map((e) => e.receivedAt),
        entries.map((e) => e.points),
        MINUTE_MS
      )
      if (max > busiestMinutePoints) [busiestMinutePoints, busiestMinuteRoute] = [max, route]
    }
    const answered = [...log].sort((a, b) => a.answeredAt - b.answeredAt)
    const creations = log
      .filter((e) => e.creation)
      .map((e) => e.receivedAt)
      .sort((a, b) => a - b)
    const ones = creations.map(() => 1)
    return {
      requests: log.length,
      points,
      refusals: Object.values(refusalsByKind).reduce((a, b) => a + b, 0),
      refusalsByKind,
      sentDuringPenalty: (refusalsByKind.penalty ?? 0) + (refusalsByKind.creationPenalty ?? 0),
      busiestMinutePoints,
      busiestMinuteRoute,
      busiestMinuteResponseMs: busiestWindow(
        answered.map((e) => e.answeredAt),
        answered.map((e) => e.answeredAt - e.receivedAt),
        MINUTE_MS
      ),
      peakConcurrency: this.peak,
      creationsBusiestMinute: busiestWindow(creations, ones, MINUTE_MS),
      creationsBusiestHour: busiestWindow(creations, ones, HOUR_MS)
    }
  }

  /** `retry-after` of secondary refusals in SECONDS; null: none is sent. */
  private retryAfterSeconds(): number | null {
    const seconds = this.rules?.retryAfterSeconds
    return seconds === undefined ? DEFAULT_RETRY_AFTER_SECONDS : seconds
  }

  /** The `retry-after` header of secondary refusals (none when `retryAfterSeconds` is null). */
  private retryAfter(): Record<string, string> {
    const seconds = this.retryAfterSeconds()
    return seconds === null ? {} : { 'Retry-After': String(seconds) }
  }
}
