/**
 * A local, stateful emulator of GitHub's REST API for repository and organization webhooks, served
 * over real HTTP (node:http) on 127.0.0.1, with real outgoing webhook deliveries to loopback URLs.
 *
 * Implements the endpoints of GitHub's docs "REST API endpoints for repository webhooks"
 * (`/repos/{owner}/{repo}/hooks…`) and "REST API endpoints for organization webhooks"
 * (`/orgs/{org}/hooks…`), both at the root (api.github.com style) and under `/api/v3` (GitHub
 * Enterprise Server style). With `validate: true` every JSON response is checked against GitHub's
 * OpenAPI description (see ./openapi.ts). Normal answers carry GitHub's `x-ratelimit-*` headers;
 * `setFaults` injects 502s, rate-limit answers, dropped connections and delays (see ./faults.ts).
 *
 * Run directly (`npx tsx emulator/server.ts [--port N]`) it serves until interrupted.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve as resolvePath } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'
import { buildWebhookRequest, describeStatus, isoNow, sendWebhook, type DeliveryOutcome, type WebhookRequest } from './delivery.js'
import { FaultInjector, RateLimitMeter, faultAnswer, type FaultKind, type FaultPlan } from './faults.js'
import { flattenHeaders, readBody } from './http.js'
import { validateResponse, type ApiFlavour } from './openapi.js'

export type { AnswerFaultKind, FaultKind, FaultPlan } from './faults.js'

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** TCP port on 127.0.0.1; default 0 (a free port chosen by the OS). */
  port?: number
  /** Tokens with read and write access; default `['test-token']`. Others get 401 Bad credentials. */
  tokens?: string[]
  /** Tokens that may read but get 403 on endpoints whose docs require the "write" permission. */
  readOnlyTokens?: string[]
  /** Existing repositories as `owner/name` (case-insensitive); default `['octo-org/hello-world']`. */
  repos?: string[]
  /** Existing organizations (case-insensitive); default `['octo-org']`. */
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
}

/** Which hooks: a repository's (`{ owner, repo }`) or an organization's (`{ org }`). */
export type HookTarget = { owner: string; repo: string } | { org: string }

/** A hook's configuration as stored, with the real secret. */
export interface StoredHookConfig {
  url: string
  content_type: 'json' | 'form'
  insecure_ssl: '0' | '1'
  /** Absent when the hook has no secret. */
  secret?: string
}

/** A hook as the emulator stores it (not the API representation: the secret is not masked). */
export interface StoredHook {
  id: number
  scope: 'repo' | 'org'
  /** Canonical `owner/repo` or organization name. */
  target: string
  active: boolean
  events: string[]
  config: StoredHookConfig
  /** ISO 8601 timestamps, second precision. */
  created_at: string
  updated_at: string
}

/** A delivery as stored; its fields are those of the API schema `hook-delivery`, plus `hook_id`. */
export interface StoredDelivery {
  id: number
  hook_id: number
  guid: string
  event: string
  action: string | null
  delivered_at: string
  redelivery: boolean
  /** Seconds. */
  duration: number
  status: string
  /** Receiver's status code; 0 when no HTTP response came. */
  status_code: number
  installation_id: number | null
  repository_id: number | null
  throttled_at: string | null
  /** The hook's `config.url` at delivery time. */
  url: string
  request: { headers: Record<string, string>; payload: Record<string, unknown> }
  response: { headers: Record<string, string>; payload: string | null }
}

/** Fields of {@link Emulator.addHook}; defaults as for `POST …/hooks`. */
export interface HookSeed {
  url: string
  events?: string[]
  active?: boolean
  content_type?: 'json' | 'form'
  secret?: string
  insecure_ssl?: '0' | '1'
}

/** Fields of {@link Emulator.addDelivery}; all optional (defaults: a successful `push`, now). */
export type DeliverySeed = Partial<{
  guid: string
  event: string
  action: string | null
  status_code: number
  status: string
  redelivery: boolean
  /** ISO 8601 string. */
  delivered_at: string
  /** Seconds. */
  duration: number
  payload: Record<string, unknown>
}>

/** A running emulator. */
export interface Emulator {
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
   * Adds a hook directly to the state (no HTTP, no duplicate check); defaults as for the API.
   * @throws Error for an unknown target or invalid fields (e.g. a missing url)
   */
  addHook(target: HookTarget, fields: HookSeed): StoredHook
  /**
   * Adds a delivery of an existing hook directly to the state, with a new id (ids increase, so the
   * newest is listed first). Nothing is sent.
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
   * Clears hooks, deliveries, recorded requests and violations (ids keep increasing), the fault
   * plan and its counters, and the rate-limit count (the next request starts a new window).
   */
  reset(): void
  /** Waits for in-flight deliveries, then stops the server. */
  close(): Promise<void>
}

