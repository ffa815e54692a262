/**
 * Switchable fault injection and GitHub's rate-limit headers for the emulator (./server.ts): what
 * the action's retry (src/github/client.ts) and rate-limit (src/github/pacing.ts) handling is tested
 * against.
 *
 * Answers are modelled on GitHub's docs "Rate limits for the REST API"
 * (https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api): a primary limit
 * answers 403 or 429 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset`; a secondary limit
 * answers 403 or 429 with a message naming the "secondary rate limit" and, usually, `retry-after`.
 * Clients recognize the secondary limit by that message and the primary one by
 * `x-ratelimit-remaining: "0"`, so both fault answers carry exactly those.
 */

/**
 * Which requests to fault; every field is optional and `{}` means no faults. "Every Nth" counts the
 * requests that pass {@link FaultPlan.methods}, from 1 after {@link FaultInjector.set} (i.e.
 * `Emulator.setFaults`): with `badGatewayEvery: 3` the 3rd, 6th, 9th… such request is faulted.
 *
 * Precedence when one request is due for several rules: the delay of `slowEvery` combines with any
 * other fault (the request waits, then gets that fault); of the faults that replace the answer the
 * first applies in the order of the network path: `dropConnection`, `badGateway`, then the rate
 * limiter's `primaryRateLimit`, `secondaryRateLimit`, `tooManyRequests`. The others are skipped for
 * that request (they do not move to the next one).
 */
export interface FaultPlan {
  /**
   * Answer every Nth request with 502 Bad Gateway and GitHub's JSON error body
   * `{"message":"Server Error"}` (no rate-limit headers: the answer comes from the front end).
   */
  badGatewayEvery?: number
  /**
   * Answer every Nth request as the secondary rate limit does: 403, `retry-after: 1` (seconds),
   * the normal rate-limit headers, and `{"message":"You have exceeded a secondary rate limit…",
   * "documentation_url":"…#about-secondary-rate-limits"}`.
   */
  secondaryRateLimitEvery?: number
  /** `retry-after` of {@link FaultPlan.secondaryRateLimitEvery} and {@link FaultPlan.tooManyRequestsEvery} answers, in SECONDS; default 1. */
  secondaryRetryAfterSeconds?: number
  /**
   * Answer every Nth request with 429 Too Many Requests, `retry-after: 1` (seconds), the normal
   * rate-limit headers and the same secondary-rate-limit body (GitHub: "you will receive a 403 or
   * 429 response and an error message that indicates that you exceeded a secondary rate limit").
   */
  tooManyRequestsEvery?: number
  /**
   * Answer every Nth request as an exhausted primary rate limit: status
   * {@link FaultPlan.primaryRateLimitStatus}, `x-ratelimit-remaining: 0`, `x-ratelimit-used: 5000`,
   * `x-ratelimit-reset` = now + 1 s rounded up (epoch SECONDS), no `retry-after`, and
   * `{"message":"API rate limit exceeded for user ID 583231.", "documentation_url":"…#about-primary-rate-limits"}`.
   */
  primaryRateLimitEvery?: number
  /** Status of the primary-rate-limit answer: 403 (default) or 429; GitHub sends either. */
  primaryRateLimitStatus?: 403 | 429
  /** Drop the connection (destroy the socket without any HTTP answer) on every Nth request. */
  dropConnectionEvery?: number
  /**
   * With `dropConnectionEvery`: handle the request first (its effect on the state happens, and so
   * do the deliveries it triggers), then drop: "the answer was lost". Default false: drop without
   * handling it. Only allowed together with `dropConnectionEvery`.
   */
  dropAfterApplying?: boolean
  /** Delay every Nth request by {@link FaultPlan.slowMs} before handling it; needs `slowMs`. */
  slowEvery?: number
  /** Delay in MILLISECONDS for `slowEvery` (added to the emulator's `latencyMs`); needs `slowEvery`. */
  slowMs?: number
  /**
   * Only these HTTP methods (any case) are counted and faulted, e.g. `['POST']` for writes only;
   * other requests neither count towards "every Nth" nor get faults. Default: all methods.
   */
  methods?: string[]
  /**
   * Inject at most this many faults in total (a request that is due for several rules, or only
   * delayed by `slowEvery`, counts once); afterwards every request is answered normally. Default:
   * no cap. E.g. `{ badGatewayEvery: 1, methods: ['POST'], times: 1 }`: the first POST fails once.
   */
  times?: number
}

