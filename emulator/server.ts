/**
 * A local, stateful emulator of GitHub's REST API for repository and organization webhooks, served
 * over real HTTP (node:http) on 127.0.0.1, with real outgoing webhook deliveries to loopback URLs.
 *
 * Implements the endpoints of GitHub's docs "REST API endpoints for repository webhooks"
 * (`/repos/{owner}/{repo}/hooks…`) and "REST API endpoints for organization webhooks"
 * (`/orgs/{org}/hooks…`), plus the lists that find a fleet of repositories (`GET /orgs/{org}/repos`,
 * `GET /users/{username}/repos`, `GET /orgs/{org}/properties/values`) and the webhook of GitHub Apps
 * ("REST API endpoints for GitHub App webhooks", `/app/hook/…`, authenticated with the App's JWT),
 * both at the root (api.github.com style) and under `/api/v3` (GitHub Enterprise Server style). Hook
 * writes on an archived repository answer 403. With `validate: true` every JSON response is checked
 * against GitHub's OpenAPI description (see ./openapi.ts). Answers carry the headers recorded from
 * GitHub: `X-GitHub-Request-Id`, `X-GitHub-Media-Type`, `Vary`, the `x-ratelimit-*` headers (not on
 * an App's JWT answers), and on a GET a weak `ETag` with `Cache-Control: private, max-age=60,
 * s-maxage=60`; a GET whose `If-None-Match` names the current ETag is answered `304 Not Modified`
 * without a body and not counted against the primary budget. A repository's list `Link`s point to
 * `/repositories/{id}/…`, which is served too. `setFaults` injects 502s, rate-limit answers, dropped
 * connections and delays (see ./faults.ts).
 *
 * GitHub's documented rate limits are not enforced unless asked for: with `limits` (option or
 * `setLimits`, see ./limits.ts; `GITHUB_LIMITS` has GitHub's figures) the emulator refuses, after the
 * fault plan and before the handler, what GitHub would refuse: a penalty after a secondary refusal,
 * requests in flight, the primary budget (enforced whenever limits are set), points per route template
 * per minute, response time per minute and hook creations per minute and hour, with GitHub's status,
 * message, `retry-after` and `x-ratelimit-*` headers; a refused request has no effect. Enforced or
 * not, every request is recorded with its arrival and answer times and route template, and
 * `limitStats()` gives what a client sent against those limits (busiest minute, peak concurrency, …).
 *
 * This file is the HTTP side: authentication, API versions, faults, answering, sending deliveries
 * after the answer, validation and the test-facing {@link Emulator} API. The hooks state and
 * semantics are in ./store.ts, the accounts and repositories in ./repositories.ts, the Apps and their
 * JWT check in ./apps.ts, the JSON shapes in ./representations.ts, the routing tables in ./routes.ts
 * (hooks), ./app-routes.ts (App webhook) and ./repository-routes.ts (lists), the App webhook seeding
 * in ./app-hooks.ts; the types tests use are re-exported from here.
 *
 * Run directly (`npx tsx emulator/server.ts [--port N] …`) it is the command of ./cli.ts (`npm run
 * emulator`): it serves, with a webhook receiver, until interrupted.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve as resolvePath } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'
import { appHookApi, type AppHookApi } from './app-hooks.js'
import { matchAppRoute } from './app-routes.js'
import { AppRegistry, type AppSeed } from './apps.js'
import { sendWebhook } from './delivery.js'
import { FaultInjector, RateLimitMeter, faultAnswer, type FaultKind, type FaultPlan } from './faults.js'
import { flattenHeaders, readBody } from './http.js'
import {
  LimitEnforcer,
  isHookCreation,
  pointsOf,
  routeKey,
  type Admission,
  type Arrival,
  type LimitKind,
  type LimitRules,
  type LimitStats
} from './limits.js'
import { validateResponse, type ApiFlavour } from './openapi.js'
import { RepositoryRegistry, type RepositorySeed } from './repositories.js'
import { matchListRoute } from './repository-routes.js'
import { matchRoute, type Reply, type RequestContext } from './routes.js'
import {
  ApiError,
  HookStore,
  notFound,
  type DeliverySeed,
  type DeliverySpec,
  type HookSeed,
  type HookTarget,
  type StoredDelivery,
  type StoredHook
} from './store.js'

export type { AppHookApi, AppHookSeed } from './app-hooks.js'
export { appKeyPair, signAppJwt, type AppSeed } from './apps.js'
export type { AnswerFaultKind, FaultKind, FaultPlan } from './faults.js'
export { GITHUB_LIMITS, githubLimits, routeKey, type LimitKind, type LimitRules, type LimitStats } from './limits.js'
export type { CustomPropertyValue, RepositorySeed } from './repositories.js'
export type { DeliverySeed, HookSeed, HookTarget, StoredDelivery, StoredHook, StoredHookConfig } from './store.js'

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** TCP port on 127.0.0.1; default 0 (a free port chosen by the OS). */
  port?: number
  /** Tokens with read and write access; default `['test-token']`. Others get 401 Bad credentials. */
  tokens?: string[]
  /** Tokens that may read but get 403 on endpoints whose docs require the "write" permission. */
  readOnlyTokens?: string[]
  /**
   * Existing repositories as `owner/name` (case-insensitive): public, not archived, not forks, no
   * topics. Default `['octo-org/hello-world']`, but only when `repositories` is not given either.
   */
  repos?: string[]
  /**
   * Existing repositories with their attributes (archived, fork, private, topics, custom property
   * values), listed after `repos`. Ids: 1296269, 1296270, … over `repos` then `repositories`, in
   * order. Seed many (e.g. with `fleetSeed` of ./fleet-seed.ts) to emulate a fleet: lookups are O(1).
   */
  repositories?: RepositorySeed[]
  /**
   * Existing organizations (case-insensitive); default `['octo-org']`. Every other owner of a
   * repository is a User (no organization hooks, no custom properties, 404 on `/orgs/{org}/…`).
   */
  orgs?: string[]
  /**
   * Validate every JSON response against the OpenAPI description (api.github.com, or ghes-3.19 for
   * requests through `/api/v3`) and record failures in {@link Emulator.violations}.
   */
  validate?: boolean
  /**
   * Delay in MILLISECONDS before every API request is handled and answered (faulted ones included),
   * e.g. to make a benchmark's round trips realistic; default 0.
   * @throws RangeError from {@link startEmulator} unless a non-negative finite number
   */
  latencyMs?: number
  /**
   * GitHub Apps whose webhook can be managed through `/app/hook/…` with a JWT the app signs (see
   * ./apps.ts, `appKeyPair`); each starts without a webhook URL. Default none.
   * @throws TypeError from {@link startEmulator} for invalid ids, duplicates or non-RSA keys
   */
  apps?: AppSeed[]
  /**
   * How far the emulator's clock runs ahead of the real one for the JWT checks, in MILLISECONDS
   * (negative: behind); the `Date` header of its answers shows that clock too, as @octokit/auth-app
   * reads it to correct a skew. Default 0.
   * @throws RangeError from {@link startEmulator} unless a finite number
   */
  clockSkewMs?: number
  /**
   * GitHub's rate limits to enforce (see {@link LimitRules}; `GITHUB_LIMITS` for GitHub's figures);
   * default none: nothing is refused and `x-ratelimit-remaining` just stays at 0 past 5000 requests.
   * `reset()` comes back to these rules.
   * @throws TypeError or RangeError from {@link startEmulator} for invalid rules
   */
  limits?: LimitRules
}