const DOCS_URL = 'https://docs.github.com/rest'
const GHES_PREFIX = '/api/v3'
const SUPPORTED_API_VERSIONS = ['2022-11-28', '2026-03-10']
const DEFAULT_REPOS = ['octo-org/hello-world']
const DEFAULT_ORGS = ['octo-org']
const DEFAULT_PER_PAGE = 30
const MAX_PER_PAGE = 100
/** GitHub allows at most 20 webhooks per event on one repository or organization. */
const MAX_HOOKS_PER_EVENT = 20
const FIRST_HOOK_ID = 500_000_001
const FIRST_DELIVERY_ID = 10_000_000_001
const MASKED_SECRET = '********'
const SENDER = { login: 'octocat', id: 583231, type: 'User' }
const ZEN = [
  'Keep it logically awesome.',
  'Design for failure.',
  'Speak like a human.',
  'Approachable is better than simple.',
  'Mind your words, they are important.',
  'Responsive is better than fast.',
  'Practicality beats purity.'
]

type Json = Record<string, unknown>
type Scope = StoredHook['scope']

/** A known repository or organization. */
interface Target {
  scope: Scope
  /** Canonical `owner/repo` or org login. */
  name: string
  id: number
  /** `/repos/owner/repo` or `/orgs/org`. */
  apiPath: string
}

/** An error answer of the API: status plus GitHub's error body. */
class ApiError extends Error {
  readonly status: number
  readonly body: Json
  constructor(status: number, message: string, extra: Json = {}) {
    super(message)
    this.status = status
    this.body = { message, ...extra, documentation_url: DOCS_URL, status: String(status) }
  }
}

const notFound = (): ApiError => new ApiError(404, 'Not Found')

/** 422 with GitHub's `validation-error` body. */
function validationFailed(error: Json): ApiError {
  return new ApiError(422, 'Validation Failed', { errors: [error] })
}

/** 422 as GitHub answers a body that does not match an endpoint's schema. */
function invalidRequest(property: string, value: unknown, expected: string): ApiError {
  return new ApiError(422, `Invalid request.\n\nFor '${property}', ${JSON.stringify(value)} is not ${expected}.`)
}

const isString = (v: unknown): v is string => typeof v === 'string'
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean'
const isStringOrNumber = (v: unknown): v is string | number => typeof v === 'string' || typeof v === 'number'
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString)
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Reads an optional field of a request body, throwing 422 `Invalid request` when mistyped. */
function optional<T>(obj: Json, key: string, guard: (v: unknown) => v is T, expected: string, label = key): T | undefined {
  const value = obj[key]
  if (value === undefined) return undefined
  if (!guard(value)) throw invalidRequest(label, value, expected)
  return value
}

/** A request body as an object (`{}` when empty). */
function bodyObject(body: unknown): Json {
  if (body === undefined || body === null) return {}
  if (!isObject(body)) throw invalidRequest('body', body, 'an object')
  return body
}

const DEFAULT_CONFIG: Partial<StoredHookConfig> = { content_type: 'form', insecure_ssl: '0' }

/**
 * Applies config fields of a request on top of `base` and validates the result. Used by create
 * (base = defaults), `PATCH …/hooks/{id}` with `config` (replacement: base = defaults) and
 * `PATCH …/config` (merge: base = stored config). `insecure_ssl` may come as string or number and is
 * stored as a string; a blank `secret` means no secret, as on GitHub's settings page. A secret of
 * `"********"` is stored literally, as GitHub does.
 */
function parseConfig(input: Json, base: Partial<StoredHookConfig>, labelPrefix = ''): StoredHookConfig {
  const field = <T>(key: string, guard: (v: unknown) => v is T, expected: string): T | undefined =>
    optional(input, key, guard, expected, labelPrefix + key)
  const url = field('url', isString, 'a string') ?? base.url
  const contentType = field('content_type', isString, 'a string') ?? base.content_type ?? 'form'
  const insecureSsl = String(field('insecure_ssl', isStringOrNumber, 'a string or number') ?? base.insecure_ssl ?? '0')
  const secret = field('secret', isString, 'a string') ?? base.secret
  if (!url) throw validationFailed({ resource: 'Hook', code: 'custom', message: 'Config must contain URL for webhooks' })
  if (!/^https?:$/.test(URL.parse(url)?.protocol ?? '')) {
    throw validationFailed({ resource: 'Hook', code: 'custom', field: 'url', message: `url is not a valid URL: ${url}` })
  }
  if (contentType !== 'json' && contentType !== 'form') {
    throw validationFailed({ resource: 'Hook', code: 'invalid', field: 'content_type', value: contentType })
  }
  if (insecureSsl !== '0' && insecureSsl !== '1') {
    throw validationFailed({ resource: 'Hook', code: 'invalid', field: 'insecure_ssl', value: insecureSsl })
  }
  return { url, content_type: contentType, insecure_ssl: insecureSsl, ...(secret ? { secret } : {}) }
}

/** Two event lists overlap if they share an event or either contains the wildcard `*`. */
function eventsOverlap(a: string[], b: string[]): boolean {
  return a.includes('*') || b.includes('*') || a.some((event) => b.includes(event))
}