/** A fault as recorded on a request: the name of the {@link FaultPlan} rule that applied. */
export type FaultKind = 'dropConnection' | 'badGateway' | 'primaryRateLimit' | 'secondaryRateLimit' | 'tooManyRequests' | 'slow'

/** A fault that replaces the answer (every kind but `slow`). */
export type AnswerFaultKind = Exclude<FaultKind, 'slow'>

/** What {@link FaultInjector.decide} chose for one request. */
export interface FaultDecision {
  /** The fault replacing the answer; undefined when the request is only delayed. */
  kind?: AnswerFaultKind
  /** For `dropConnection`: handle the request before dropping the connection. */
  applyFirst: boolean
  /** Extra delay in MILLISECONDS (`slowMs` when due for `slowEvery`, else 0). */
  delayMs: number
}

/** An answer of the API: status, JSON body (when any) and extra headers. */
export interface FaultAnswer {
  status: number
  body: Record<string, unknown>
  headers: Record<string, string>
}

const EVERY_RULES: ReadonlyArray<[keyof FaultPlan, AnswerFaultKind]> = [
  ['dropConnectionEvery', 'dropConnection'],
  ['badGatewayEvery', 'badGateway'],
  ['primaryRateLimitEvery', 'primaryRateLimit'],
  ['secondaryRateLimitEvery', 'secondaryRateLimit'],
  ['tooManyRequestsEvery', 'tooManyRequests']
]

const PLAN_KEYS = new Set<string>([
  ...EVERY_RULES.map(([key]) => key),
  'primaryRateLimitStatus',
  'secondaryRetryAfterSeconds',
  'dropAfterApplying',
  'slowEvery',
  'slowMs',
  'methods',
  'times'
])

/**
 * Checks a plan; the emulator calls it in `setFaults` so that a typo fails the test at once.
 *
 * @throws TypeError for an unknown field or a field of the wrong type; RangeError when an "every"
 *   field is not a positive integer, `times` not a non-negative integer, `slowMs` not a non-negative
 *   finite number, `primaryRateLimitStatus` not 403 or 429, or when `slowEvery`/`slowMs` come without
 *   each other or `dropAfterApplying` without `dropConnectionEvery`
 */