/**
 * One API request the emulator answered or dropped (receiver deliveries are not recorded here);
 * recorded when the answer is sent, so delayed requests appear in the order they were answered.
 */
export interface RecordedRequest {
  method: string
  /** Request path without the `/api/v3` prefix and without the query string. */
  path: string
  query: Record<string, string>
  /** Request headers, names in lower case. */
  headers: Record<string, string | undefined>
  /** Parsed JSON body; the raw string when it is not JSON; undefined when empty. */
  body: unknown
  /** Status code of the emulator's answer; 0 when the connection was dropped without an answer. */
  status: number
  /**
   * Present only for a faulted request: the {@link FaultPlan} rule that applied (`slow` when the
   * request was only delayed; a delayed request that also got another fault shows the other one).
   */
  fault?: FaultKind
  /** Arrival time (before the body is read), epoch MILLISECONDS. */
  receivedAt?: number
  /** When the answer was sent (or the connection dropped), epoch MILLISECONDS. */
  answeredAt?: number
  /** The route template the points limit counts it under (`routeKey` of ./limits.ts), e.g. `/repos/{owner}/{repo}/hooks`. */
  route?: string
  /** Present only for a request refused by a limit rule (see {@link LimitRules}): which one. */
  refusal?: LimitKind
}

/** A running emulator (the App webhook methods: see {@link AppHookApi}). */
export interface Emulator extends AppHookApi {
  /** `http://127.0.0.1:PORT`, the api.github.com-style root. */
  url: string
  /** `http://127.0.0.1:PORT/api/v3`, the GHES-style root; every route works under it too. */
  ghesUrl: string
  /** Every API request received, in order. */
  requests: RecordedRequest[]
  /** OpenAPI validation failures (only collected with `validate: true`). */
  violations: string[]
  /**
   * Raw stored hooks of a target, in id order, with the REAL secret (copies).
   * @throws Error when the repository or organization is not one the emulator knows
   */
  hooks(target: HookTarget): StoredHook[]
  /**
   * Adds a hook directly to the state (no HTTP, no duplicate check, and unlike `POST …/hooks` no
   * creation `ping` delivery); defaults as for the API.
   * @throws Error for an unknown target or invalid fields (e.g. a missing url)
   */
  addHook(target: HookTarget, fields: HookSeed): StoredHook
  /**
   * Adds a delivery of an existing hook directly to the state, with a new id (ids increase, so the
   * newest is listed first). Nothing is sent. `delivered_at` may be any ISO 8601 time: one older
   * than 3 days makes an expired delivery (hidden from the API, not redeliverable). It counts for
   * the hook's `last_response` like a real delivery.
   * @throws Error for an unknown target or hook
   */
  addDelivery(target: HookTarget, hookId: number, fields?: DeliverySeed): StoredDelivery
  /** Resolves when no outgoing webhook delivery is in flight. */
  idle(): Promise<void>
  /**
   * Replaces the fault plan and restarts its counters ("every Nth" counts from the next request,
   * {@link Emulator.faultsInjected} from 0); `undefined` or `{}` turns faults off. See
   * {@link FaultPlan} for the faults, their answers and their precedence.
   * @throws TypeError or RangeError for an invalid plan (unknown field, `badGatewayEvery: 0`, …);
   *   the previous plan then stays in force
   */
  setFaults(faults: FaultPlan | undefined): void
  /** Requests that got a fault (an answer fault or a delay) since the last setFaults() or reset(). */
  readonly faultsInjected: number
  /**
   * Replaces the enforced rate limits (`undefined`: none) and clears their counters: sliding windows,
   * penalties, {@link Emulator.limitStats} and the primary window (the next request starts a new one,
   * with the rules' `primaryLimit` and `primaryResetSeconds`). See {@link LimitRules}.
   * @throws TypeError or RangeError for invalid rules; the previous rules then stay in force
   */
  setLimits(rules: LimitRules | undefined): void
  /**
   * What the requests received since the last setLimits() or reset() sent against GitHub's rate
   * limits, whether they are enforced or not (see {@link LimitStats}).
   */
  limitStats(): LimitStats
  /**
   * Clears hooks (App webhooks included), deliveries, recorded requests and violations (ids keep
   * increasing), the fault plan and its counters, the rate-limit count (the next request starts a
   * new window) and the limits' counters and stats; the enforced limits go back to those of the
   * options (none by default). The repositories, organizations and apps of the options stay as they are.
   */
  reset(): void
  /** Waits for in-flight deliveries, then stops the server. */
  close(): Promise<void>
}