const unique = (events: string[]): string[] => [...new Set(events)]

/** A numeric path parameter (`hook_id`, `delivery_id`); NaN unless it is all digits. */
const idOf = (text: string | number): number => (/^\d+$/.test(String(text)) ? Number(text) : Number.NaN)

/** Page size from `per_page`: default 30, clamped to 1…100. */
function perPage(query: Record<string, string>): number {
  const value = Number.parseInt(query.per_page ?? '', 10)
  return Number.isNaN(value) || value < 1 ? DEFAULT_PER_PAGE : Math.min(value, MAX_PER_PAGE)
}

/** The state of the emulator and the documented semantics of the hooks endpoints, without HTTP. */
class HookStore {
  readonly targets = new Map<string, Target>()
  readonly hooks = new Map<number, StoredHook>()
  deliveries: StoredDelivery[] = []
  nextHookId = FIRST_HOOK_ID
  nextDeliveryId = FIRST_DELIVERY_ID

  constructor(repos: string[], orgs: string[]) {
    repos.forEach((name, i) => this.addTarget({ scope: 'repo', name, id: 1296269 + i, apiPath: `/repos/${name}` }))
    orgs.forEach((name, i) => this.addTarget({ scope: 'org', name, id: 9919 + i, apiPath: `/orgs/${name}` }))
  }

  private addTarget(target: Target): void {
    this.targets.set(`${target.scope}:${target.name.toLowerCase()}`, target)
  }

  /** The known repository (`owner/repo`) or organization, case-insensitively. */
  target(scope: Scope, name: string): Target | undefined {
    return this.targets.get(`${scope}:${name.toLowerCase()}`)
  }

  /** Resolves a {@link HookTarget} of the public API, throwing a plain Error when unknown. */
  targetOf(target: HookTarget): Target {
    const [scope, name] = 'org' in target ? (['org', target.org] as const) : (['repo', `${target.owner}/${target.repo}`] as const)
    const found = this.target(scope, name)
    if (!found) throw new Error(`The emulator knows no ${scope === 'org' ? 'organization' : 'repository'} '${name}'`)
    return found
  }

  targetOfHook(hook: StoredHook): Target {
    return this.target(hook.scope, hook.target) as Target
  }

  hooksOf(target: Target): StoredHook[] {
    return [...this.hooks.values()].filter((h) => h.scope === target.scope && h.target === target.name)
  }

  /** The hook `id` of a target; 404 when there is none. */
  hook(target: Target, id: string | number): StoredHook {
    const hook = this.hooks.get(idOf(id))
    if (!hook || hook.scope !== target.scope || hook.target !== target.name) throw notFound()
    return hook
  }

  /**
   * Refuses (422) a hook whose url and events collide with another hook of the same target
   * ("Multiple webhooks can share the same config as long as those webhooks do not have any events
   * that overlap"), or that would make an event exceed 20 hooks.
   */
  private checkCollisions(target: Target, candidate: { id?: number; url: string; events: string[] }): void {
    const others = this.hooksOf(target).filter((h) => h.id !== candidate.id)
    if (others.some((h) => h.config.url === candidate.url && eventsOverlap(h.events, candidate.events))) {
      const where = target.scope === 'repo' ? 'repository' : 'organization'
      throw validationFailed({ resource: 'Hook', code: 'custom', message: `Hook already exists on this ${where}` })
    }
    const crowded = candidate.events.find((e) => others.filter((h) => h.events.includes(e)).length >= MAX_HOOKS_PER_EVENT)
    if (crowded !== undefined) {
      throw validationFailed({ resource: 'Hook', code: 'custom', message: `The "${crowded}" event cannot have more than ${MAX_HOOKS_PER_EVENT} hooks` })
    }
  }

  private store(target: Target, fields: Pick<StoredHook, 'active' | 'events' | 'config'>): StoredHook {
    const now = isoNow()
    const hook: StoredHook = { id: this.nextHookId++, scope: target.scope, target: target.name, ...fields, created_at: now, updated_at: now }
    this.hooks.set(hook.id, hook)
    return hook
  }

  /**
   * `POST …/hooks`. `name` must be `web`: optional for repositories (default `web`), required for
   * organizations (the org endpoint's schema lists it as required). Defaults: events `["push"]`,
   * active true, content_type form, insecure_ssl "0".
   */
  createHook(target: Target, body: unknown): StoredHook {
    const input = bodyObject(body)
    const name = optional(input, 'name', isString, 'a string')
    if (name === undefined && target.scope === 'org') {
      throw validationFailed({ resource: 'Hook', code: 'missing_field', field: 'name' })
    }
    if (name !== undefined && name !== 'web') throw validationFailed({ resource: 'Hook', code: 'invalid', field: 'name' })
    const config = parseConfig(optional(input, 'config', isObject, 'an object') ?? {}, DEFAULT_CONFIG, 'config/')
    const events = unique(optional(input, 'events', isStringArray, 'an array of strings') ?? ['push'])
    const active = optional(input, 'active', isBoolean, 'a boolean') ?? true
    this.checkCollisions(target, { url: config.url, events })
    return this.store(target, { active, events, config })
  }