export function checkFaultPlan(plan: FaultPlan): void {
  if (typeof plan !== 'object' || plan === null || Array.isArray(plan)) throw new TypeError('A fault plan must be an object')
  for (const key of Object.keys(plan)) {
    if (!PLAN_KEYS.has(key)) throw new TypeError(`Unknown fault plan field '${key}'`)
  }
  for (const key of [...EVERY_RULES.map(([k]) => k), 'slowEvery'] as const) {
    const value = plan[key]
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 1)) {
      throw new RangeError(`Fault plan '${key}' must be a positive integer, got ${JSON.stringify(value)}`)
    }
  }
  if (plan.times !== undefined && !(Number.isInteger(plan.times) && plan.times >= 0)) {
    throw new RangeError(`Fault plan 'times' must be a non-negative integer, got ${JSON.stringify(plan.times)}`)
  }
  if (plan.slowMs !== undefined && !(typeof plan.slowMs === 'number' && Number.isFinite(plan.slowMs) && plan.slowMs >= 0)) {
    throw new RangeError(`Fault plan 'slowMs' must be a non-negative number of milliseconds, got ${JSON.stringify(plan.slowMs)}`)
  }
  if ((plan.slowEvery === undefined) !== (plan.slowMs === undefined)) {
    throw new RangeError("Fault plan 'slowEvery' and 'slowMs' go together")
  }
  const retryAfter = plan.secondaryRetryAfterSeconds
  if (retryAfter !== undefined && !(Number.isInteger(retryAfter) && retryAfter >= 0)) {
    throw new RangeError(`Fault plan 'secondaryRetryAfterSeconds' must be a non-negative integer, got ${JSON.stringify(retryAfter)}`)
  }
  if (plan.primaryRateLimitStatus !== undefined && plan.primaryRateLimitStatus !== 403 && plan.primaryRateLimitStatus !== 429) {
    throw new RangeError(`Fault plan 'primaryRateLimitStatus' must be 403 or 429, got ${JSON.stringify(plan.primaryRateLimitStatus)}`)
  }
  if (plan.dropAfterApplying !== undefined && typeof plan.dropAfterApplying !== 'boolean') {
    throw new TypeError("Fault plan 'dropAfterApplying' must be a boolean")
  }
  if (plan.dropAfterApplying && plan.dropConnectionEvery === undefined) {
    throw new RangeError("Fault plan 'dropAfterApplying' needs 'dropConnectionEvery'")
  }
  if (plan.methods !== undefined && !(Array.isArray(plan.methods) && plan.methods.every((m) => typeof m === 'string'))) {
    throw new TypeError("Fault plan 'methods' must be an array of strings")
  }
}

/** Decides, request by request, which fault of the current {@link FaultPlan} applies. */
export class FaultInjector {
  private plan: FaultPlan | undefined
  private methods: Set<string> | undefined
  /** Requests that passed the `methods` filter since the plan was set. */
  private counted = 0
  /** Requests that got a fault (answer or delay) since the plan was set. */
  injected = 0

  /**
   * Replaces the plan (a copy is kept) and restarts both counters; `undefined` or `{}` = no faults.
   * @throws as {@link checkFaultPlan}; the previous plan then stays in force
   */
  set(plan: FaultPlan | undefined): void {
    if (plan !== undefined) checkFaultPlan(plan)
    this.plan = plan === undefined ? undefined : { ...plan, methods: plan.methods && [...plan.methods] }
    this.methods = plan?.methods && new Set(plan.methods.map((m) => m.toUpperCase()))
    this.counted = 0
    this.injected = 0
  }

  /**
   * Counts one incoming request (if it passes the `methods` filter) and decides its fault.
   * @param method the request's HTTP method
   * @returns undefined when the request is to be answered normally
   */
  decide(method: string): FaultDecision | undefined {
    const plan = this.plan
    if (!plan) return undefined
    if (this.methods && !this.methods.has(method.toUpperCase())) return undefined
    const n = ++this.counted
    if (plan.times !== undefined && this.injected >= plan.times) return undefined
    const due = (every: number | undefined): boolean => every !== undefined && n % every === 0
    const kind = EVERY_RULES.find(([key]) => due(plan[key] as number | undefined))?.[1]
    const delayMs = due(plan.slowEvery) ? (plan.slowMs ?? 0) : 0
    if (kind === undefined && !due(plan.slowEvery)) return undefined
    this.injected++
    return { kind, applyFirst: kind === 'dropConnection' && plan.dropAfterApplying === true, delayMs }
  }

  /** Status of the primary-rate-limit answer of the current plan (403 unless it says 429). */
  get primaryRateLimitStatus(): 403 | 429 {
    return this.plan?.primaryRateLimitStatus ?? 403
  }

  /** `retry-after` of the plan's secondary-limit answers, in SECONDS (default 1). */
  get secondaryRetryAfterSeconds(): number {
    return this.plan?.secondaryRetryAfterSeconds ?? RETRY_AFTER_SECONDS
  }
}