const GHES_PREFIX = '/api/v3'
const SUPPORTED_API_VERSIONS = ['2022-11-28', '2026-03-10']
const DEFAULT_REPOS = ['octo-org/hello-world']
const DEFAULT_ORGS = ['octo-org']

/** `X-GitHub-Media-Type` of every API answer (as recorded: the default media type, JSON). */
const MEDIA_TYPE = 'github.v3; format=json'
/** `Vary` of API answers, as recorded from api.github.com. */
const VARY = 'Accept, Authorization, Cookie, X-GitHub-OTP'
/** `Cache-Control` of answers to authenticated GETs, as recorded from api.github.com. */
const CACHE_CONTROL = 'private, max-age=60, s-maxage=60'

/**
 * A request id shaped like GitHub's `X-GitHub-Request-Id` (five hex groups, e.g.
 * `C3A4:1B2F:9D3E21:A04B7C:6760F1A2`); unique enough for logs, meaningless otherwise.
 */
function requestId(): string {
  const hex = (bytes: number): string => randomBytes(bytes).toString('hex').toUpperCase()
  return [hex(2), hex(2), hex(3), hex(3), hex(4)].join(':')
}

/**
 * The weak ETag of a GET answer: `W/"<sha-256 hex>"` of the credentials and the JSON body, so that
 * the same representation seen with another token has another ETag (GitHub's vary with
 * `Authorization`, see {@link VARY}).
 */