  /** Seed helper behind {@link Emulator.addHook}: create defaults, no collision check. */
  seedHook(target: Target, seed: HookSeed): StoredHook {
    const { url, content_type, secret, insecure_ssl } = seed
    const config = parseConfig({ url, content_type, secret, insecure_ssl }, DEFAULT_CONFIG)
    return this.store(target, { active: seed.active ?? true, events: unique(seed.events ?? ['push']), config })
  }

  /**
   * `PATCH …/hooks/{hook_id}`. `events` replaces the list; `add_events` / `remove_events` are applied
   * after it for repositories (the org endpoint does not document them, and they are ignored there);
   * `config`, when present, REPLACES the stored config: an absent secret is removed, absent
   * content_type / insecure_ssl return to form / "0"; an absent url keeps the old one for repositories
   * but is a 422 for organizations, whose schema requires it.
   */
  updateHook(target: Target, hook: StoredHook, body: unknown): void {
    const input = bodyObject(body)
    let events = optional(input, 'events', isStringArray, 'an array of strings') ?? hook.events
    if (target.scope === 'repo') {
      const added = optional(input, 'add_events', isStringArray, 'an array of strings') ?? []
      const removed = optional(input, 'remove_events', isStringArray, 'an array of strings') ?? []
      events = [...events, ...added].filter((e) => !removed.includes(e))
    }
    const active = optional(input, 'active', isBoolean, 'a boolean') ?? hook.active
    const configInput = optional(input, 'config', isObject, 'an object')
    const replacementBase = target.scope === 'repo' ? { ...DEFAULT_CONFIG, url: hook.config.url } : DEFAULT_CONFIG
    const config = configInput ? parseConfig(configInput, replacementBase, 'config/') : hook.config
    this.checkCollisions(target, { id: hook.id, url: config.url, events: unique(events) })
    Object.assign(hook, { events: unique(events), active, config, updated_at: isoNow() })
  }

  /** `PATCH …/hooks/{hook_id}/config`: MERGES the given url, content_type, secret, insecure_ssl. */
  updateConfig(target: Target, hook: StoredHook, body: unknown): void {
    const config = parseConfig(bodyObject(body), hook.config)
    this.checkCollisions(target, { id: hook.id, url: config.url, events: hook.events })
    Object.assign(hook, { config, updated_at: isoNow() })
  }

  deleteHook(hook: StoredHook): void {
    this.hooks.delete(hook.id)
    this.deliveries = this.deliveries.filter((d) => d.hook_id !== hook.id)
  }

  /** A hook's deliveries, newest (highest id) first. */
  deliveriesOf(hook: StoredHook): StoredDelivery[] {
    return this.deliveries.filter((d) => d.hook_id === hook.id).sort((a, b) => b.id - a.id)
  }

  delivery(hook: StoredHook, id: string): StoredDelivery {
    const found = this.deliveries.find((d) => d.hook_id === hook.id && d.id === idOf(id))
    if (!found) throw notFound()
    return found
  }

  /** Records an attempted delivery; dropped if the hook was deleted (or the state reset) meanwhile. */
  recordDelivery(hook: StoredHook, spec: DeliverySpec, headers: Record<string, string>, outcome: DeliveryOutcome): StoredDelivery | undefined {
    if (this.hooks.get(hook.id) !== hook) return undefined
    const target = this.targetOfHook(hook)
    const delivery: StoredDelivery = {
      id: this.nextDeliveryId++,
      hook_id: hook.id,
      guid: spec.guid,
      event: spec.event,
      action: spec.action,
      delivered_at: outcome.deliveredAt,
      redelivery: spec.redelivery,
      duration: outcome.duration,
      status: outcome.status,
      status_code: outcome.statusCode,
      installation_id: null,
      repository_id: target.scope === 'repo' ? target.id : null,
      throttled_at: null,
      url: hook.config.url,
      request: { headers, payload: spec.payload },
      response: { headers: outcome.responseHeaders, payload: outcome.responseBody }
    }
    this.deliveries.push(delivery)
    return delivery
  }

  /** The request GitHub would send for `spec` to `hook` with its current config. */
  webhookRequest(hook: StoredHook, spec: DeliverySpec): WebhookRequest {
    const target = this.targetOfHook(hook)
    return buildWebhookRequest({
      hookId: hook.id,
      targetType: target.scope === 'repo' ? 'repository' : 'organization',
      targetId: target.id,
      guid: spec.guid,
      event: spec.event,
      contentType: hook.config.content_type,
      secret: hook.config.secret,
      payload: spec.payload
    })
  }

  reset(): void {
    this.hooks.clear()
    this.deliveries = []
  }
}

/** What to deliver: one event occurrence (a redelivery repeats the guid, event, action and payload). */
interface DeliverySpec {
  guid: string
  event: string
  action: string | null
  payload: Record<string, unknown>
  redelivery: boolean
}