/**
 * `x-ratelimit-limit` of the emulator's primary rate limit, requests per hour: GitHub's 5,000 for a
 * user's tokens (REST docs "Rate limits for the REST API", "Primary rate limit for authenticated
 * users"). `limits.primaryLimit` (./limits.ts) changes it.
 */
export const RATE_LIMIT = 5000
/** Length of a primary rate-limit window: one hour, in SECONDS. */
const WINDOW_SECONDS = 3600
const DOCS_RATE_LIMITS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api'
/** GitHub's message for a secondary rate limit (REST docs "Rate limits for the REST API", "About secondary rate limits"; as observed). */
export const SECONDARY_MESSAGE = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'
/**
 * GitHub's message for a secondary rate limit on content creation (REST docs "Rate limits for the
 * REST API": 80 content-generating requests a minute, 500 an hour; the wording as observed).
 */
export const CONTENT_CREATION_MESSAGE =
  'You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.'
/** Seconds in `retry-after` of the secondary-rate-limit fault answers. */
const RETRY_AFTER_SECONDS = 1
/** The user of the emulator's tokens (octocat), as named in the primary-rate-limit message. */
const USER_ID = 583231

/**
 * GitHub's JSON body of a secondary-rate-limit answer: `{message, documentation_url: "…#about-secondary-rate-limits", status}`.
 * @param status the answer's status (403 or 429), repeated as a string in the body as GitHub does
 * @param message {@link SECONDARY_MESSAGE} (default) or {@link CONTENT_CREATION_MESSAGE}
 */
export function secondaryRateLimitBody(status: number, message: string = SECONDARY_MESSAGE): Record<string, unknown> {
  return { message, documentation_url: `${DOCS_RATE_LIMITS}#about-secondary-rate-limits`, status: String(status) }
}

/**
 * GitHub's JSON body of an exhausted primary rate limit: `{"message":"API rate limit exceeded for
 * user ID 583231.", documentation_url: "…#about-primary-rate-limits", status}`.
 * @param status the answer's status (403 or 429), repeated as a string in the body as GitHub does
 */
export function primaryRateLimitBody(status: number): Record<string, unknown> {
  return {
    message: `API rate limit exceeded for user ID ${USER_ID}.`,
    documentation_url: `${DOCS_RATE_LIMITS}#about-primary-rate-limits`,
    status: String(status)
  }
}

/**
 * GitHub's primary rate-limit bookkeeping, for the `x-ratelimit-*` headers of every API answer:
 * {@link RateLimitMeter.limit} requests (default 5000) per window of {@link RateLimitMeter.windowSeconds}
 * (default one hour), the window starting with its first request at a whole epoch second. Not
 * enforced by itself: past the limit `x-ratelimit-remaining` stays at 0 and the answers stay normal,
 * unless the emulator has `limits` (./limits.ts enforces it through {@link RateLimitMeter.exhausted});
 * {@link FaultPlan.primaryRateLimitEvery} simulates an exhausted limit on its own.
 */
export class RateLimitMeter {
  /** Requests per window (`x-ratelimit-limit`). */
  limit: number
  /** Length of a window in SECONDS. */
  windowSeconds: number
  private used = 0
  /** End of the current window, epoch SECONDS; 0 before the first request. */
  private windowReset = 0

  /**
   * @param limit requests per window (`x-ratelimit-limit`)
   * @param windowSeconds length of a window in SECONDS
   */
  constructor(limit = RATE_LIMIT, windowSeconds = WINDOW_SECONDS) {
    this.limit = limit
    this.windowSeconds = windowSeconds
  }

  /**
   * Sets the limit and the window length (SECONDS) and forgets the counted requests.
   * @param limit requests per window
   * @param windowSeconds length of a window in SECONDS
   */
  configure(limit: number, windowSeconds: number): void {
    this.limit = limit
    this.windowSeconds = windowSeconds
    this.reset()
  }