function etagOf(authorization: string | undefined, body: unknown): string {
  return `W/"${createHash('sha256')
    .update(authorization ?? '')
    .update('\0')
    .update(JSON.stringify(body))
    .digest('hex')}"`
}

/**
 * Whether an `If-None-Match` header matches an ETag: `*`, or one of its comma-separated tags, compared
 * weakly (RFC 9110 §13.1.2: `W/` ignored).
 */
function noneMatch(ifNoneMatch: string | string[] | undefined, etag: string): boolean {
  if (typeof ifNoneMatch !== 'string') return false
  const opaque = (tag: string): string => tag.trim().replace(/^W\//, '')
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag))
}

/** The token of an `Authorization: token X` or `Authorization: Bearer X` header. */
function tokenOf(authorization: string | undefined): string | undefined {
  return /^(?:token|bearer)\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1]
}

/** An API request as the emulator sees it: path without the `/api/v3` prefix, parsed JSON body. */
interface ApiRequest {
  method: string
  path: string
  query: Record<string, string>
  headers: IncomingHttpHeaders
  /** Parsed JSON; the raw text when it is not JSON; undefined when empty. */
  body: unknown
  /** `http://127.0.0.1:PORT`, or with `/api/v3` when the request came through that prefix. */
  apiBase: string
}