// ---------------------------------------------------------------------------------------------------
// API representations

/** `last_response` of a hook, from its newest delivery (approximation: status "active" after a 2xx). */
function lastResponse(store: HookStore, hook: StoredHook): Json {
  const [latest] = store.deliveriesOf(hook)
  if (!latest) return { code: null, status: 'unused', message: null }
  const ok = latest.status_code >= 200 && latest.status_code < 300
  return { code: latest.status_code || null, status: ok ? 'active' : 'failed', message: latest.status }
}

/**
 * A hook as the API shows it: schema `hook` for repositories (type "Repository", with `test_url`
 * and `last_response`) or `org-hook` for organizations (type "Organization", neither). The secret is
 * masked. `apiBase` is the root the request came through (with `/api/v3` for GHES).
 */
function hookJson(store: HookStore, hook: StoredHook, apiBase: string): Json {
  const target = store.targetOfHook(hook)
  const url = `${apiBase}${target.apiPath}/hooks/${hook.id}`
  const repo = hook.scope === 'repo'
  return {
    type: repo ? 'Repository' : 'Organization',
    id: hook.id,
    name: 'web',
    active: hook.active,
    events: [...hook.events],
    config: configJson(hook.config),
    updated_at: hook.updated_at,
    created_at: hook.created_at,
    url,
    ...(repo ? { test_url: `${url}/test` } : {}),
    ping_url: `${url}/pings`,
    deliveries_url: `${url}/deliveries`,
    ...(repo ? { last_response: lastResponse(store, hook) } : {})
  }
}

/** Schema `webhook-config`: the secret, when set, is shown as `********`. */
function configJson(config: StoredHookConfig): Json {
  const { content_type, insecure_ssl, url } = config
  return { content_type, insecure_ssl, ...(config.secret !== undefined ? { secret: MASKED_SECRET } : {}), url }
}

/** Schema `hook-delivery-item`. */
function deliveryItemJson(d: StoredDelivery): Json {
  const { id, guid, delivered_at, redelivery, duration, status, status_code, event, action } = d
  const { installation_id, repository_id, throttled_at } = d
  return { id, guid, delivered_at, redelivery, duration, status, status_code, event, action, installation_id, repository_id, throttled_at }
}

/** Schema `hook-delivery`: the item plus `url`, `request` and `response`. */
function deliveryJson(d: StoredDelivery): Json {
  return { ...deliveryItemJson(d), url: d.url, request: structuredClone(d.request), response: structuredClone(d.response) }
}

/** The `repository` / `organization` and `sender` parts of an event payload. */
function payloadContext(target: Target, apiBase: string): Json {
  if (target.scope === 'org') {
    return { organization: { login: target.name, id: target.id, url: `${apiBase}${target.apiPath}` }, sender: SENDER }
  }
  const [owner, name] = target.name.split('/')
  return {
    repository: {
      id: target.id,
      name,
      full_name: target.name,
      private: false,
      owner: { login: owner, type: 'Organization' },
      html_url: `https://github.com/${target.name}`,
      url: `${apiBase}${target.apiPath}`,
      default_branch: 'main'
    },
    sender: SENDER
  }
}

/** A small but plausible `push` payload, as `POST …/tests` sends it. */
function pushPayload(target: Target, apiBase: string): Json {
  const before = randomBytes(20).toString('hex')
  const after = randomBytes(20).toString('hex')
  const author = { name: 'The Octocat', email: 'octocat@github.com', username: 'octocat' }
  const commit = {
    id: after,
    tree_id: randomBytes(20).toString('hex'),
    distinct: true,
    message: 'Update README.md',
    timestamp: isoNow(),
    url: `https://github.com/${target.name}/commit/${after}`,
    author,
    committer: author,
    added: [],
    removed: [],
    modified: ['README.md']
  }
  return {
    ref: 'refs/heads/main',
    before,
    after,
    created: false,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `https://github.com/${target.name}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`,
    commits: [commit],
    head_commit: commit,
    pusher: { name: 'octocat', email: 'octocat@github.com' },
    ...payloadContext(target, apiBase)
  }
}

// ---------------------------------------------------------------------------------------------------
// Routes

interface RequestContext {
  target: Target
  params: Record<string, string>
  query: Record<string, string>
  body: unknown
  /** Root the request came through: `http://127.0.0.1:PORT` or `…/api/v3`. */
  apiBase: string
  /** Path of the request without prefix and query, for building Link URLs. */
  path: string
  /** Schedules an outgoing delivery, sent after the API answer. */
  deliver(hook: StoredHook, spec: DeliverySpec): void
}