  /**
   * Counts one request and returns its headers: `x-ratelimit-limit`, `-remaining`, `-used`,
   * `-reset` (epoch SECONDS) and `-resource: core`.
   * @param now current time, epoch MILLISECONDS
   */
  take(now = Date.now()): Record<string, string> {
    this.roll(now)
    this.used++
    return this.headers(Math.max(0, this.limit - this.used), this.used, this.windowReset)
  }

  /**
   * Whether the current window's used count has reached the limit (a window that has ended starts
   * over first, so this is false again once `x-ratelimit-reset` has passed).
   * @param now current time, epoch MILLISECONDS
   */
  exhausted(now = Date.now()): boolean {
    this.roll(now)
    return this.used >= this.limit
  }

  /**
   * The headers of an answer refused by the exhausted limit, without counting it:
   * `x-ratelimit-remaining: 0`, the used count, `x-ratelimit-reset` = the end of the window (epoch SECONDS).
   * @param now current time, epoch MILLISECONDS
   */
  refusedHeaders(now = Date.now()): Record<string, string> {
    this.roll(now)
    return this.headers(0, this.used, this.windowReset)
  }

  /**
   * Gives back one counted request (a conditional request answered 304, an App's JWT request: GitHub
   * counts neither against the primary budget) and returns the headers as they now stand.
   * @param now current time, epoch MILLISECONDS
   */
  refund(now = Date.now()): Record<string, string> {
    this.roll(now)
    this.used = Math.max(0, this.used - 1)
    return this.headers(Math.max(0, this.limit - this.used), this.used, this.windowReset)
  }

  /** Forgets the counted requests (the next request starts a new window). */
  reset(): void {
    this.used = 0
    this.windowReset = 0
  }

  /** The five `x-ratelimit-*` headers (reset in epoch SECONDS). */
  headers(remaining: number, used: number, reset: number): Record<string, string> {
    return {
      'X-RateLimit-Limit': String(this.limit),
      'X-RateLimit-Remaining': String(remaining),
      'X-RateLimit-Used': String(used),
      'X-RateLimit-Reset': String(reset),
      'X-RateLimit-Resource': 'core'
    }
  }

  /** Starts a new window when there is none or the current one has ended. */
  private roll(now: number): void {
    const seconds = Math.floor(now / 1000)
    if (seconds >= this.windowReset) {
      this.used = 0
      this.windowReset = seconds + this.windowSeconds
    }
  }
}

/**
 * The answer of an answer-replacing fault other than `dropConnection` (which has none).
 *
 * @param kind the fault
 * @param meter counts the secondary-limit answers as used requests (as GitHub counts them) and
 *   supplies their headers
 * @param primaryStatus status of a primary-rate-limit answer, 403 or 429
 * @param now current time, epoch MILLISECONDS
 * @param retryAfterSeconds `retry-after` of a secondary-limit answer (plan's `secondaryRetryAfterSeconds`)
 * @throws Error for `dropConnection`
 */
export function faultAnswer(
  kind: AnswerFaultKind,
  meter: RateLimitMeter,
  primaryStatus: 403 | 429,
  now = Date.now(),
  retryAfterSeconds = RETRY_AFTER_SECONDS
): FaultAnswer {
  switch (kind) {
    case 'badGateway':
      return { status: 502, body: { message: 'Server Error' }, headers: {} }
    case 'secondaryRateLimit':
    case 'tooManyRequests': {
      const status = kind === 'secondaryRateLimit' ? 403 : 429
      return { status, body: secondaryRateLimitBody(status), headers: { ...meter.take(now), 'Retry-After': String(retryAfterSeconds) } }
    }
    case 'primaryRateLimit': {
      // Reset one second from now, rounded up to whole epoch seconds: always at least 1 s ahead.
      return { status: primaryStatus, body: primaryRateLimitBody(primaryStatus), headers: meter.headers(0, meter.limit, Math.ceil(now / 1000) + 1) }
    }
    case 'dropConnection':
      throw new Error('A dropped connection has no answer')
  }
}