/**
 * Starts the emulator on 127.0.0.1.
 *
 * @param options see {@link EmulatorOptions}
 * @returns the running emulator, once it listens
 * @throws when the port cannot be bound (e.g. EADDRINUSE); TypeError for invalid repositories or
 *   organizations (see {@link RepositoryRegistry}); RangeError for an invalid `latencyMs`; TypeError
 *   or RangeError for invalid `limits`
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const plainRepos = options.repos ?? (options.repositories === undefined ? DEFAULT_REPOS : [])
  const registry = new RepositoryRegistry([...plainRepos, ...(options.repositories ?? [])], options.orgs ?? DEFAULT_ORGS)
  const apps = new AppRegistry(options.apps ?? [])
  const store = new HookStore(registry.all(), registry.organizations(), apps.all())
  const writeTokens = new Set(options.tokens ?? ['test-token'])
  const readOnlyTokens = new Set(options.readOnlyTokens ?? [])
  const requests: RecordedRequest[] = []
  const violations: string[] = []
  const inflight = new Set<Promise<void>>()
  const faults = new FaultInjector()
  const rateLimit = new RateLimitMeter()
  const startLimits = options.limits && { ...options.limits }
  const limits = new LimitEnforcer(rateLimit, startLimits)
  const latencyMs = options.latencyMs ?? 0
  if (!(typeof latencyMs === 'number' && Number.isFinite(latencyMs) && latencyMs >= 0)) {
    throw new RangeError(`latencyMs must be a non-negative number of milliseconds, got ${JSON.stringify(options.latencyMs)}`)
  }
  const clockSkewMs = options.clockSkewMs ?? 0
  if (!(typeof clockSkewMs === 'number' && Number.isFinite(clockSkewMs))) {
    throw new RangeError(`clockSkewMs must be a finite number of milliseconds, got ${JSON.stringify(options.clockSkewMs)}`)
  }
  /** Aborted by close(): requests still waiting out a delay are then dropped. */
  const closing = new AbortController()
  let origin = ''

  /** Sends a delivery and records it; tracked so that idle() can wait for it. */
  const deliverLater = (hook: StoredHook, spec: DeliverySpec): void => {
    const task = (async () => {
      const request = store.webhookRequest(hook, spec)
      const outcome = await sendWebhook(hook.config.url, request, { insecureSsl: hook.config.insecure_ssl === '1' })
      store.recordDelivery(hook, spec, request.headers, outcome)
    })()
      .catch((error: unknown) => console.error('[emulator] delivery failed:', error))
      .finally(() => inflight.delete(task))
    inflight.add(task)
  }

  /**
   * Answers one API request: version check (400); an App webhook route (./app-routes.ts) is then
   * authenticated with the App's JWT (401) and handled for that app. Otherwise token authentication
   * (401); then either a list route (./repository-routes.ts, no further permission), or a hooks
   * route: route and target (404), permission (403), archived repository on a write (403), then the
   * route's handler. Deliveries the handler asks for go to `deliver`.
   */
  const answer = (request: ApiRequest, deliver: RequestContext['deliver']): Reply => {
    const version = request.headers['x-github-api-version']
    if (typeof version === 'string' && !SUPPORTED_API_VERSIONS.includes(version)) {
      throw new ApiError(400, `API version '${version}' is not supported.`)
    }
    const appRoute = matchAppRoute(request.method, request.path)
    if (appRoute) {
      const app = apps.authenticate(request.headers.authorization, Date.now() + clockSkewMs)
      if (typeof request.body === 'string') throw new ApiError(400, 'Problems parsing JSON')
      const { path, query, body, apiBase } = request
      return appRoute.route.handle(store, { target: store.appTargetOf(app.id), params: appRoute.params, query, body, apiBase, path, deliver })
    }
    const token = tokenOf(request.headers.authorization)
    if (token === undefined || !(writeTokens.has(token) || readOnlyTokens.has(token))) {
      throw new ApiError(401, 'Bad credentials')
    }
    const list = matchListRoute(request.method, request.path)
    if (list) return list.route.handle(registry, { login: list.login, query: request.query, apiBase: request.apiBase, path: request.path })
    const match = matchRoute(request.method, request.path)
    const target = match && store.target(match.scope, match.name)
    if (!match || !target) throw notFound()
    if (match.route.perm[match.scope] === 'write' && !writeTokens.has(token)) {
      throw new ApiError(403, 'Resource not accessible by personal access token')
    }
    if (match.scope === 'repo' && request.method !== 'GET') registry.assertWritable(target.name)
    if (typeof request.body === 'string') throw new ApiError(400, 'Problems parsing JSON')
    const { path, query, body, apiBase } = request
    return match.route.handle(store, { target, params: match.params, query, body, apiBase, path, deliver })
  }

  /**
   * A request path with the id form of GitHub's `Link` URLs (`/repositories/1296269/…`) turned into
   * the name form (`/repos/octo-org/hello-world/…`) the routes know; other paths (and an unknown
   * repository id, answered 404) as they are.
   */
  const canonicalPath = (path: string): string => {
    const m = /^\/repositories\/(\d+)(\/.*)?$/.exec(path)
    const repo = m && registry.repositoryById(Number(m[1]))
    return m && repo ? `/repos/${repo.full_name}${m[2] ?? ''}` : path
  }

  /** Counts the request in flight from its arrival until it is answered, dropped or abandoned. */
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const arrival = limits.arrive()
    try {
      await serve(req, res, arrival)
    } finally {
      limits.leave()
    }
  }

  /**
   * One API request: the fault decision and the limits' decision at arrival, the delays, then the
   * fault's answer, the limit's refusal or the handler's answer; recorded once answered.
   */
  const serve = async (req: IncomingMessage, res: ServerResponse, arrival: Arrival): Promise<void> => {
    const url = new URL(req.url ?? '/', origin)
    const ghes = url.pathname === GHES_PREFIX || url.pathname.startsWith(`${GHES_PREFIX}/`)
    const raw = await readBody(req)
    let body: unknown
    try {
      body = raw.trim() === '' ? undefined : JSON.parse(raw)
    } catch {
      body = raw // not JSON: answered with 400 Problems parsing JSON
    }
    const sentPath = ghes ? url.pathname.slice(GHES_PREFIX.length) : url.pathname
    const request: ApiRequest = {
      method: req.method ?? 'GET',
      path: canonicalPath(sentPath),
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      apiBase: origin + (ghes ? GHES_PREFIX : '')
    }
    // Fault decision at arrival (so "every Nth" follows the arrival order); the limits decide on the
    // requests the fault plan lets through (a `slow` one included); then the delays.
    const fault = faults.decide(request.method)
    const route = routeKey(request.path)
    const admission: Admission | undefined = fault?.kind === undefined ? limits.admit(request.method, request.path, arrival) : undefined
    const refusal = admission?.refusal
    const delayMs = latencyMs + (fault?.delayMs ?? 0)
    if (delayMs > 0) {
      try {
        await sleep(delayMs, undefined, { signal: closing.signal })
      } catch {
        req.socket.destroy() // the emulator is closing
        return
      }
    }
    const { method, query } = request
    const path = sentPath
    const record = (status: number): void => {
      const { receivedAt } = arrival
      const answeredAt = Date.now()
      requests.push({
        method,
        path,
        query,
        headers: flattenHeaders(req.headers),
        body,
        status,
        ...(fault ? { fault: fault.kind ?? 'slow' } : {}),
        receivedAt,
        answeredAt,
        route,
        ...(refusal ? { refusal } : {})
      })
      limits.finish(arrival, {
        route,
        points: admission?.points ?? pointsOf(method),
        creation: isHookCreation(method, route),
        receivedAt,
        answeredAt,
        refusal
      })
    }

    // The request's own answer (state changes happen here); deliveries it triggers are collected.
    const deliveries: Array<[StoredHook, DeliverySpec]> = []
    const handled = (): Reply => {
      try {
        return answer(request, (hook, spec) => deliveries.push([hook, spec]))
      } catch (error) {
        if (!(error instanceof ApiError)) console.error('[emulator] internal error:', error)
        return error instanceof ApiError ? { status: error.status, body: error.body } : { status: 500, body: { message: String(error) } }
      }
    }

    if (fault?.kind === 'dropConnection') {
      // "The answer was lost": handle the request (and send its deliveries) but answer nothing.
      if (fault.applyFirst) handled()
      req.socket.destroy()
      for (const [hook, spec] of deliveries) deliverLater(hook, spec)
      record(0)
      return
    }
    const version = req.headers['x-github-api-version']
    const apiHeaders: Record<string, string> = {
      'X-GitHub-Api-Version-Selected': typeof version === 'string' && SUPPORTED_API_VERSIONS.includes(version) ? version : SUPPORTED_API_VERSIONS[0],
      'X-GitHub-Media-Type': MEDIA_TYPE,
      'X-GitHub-Request-Id': requestId(),
      Vary: VARY
    }
    const appRoute = matchAppRoute(method, request.path) !== undefined
    let reply: Reply
    let headers: Record<string, string>
    if (fault?.kind !== undefined) {
      // Faults answer instead of the handler: the request has no effect.
      const faulted = faultAnswer(fault.kind, rateLimit, faults.primaryRateLimitStatus, Date.now(), faults.secondaryRetryAfterSeconds)
      reply = { status: faulted.status, body: faulted.body }
      // A 502 comes from GitHub's front end, not from the API: no API headers.
      headers = fault.kind === 'badGateway' ? faulted.headers : { ...apiHeaders, ...faulted.headers }
    } else if (admission?.answer) {
      // A limit refused it: not handled, no effect.
      reply = { status: admission.answer.status, body: admission.answer.body }
      headers = { ...apiHeaders, ...admission.answer.headers }
    } else {
      reply = handled()
      headers = { ...apiHeaders, ...admission?.headers, ...reply.headers }
      if (method === 'GET' && reply.status === 200 && reply.body !== undefined) {
        // GitHub's conditional requests: a weak ETag, and 304 without a body (not counted against
        // the primary budget) when If-None-Match names it.
        const etag = etagOf(req.headers.authorization, reply.body)
        headers.ETag = etag
        headers['Cache-Control'] = CACHE_CONTROL
        if (noneMatch(req.headers['if-none-match'], etag)) {
          reply = { status: 304 }
          if (!appRoute) Object.assign(headers, limits.refundPrimary())
        }
      }
      if (appRoute) {
        // A GitHub App's JWT answers carry no x-ratelimit-* headers (as recorded); not counted here either.
        limits.refundPrimary()
        for (const name of Object.keys(headers)) if (/^x-ratelimit-/i.test(name)) delete headers[name]
      }
    }
    if (reply.body !== undefined) headers['Content-Type'] = 'application/json; charset=utf-8'
    if (clockSkewMs !== 0) headers.Date = new Date(Date.now() + clockSkewMs).toUTCString()
    res.writeHead(reply.status, headers)
    res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body))
    // Like GitHub, deliver only after answering.
    for (const [hook, spec] of deliveries) deliverLater(hook, spec)

    record(reply.status)
    // Fault answers are not validated: 502 and 429 are infrastructure answers that the description
    // does not declare per operation (they would all be "status not declared"), and a 403 fault is a
    // fixed `basic-error`-shaped body; so are the limits' refusals. Only the handlers' own answers are
    // checked, against the path template of the canonical path (`/repositories/{id}/…` as `/repos/…`);
    // a 304 has no body to check.
    const canonical = request.path
    if (
      options.validate &&
      fault?.kind === undefined &&
      !refusal &&
      reply.status !== 304 &&
      (matchRoute(method, canonical) || matchListRoute(method, canonical) || matchAppRoute(method, canonical))
    ) {
      const flavour: ApiFlavour = ghes ? 'ghes-3.19' : 'api.github.com'
      let found: string[]
      try {
        found = validateResponse(flavour, method, canonical, reply.status, reply.body)
      } catch (error) {
        // A schema Ajv cannot compile must fail the test, not vanish in the log.
        found = [`${method} ${path} ${reply.status}: the validator failed: ${error instanceof Error ? error.message : String(error)}`]
      }
      for (const v of found) violations.push(`${v} [${method} ${url.pathname}${url.search}]`)
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('[emulator] request failed:', error)
      if (!res.headersSent) res.writeHead(500).end()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const idle = async (): Promise<void> => {
    while (inflight.size > 0) await Promise.all([...inflight])
  }

  return {
    url: origin,
    ghesUrl: origin + GHES_PREFIX,
    requests,
    violations,
    hooks: (target) => store.hooksOf(store.targetOf(target)).map((h) => structuredClone(h)),
    addHook: (target, fields) => structuredClone(store.seedHook(store.targetOf(target), fields)),
    addDelivery(target, hookId, fields = {}) {
      const hook = store.hooksOf(store.targetOf(target)).find((h) => h.id === hookId)
      if (!hook) throw new Error(`No hook ${hookId} on that target`)
      return structuredClone(store.seedDelivery(hook, fields))
    },
    ...appHookApi(store),
    idle,
    setFaults: (plan) => faults.set(plan),
    get faultsInjected() {
      return faults.injected
    },
    setLimits: (rules) => limits.set(rules),
    limitStats: () => limits.stats(),
    reset() {
      store.reset()
      requests.length = 0
      violations.length = 0
      faults.set(undefined)
      limits.set(startLimits) // resets the rate-limit count too
    },
    async close() {
      closing.abort()
      await idle()
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      })
    }
  }
}

// Run directly (`npx tsx emulator/server.ts [options]`), it is the command of ./cli.ts (`npm run
// emulator`), loaded only then: the emulator with a webhook receiver, until interrupted.
if (process.argv[1] && import.meta.url === pathToFileURL(resolvePath(process.argv[1])).href) {
  void import('./cli.js').then(({ main }) => main(process.argv.slice(2)))
}