interface Reply {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

type Permission = 'read' | 'write'

/**
 * One endpoint, for the scopes it exists in. `perm` gives the fine-grained "Webhooks" permission
 * the docs list per scope (e.g. a repository ping needs only read, an organization ping write); a
 * scope not listed has no such endpoint (404).
 */
interface Route {
  method: string
  path: string
  perm: Partial<Record<Scope, Permission>>
  handle(store: HookStore, ctx: RequestContext): Reply
}

const READ: Route['perm'] = { repo: 'read', org: 'read' }
const WRITE: Route['perm'] = { repo: 'write', org: 'write' }

const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({ status, body, headers })

const ROUTES: Route[] = [
  {
    method: 'GET',
    path: 'hooks',
    perm: READ,
    handle(store, ctx) {
      const hooks = store.hooksOf(ctx.target)
      const size = perPage(ctx.query)
      const lastPage = Math.max(1, Math.ceil(hooks.length / size))
      const page = Math.max(1, Number.parseInt(ctx.query.page ?? '', 10) || 1)
      const items = hooks.slice((page - 1) * size, page * size).map((h) => hookJson(store, h, ctx.apiBase))
      const link = (p: number, rel: string): string => `<${ctx.apiBase}${ctx.path}?per_page=${size}&page=${p}>; rel="${rel}"`
      const links = [
        ...(page > 1 ? [link(Math.min(page - 1, lastPage), 'prev')] : []),
        ...(page < lastPage ? [link(page + 1, 'next'), link(lastPage, 'last')] : []),
        ...(page > 1 ? [link(1, 'first')] : [])
      ]
      return json(200, items, links.length > 0 ? { Link: links.join(', ') } : undefined)
    }
  },
  {
    method: 'POST',
    path: 'hooks',
    perm: WRITE,
    handle: (store, ctx) => json(201, hookJson(store, store.createHook(ctx.target, ctx.body), ctx.apiBase))
  },
  {
    method: 'GET',
    path: 'hooks/:hook_id',
    perm: READ,
    handle: (store, ctx) => json(200, hookJson(store, store.hook(ctx.target, ctx.params.hook_id), ctx.apiBase))
  },
  {
    method: 'PATCH',
    path: 'hooks/:hook_id',
    perm: WRITE,
    handle(store, ctx) {
      const hook = store.hook(ctx.target, ctx.params.hook_id)
      store.updateHook(ctx.target, hook, ctx.body)
      return json(200, hookJson(store, hook, ctx.apiBase))
    }
  },
  {
    method: 'DELETE',
    path: 'hooks/:hook_id',
    perm: WRITE,
    handle(store, ctx) {
      store.deleteHook(store.hook(ctx.target, ctx.params.hook_id))
      return { status: 204 }
    }
  },
  {
    method: 'GET',
    path: 'hooks/:hook_id/config',
    perm: READ,
    handle: (store, ctx) => json(200, configJson(store.hook(ctx.target, ctx.params.hook_id).config))
  },
  {
    method: 'PATCH',
    path: 'hooks/:hook_id/config',
    perm: WRITE,
    handle(store, ctx) {
      const hook = store.hook(ctx.target, ctx.params.hook_id)
      store.updateConfig(ctx.target, hook, ctx.body)
      return json(200, configJson(hook.config))
    }
  },
  {
    method: 'GET',
    path: 'hooks/:hook_id/deliveries',
    perm: READ,
    handle(store, ctx) {
      // `status` filter, as the OpenAPI description defines it: `success` = status_code 200–399,
      // `failure` = 400–599. A delivery that got no HTTP response (status_code 0, "failed to
      // connect") is in neither: the server-side filter misses it, as on GitHub.
      const filter = ctx.query.status
      if (filter !== undefined && filter !== 'success' && filter !== 'failure') {
        throw validationFailed({ resource: 'HookDelivery', code: 'invalid', field: 'status', value: filter })
      }
      const inRange = (d: StoredDelivery): boolean =>
        filter === 'success' ? d.status_code >= 200 && d.status_code < 400 : d.status_code >= 400 && d.status_code < 600
      let deliveries = store.deliveriesOf(store.hook(ctx.target, ctx.params.hook_id))
      if (filter) deliveries = deliveries.filter(inRange)
      // Cursor: opaque to clients; here `v1_<id>` = continue after (older than) delivery <id>.
      if (ctx.query.cursor !== undefined) {
        const after = /^v1_(\d+)$/.exec(ctx.query.cursor)
        if (!after) throw new ApiError(400, 'Invalid cursor')
        deliveries = deliveries.filter((d) => d.id < Number(after[1]))
      }
      const size = perPage(ctx.query)
      const page = deliveries.slice(0, size)
      if (deliveries.length <= size) return json(200, page.map(deliveryItemJson))
      const next = new URLSearchParams({ per_page: String(size), cursor: `v1_${page[page.length - 1].id}` })
      if (filter) next.set('status', filter)
      return json(200, page.map(deliveryItemJson), { Link: `<${ctx.apiBase}${ctx.path}?${next}>; rel="next"` })
    }
  },
  {
    method: 'GET',
    path: 'hooks/:hook_id/deliveries/:delivery_id',
    perm: READ,
    handle(store, ctx) {
      const hook = store.hook(ctx.target, ctx.params.hook_id)
      return json(200, deliveryJson(store.delivery(hook, ctx.params.delivery_id)))
    }
  },
  {
    method: 'POST',
    path: 'hooks/:hook_id/deliveries/:delivery_id/attempts',
    perm: WRITE,
    handle(store, ctx) {
      const hook = store.hook(ctx.target, ctx.params.hook_id)
      const { guid, event, action, request } = store.delivery(hook, ctx.params.delivery_id)
      ctx.deliver(hook, { guid, event, action, payload: structuredClone(request.payload), redelivery: true })
      return json(202, {})
    }
  },
  {
    method: 'POST',
    path: 'hooks/:hook_id/pings',
    perm: { repo: 'read', org: 'write' },
    handle(store, ctx) {
      const hook = store.hook(ctx.target, ctx.params.hook_id)
      const payload = {
        zen: ZEN[Math.floor(Math.random() * ZEN.length)],
        hook_id: hook.id,
        hook: hookJson(store, hook, ctx.apiBase),
        ...payloadContext(ctx.target, ctx.apiBase)
      }
      ctx.deliver(hook, { guid: randomUUID(), event: 'ping', action: null, payload, redelivery: false })
      return { status: 204 }
    }
  },
  {
    method: 'POST',
    path: 'hooks/:hook_id/tests',
    perm: { repo: 'read' },
    handle(store, ctx) {
      // "If the hook is not subscribed to push events, the server will respond with 204 but no test
      // POST will be generated."
      const hook = store.hook(ctx.target, ctx.params.hook_id)
      if (hook.events.includes('push') || hook.events.includes('*')) {
        const payload = pushPayload(ctx.target, ctx.apiBase)
        ctx.deliver(hook, { guid: randomUUID(), event: 'push', action: null, payload, redelivery: false })
      }
      return { status: 204 }
    }
  }
]

const COMPILED_ROUTES = ROUTES.map((route) => ({
  route,
  pattern: new RegExp(`^${route.path.replace(/:(\w+)/g, '(?<$1>[^/]+)')}$`)
}))

/** Splits an API path (`/repos/o/r/hooks/1`) into scope, target name and route. */
function matchRoute(method: string, path: string): { route: Route; scope: Scope; name: string; params: Record<string, string> } | undefined {
  const m = /^\/(?:repos\/([^/]+)\/([^/]+)|orgs\/([^/]+))\/(.+)$/.exec(path)
  if (!m) return undefined
  const scope: Scope = m[3] === undefined ? 'repo' : 'org'
  const name = decodeURIComponent(scope === 'org' ? m[3] : `${m[1]}/${m[2]}`)
  for (const { route, pattern } of COMPILED_ROUTES) {
    const found = route.method === method && route.perm[scope] !== undefined ? pattern.exec(m[4]) : null
    if (found) return { route, scope, name, params: { ...found.groups } }
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------------
// HTTP server

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
 * @throws when the port cannot be bound (e.g. EADDRINUSE)
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const store = new HookStore(options.repos ?? DEFAULT_REPOS, options.orgs ?? DEFAULT_ORGS)
  const writeTokens = new Set(options.tokens ?? ['test-token'])
  const readOnlyTokens = new Set(options.readOnlyTokens ?? [])
  const requests: RecordedRequest[] = []
  const violations: string[] = []
  const inflight = new Set<Promise<void>>()
  const faults = new FaultInjector()
  const rateLimit = new RateLimitMeter()
  const latencyMs = options.latencyMs ?? 0
  if (!(typeof latencyMs === 'number' && Number.isFinite(latencyMs) && latencyMs >= 0)) {
    throw new RangeError(`latencyMs must be a non-negative number of milliseconds, got ${JSON.stringify(options.latencyMs)}`)
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
   * Answers one API request: version check (400), authentication (401), route and target (404),
   * permission (403), then the route's handler. Deliveries the handler asks for go to `deliver`.
   */
  const answer = (request: ApiRequest, deliver: RequestContext['deliver']): Reply => {
    const version = request.headers['x-github-api-version']
    if (typeof version === 'string' && !SUPPORTED_API_VERSIONS.includes(version)) {
      throw new ApiError(400, `API version '${version}' is not supported.`)
    }
    const token = tokenOf(request.headers.authorization)
    if (token === undefined || !(writeTokens.has(token) || readOnlyTokens.has(token))) {
      throw new ApiError(401, 'Bad credentials')
    }
    const match = matchRoute(request.method, request.path)
    const target = match && store.target(match.scope, match.name)
    if (!match || !target) throw notFound()
    if (match.route.perm[match.scope] === 'write' && !writeTokens.has(token)) {
      throw new ApiError(403, 'Resource not accessible by personal access token')
    }
    if (typeof request.body === 'string') throw new ApiError(400, 'Problems parsing JSON')
    const { path, query, body, apiBase } = request
    return match.route.handle(store, { target, params: match.params, query, body, apiBase, path, deliver })
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', origin)
    const ghes = url.pathname === GHES_PREFIX || url.pathname.startsWith(`${GHES_PREFIX}/`)
    const raw = await readBody(req)
    let body: unknown
    try {
      body = raw.trim() === '' ? undefined : JSON.parse(raw)
    } catch {
      body = raw // not JSON: answered with 400 Problems parsing JSON
    }
    const request: ApiRequest = {
      method: req.method ?? 'GET',
      path: ghes ? url.pathname.slice(GHES_PREFIX.length) : url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      apiBase: origin + (ghes ? GHES_PREFIX : '')
    }
    // Fault decision at arrival (so "every Nth" follows the arrival order), then the delays.
    const fault = faults.decide(request.method)
    const delayMs = latencyMs + (fault?.delayMs ?? 0)
    if (delayMs > 0) {
      try {
        await sleep(delayMs, undefined, { signal: closing.signal })
      } catch {
        req.socket.destroy() // the emulator is closing
        return
      }
    }
    const { method, path, query } = request
    const record = (status: number): void => {
      requests.push({ method, path, query, headers: flattenHeaders(req.headers), body, status, ...(fault ? { fault: fault.kind ?? 'slow' } : {}) })
    }

    // The request's own answer (state changes happen here); deliveries it triggers are collected.
    const deliveries: Array<[StoredHook, DeliverySpec]> = []
    const handled = (): Reply => {
      try {
        return answer(request, (hook, spec) => deliveries.push([hook, spec]))
      } catch (error) {
        if (!(error instanceof ApiError)) console.error('[emulator] internal error:', error)
        return error instanceof ApiError ? { status: error.status, body: error.body } : json(500, { message: String(error) })
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
      'X-GitHub-Api-Version-Selected': typeof version === 'string' && SUPPORTED_API_VERSIONS.includes(version) ? version : SUPPORTED_API_VERSIONS[0]
    }
    let reply: Reply
    let headers: Record<string, string>
    if (fault?.kind !== undefined) {
      // Faults answer instead of the handler: the request has no effect.
      const faulted = faultAnswer(fault.kind, rateLimit, faults.primaryRateLimitStatus)
      reply = { status: faulted.status, body: faulted.body }
      // A 502 comes from GitHub's front end, not from the API: no API headers.
      headers = fault.kind === 'badGateway' ? faulted.headers : { ...apiHeaders, ...faulted.headers }
    } else {
      reply = handled()
      headers = { ...apiHeaders, ...rateLimit.take(), ...reply.headers }
    }
    if (reply.body !== undefined) headers['Content-Type'] = 'application/json; charset=utf-8'
    res.writeHead(reply.status, headers)
    res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body))
    // Like GitHub, deliver only after answering.
    for (const [hook, spec] of deliveries) deliverLater(hook, spec)

    record(reply.status)
    // Fault answers are not validated: 502 and 429 are infrastructure answers that the description
    // does not declare per operation (they would all be "status not declared"), and a 403 fault is a
    // fixed `basic-error`-shaped body. Only the handlers' own answers are checked.
    if (options.validate && fault?.kind === undefined && matchRoute(method, path)) {
      const flavour: ApiFlavour = ghes ? 'ghes-3.19' : 'api.github.com'
      for (const v of validateResponse(flavour, method, path, reply.status, reply.body)) {
        violations.push(`${v} [${method} ${url.pathname}${url.search}]`)
      }
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
      const statusCode = fields.status_code ?? 200
      const spec: DeliverySpec = {
        guid: fields.guid ?? randomUUID(),
        event: fields.event ?? 'push',
        action: fields.action ?? null,
        payload: fields.payload ?? {},
        redelivery: fields.redelivery ?? false
      }
      const outcome: DeliveryOutcome = {
        statusCode,
        status: fields.status ?? describeStatus(statusCode),
        duration: fields.duration ?? 0.05,
        deliveredAt: fields.delivered_at ?? isoNow(),
        responseHeaders: {},
        responseBody: null
      }
      return structuredClone(store.recordDelivery(hook, spec, store.webhookRequest(hook, spec).headers, outcome) as StoredDelivery)
    },
    idle,
    setFaults: (plan) => faults.set(plan),
    get faultsInjected() {
      return faults.injected
    },
    reset() {
      store.reset()
      requests.length = 0
      violations.length = 0
      faults.set(undefined)
      rateLimit.reset()
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

/** CLI: `npx tsx emulator/server.ts [--port N]`. */
async function main(argv: string[]): Promise<void> {
  const at = argv.findIndex((a) => a === '--port' || a.startsWith('--port='))
  const portText = at < 0 ? '0' : argv[at].includes('=') ? argv[at].split('=')[1] : argv[at + 1]
  const port = Number(portText)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Invalid --port: ${portText}`)
  const emulator = await startEmulator({ port, validate: true })
  console.log(`GitHub webhooks API emulator listening on ${emulator.url} (GHES-style: ${emulator.ghesUrl}); token: test-token`)
  const stop = (): void => {
    for (const v of emulator.violations) console.error(`[emulator] OpenAPI violation: ${v}`)
    void emulator.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolvePath(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  })
}
