/**
 * The emulator's state and the documented semantics of GitHub's hooks endpoints, without HTTP:
 * which repositories and organizations exist, their hooks (with the real secret), the deliveries
 * made to them, and the rules of GitHub's docs "REST API endpoints for repository webhooks" and
 * "REST API endpoints for organization webhooks" (defaults, validation, duplicate and per-event
 * limits, config replacement versus merge, delivery retention), plus the one webhook of each GitHub
 * App (docs "REST API endpoints for GitHub App webhooks": `/app/hook/config`, `/app/hook/deliveries…`),
 * stored as a hook of scope `app` so that it shares the delivery model. Errors of the API are thrown
 * as {@link ApiError}; ./routes.ts and ./app-routes.ts map requests onto these methods and
 * ./server.ts serves them.
 */
import { randomUUID } from 'node:crypto'
import { buildWebhookRequest, describeStatus, isoNow, type DeliveryOutcome, type WebhookRequest } from './delivery.js'

/** `documentation_url` of the emulator's error bodies. */
export const DOCS_URL = 'https://docs.github.com/rest'

/**
 * How long deliveries are kept, in MILLISECONDS: 3 days, as on github.com (GitHub's webhook docs:
 * delivery logs are kept for 3 days). Older deliveries are neither listed nor readable (404), and
 * cannot be redelivered (422); see {@link HookStore.deliveriesOf}.
 */
export const DELIVERY_RETENTION_MS = 3 * 24 * 60 * 60 * 1000

/** GitHub allows at most 20 webhooks per event on one repository or organization. */
const MAX_HOOKS_PER_EVENT = 20
const FIRST_HOOK_ID = 500_000_001
const FIRST_DELIVERY_ID = 10_000_000_001

/** A JSON object (request body, API representation, payload). */
export type Json = Record<string, unknown>

/** Which hooks: a repository's (`{ owner, repo }`) or an organization's (`{ org }`). */
export type HookTarget = { owner: string; repo: string } | { org: string }

/** Scope of a hook: repository, organization, or GitHub App (whose one webhook is `/app/hook`). */
export type Scope = 'repo' | 'org' | 'app'

/** A known repository, organization or GitHub App. */
export interface Target {
  scope: Scope
  /** Canonical `owner/repo`, org login, or the app id as a decimal string. */
  name: string
  /** Repository, organization or app id. */
  id: number
  /** `/repos/owner/repo`, `/orgs/org` or `/app`. */
  apiPath: string
}

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
  scope: Scope
  /** Canonical `owner/repo`, organization name, or the app id (decimal string) for an App's webhook. */
  target: string
  /** Always true for an App's webhook. */
  active: boolean
  /** Empty for an App's webhook (an App subscribes to events in its settings, not on the hook). */
  events: string[]
  config: StoredHookConfig
  /**
   * ISO 8601 timestamps, second precision. `updated_at` changes with writes to the hook or its
   * config only, never with a delivery.
   */
  created_at: string
  updated_at: string
  /**
   * What `last_response` shows while the hook has no delivery (seeded, {@link HookSeed.last_response});
   * absent: `{code: null, status: "unused", message: null}`.
   */
  last_response?: { code: number | null; status: string | null; message: string | null }
  /** A legacy service hook's name (e.g. `travis`); absent for a webhook (`web`). */
  legacy_name?: string
}

/** A delivery as stored; its fields are those of the API schema `hook-delivery`, plus `hook_id`. */
export interface StoredDelivery {
  id: number
  hook_id: number
  guid: string
  event: string
  action: string | null
  /** ISO 8601, whole seconds (`2026-11-21T10:00:00Z`) for real deliveries; seeds keep theirs. */
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
  /** Headers as sent and the payload as an object (the body sent is its Ruby-style JSON). */
  request: { headers: Record<string, string>; payload: Record<string, unknown> }
  response: { headers: Record<string, string>; payload: string | null }
}

/** Fields of `Emulator.addHook`; defaults as for `POST …/hooks`. */
export interface HookSeed {
  /** Required for a webhook (`name` `web`); a legacy service hook may have none (`config: {}`). */
  url?: string
  /**
   * The hook's `name`: `web` (default) for a webhook; another name (e.g. `travis`) seeds a legacy
   * service hook, as GitHub still lists them: without `url` its `config` is `{}`.
   */
  name?: string
  events?: string[]
  active?: boolean
  content_type?: 'json' | 'form'
  secret?: string
  insecure_ssl?: '0' | '1'
  /** When the hook was created (ISO 8601, whole seconds); default now. */
  created_at?: string
  /** When the hook was last changed (ISO 8601, whole seconds); default `created_at`. */
  updated_at?: string
  /**
   * A repository hook's `last_response` until its first delivery, to replay a recorded shape such as
   * `{code: 0, status: "unused", message: "Unused"}`; default `{code: null, status: "unused", message: null}`.
   */
  last_response?: { code: number | null; status: string | null; message: string | null }
}

/** Fields of `Emulator.addDelivery`; all optional (defaults: a successful `push`, now). */
export type DeliverySeed = Partial<{
  guid: string
  event: string
  action: string | null
  status_code: number
  status: string
  redelivery: boolean
  /** ISO 8601 string, kept as given (any age: older than 3 days makes an expired delivery). */
  delivered_at: string
  /** Seconds. */
  duration: number
  /**
   * Default `{}`. For an App's webhook, the delivery's `installation_id` / `repository_id` are the
   * payload's `installation.id` / `repository.id` (null when absent), as on GitHub.
   */
  payload: Record<string, unknown>
  /**
   * Sign the recorded request with this secret instead of the hook's (e.g. a delivery made before a
   * rotation, or one whose body cannot be re-serialised): its signature then does not verify with
   * the hook's secret.
   */
  signed_with: string
}>

/** What to deliver: one event occurrence (a redelivery repeats the guid, event, action and payload). */
export interface DeliverySpec {
  guid: string
  event: string
  action: string | null
  payload: Record<string, unknown>
  redelivery: boolean
}

/**
 * An error answer of the API: `status` plus GitHub's error body
 * `{ message, …extra, documentation_url, status: "<status>" }` (schema `basic-error`, or
 * `validation-error` when `extra` has `errors`).
 */
export class ApiError extends Error {
  readonly status: number
  readonly body: Json
  constructor(status: number, message: string, extra: Json = {}) {
    super(message)
    this.status = status
    this.body = { message, ...extra, documentation_url: DOCS_URL, status: String(status) }
  }
}

/** 404 `Not Found`, GitHub's answer for anything unknown or invisible to the token. */
export const notFound = (): ApiError => new ApiError(404, 'Not Found')

/** 422 `Validation Failed` with GitHub's `validation-error` body holding one error. */
export function validationFailed(error: Json): ApiError {
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
/** Defaults of a GitHub App's webhook config: Apps deliver JSON. */
const APP_DEFAULT_CONFIG: Partial<StoredHookConfig> = { content_type: 'json', insecure_ssl: '0' }

/**
 * Applies config fields of a request on top of `base` and validates the result. Used by create
 * (base = defaults), `PATCH …/hooks/{id}` with `config` (replacement: base = defaults) and
 * `PATCH …/config` (merge: base = stored config). `insecure_ssl` may come as string or number and is
 * stored as a string; a blank `secret` means no secret, as on GitHub's settings page. A secret of
 * `"********"` is stored literally, as GitHub does.
 * @throws ApiError 422 for a missing or non-http(s) url, an unknown content_type or insecure_ssl
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

/** The id of a payload's `installation` or `repository` object; null when absent or not an integer. */
function payloadObjectId(payload: Record<string, unknown>, key: 'installation' | 'repository'): number | null {
  const value = payload[key]
  const id = isObject(value) ? value.id : undefined
  return Number.isSafeInteger(id) ? (id as number) : null
}

/**
 * Whether a delivery is past GitHub's retention ({@link DELIVERY_RETENTION_MS}) at `now` (epoch ms).
 * An unparsable `delivered_at` never expires.
 */
export function isExpired(delivery: Pick<StoredDelivery, 'delivered_at'>, now = Date.now()): boolean {
  return Date.parse(delivery.delivered_at) < now - DELIVERY_RETENTION_MS
}

/** `X-GitHub-Hook-Installation-Target-Type` of a scope's deliveries (an App's hook: `integration`). */
const TARGET_TYPES = { repo: 'repository', org: 'organization', app: 'integration' } as const

/** The state of the emulator and the documented semantics of the hooks endpoints, without HTTP. */
export class HookStore {
  readonly targets = new Map<string, Target>()
  readonly hooks = new Map<number, StoredHook>()
  /** Every recorded delivery, expired ones included (they stay for `last_response`). */
  deliveries: StoredDelivery[] = []
  nextHookId = FIRST_HOOK_ID
  nextDeliveryId = FIRST_DELIVERY_ID

  /**
   * @param repos existing repositories (canonical `owner/name` and id), e.g. those of a
   *   `RepositoryRegistry` (./repositories.ts)
   * @param orgs existing organizations (canonical login and id)
   * @param apps existing GitHub Apps (their ids), each with room for one webhook
   */
  constructor(
    repos: ReadonlyArray<{ full_name: string; id: number }>,
    orgs: ReadonlyArray<{ login: string; id: number }>,
    apps: ReadonlyArray<{ id: number }> = []
  ) {
    for (const { full_name: name, id } of repos) this.addTarget({ scope: 'repo', name, id, apiPath: `/repos/${name}` })
    for (const { login: name, id } of orgs) this.addTarget({ scope: 'org', name, id, apiPath: `/orgs/${name}` })
    for (const { id } of apps) this.addTarget({ scope: 'app', name: String(id), id, apiPath: '/app' })
  }

  private addTarget(target: Target): void {
    this.targets.set(`${target.scope}:${target.name.toLowerCase()}`, target)
  }

  /** The known repository (`owner/repo`), organization or app (id as a string), case-insensitively. */
  target(scope: Scope, name: string): Target | undefined {
    return this.targets.get(`${scope}:${name.toLowerCase()}`)
  }

  /**
   * Resolves a {@link HookTarget} of the public (test) API.
   * @throws Error (not an ApiError) when the repository or organization is unknown
   */
  targetOf(target: HookTarget): Target {
    const [scope, name] = 'org' in target ? (['org', target.org] as const) : (['repo', `${target.owner}/${target.repo}`] as const)
    const found = this.target(scope, name)
    if (!found) throw new Error(`The emulator knows no ${scope === 'org' ? 'organization' : 'repository'} '${name}'`)
    return found
  }

  /**
   * The GitHub App `appId` as a target.
   * @throws Error (not an ApiError) when the emulator knows no such app
   */
  appTargetOf(appId: number): Target {
    const found = this.target('app', String(appId))
    if (!found) throw new Error(`The emulator knows no GitHub App ${appId}`)
    return found
  }

  /** The repository, organization or app a stored hook belongs to. */
  targetOfHook(hook: StoredHook): Target {
    return this.target(hook.scope, hook.target) as Target
  }

  /** A target's hooks in id (creation) order. */
  hooksOf(target: Target): StoredHook[] {
    return [...this.hooks.values()].filter((h) => h.scope === target.scope && h.target === target.name)
  }

  /**
   * The hook `id` of a target.
   * @throws ApiError 404 when the target has no such hook (or `id` is not numeric)
   */
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
      throw validationFailed({
        resource: 'Hook',
        code: 'custom',
        message: `The "${crowded}" event cannot have more than ${MAX_HOOKS_PER_EVENT} hooks`
      })
    }
  }

  private store(target: Target, fields: Pick<StoredHook, 'active' | 'events' | 'config'>, now = isoNow()): StoredHook {
    const hook: StoredHook = { id: this.nextHookId++, scope: target.scope, target: target.name, ...fields, created_at: now, updated_at: now }
    this.hooks.set(hook.id, hook)
    return hook
  }

  /**
   * `POST …/hooks`. `name` must be `web`: optional for repositories (default `web`), required for
   * organizations (the org endpoint's schema lists it as required). Defaults: events `["push"]`,
   * active true, content_type form, insecure_ssl "0". Stores the hook only: the creation `ping` is
   * the route's to schedule (see ./routes.ts), so that seeding stays free of deliveries.
   * @throws ApiError 422 for invalid fields, a duplicate or too many hooks for an event
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

  /**
   * Seed helper behind `Emulator.addHook`: create defaults, no collision check, no delivery.
   * @throws ApiError 422 for invalid fields (e.g. a missing url)
   */
  seedHook(target: Target, seed: HookSeed): StoredHook {
    const { url, content_type, secret, insecure_ssl } = seed
    const legacy = seed.name !== undefined && seed.name !== 'web'
    // A legacy service hook without a URL keeps an empty config (shown as `{}`).
    const config =
      legacy && url === undefined
        ? { content_type: 'form' as const, insecure_ssl: '0' as const, url: '' }
        : parseConfig({ url, content_type, secret, insecure_ssl }, DEFAULT_CONFIG)
    const hook = this.store(target, { active: seed.active ?? true, events: unique(seed.events ?? ['push']), config }, seed.created_at)
    if (legacy) hook.legacy_name = seed.name
    if (seed.updated_at !== undefined) hook.updated_at = seed.updated_at
    if (seed.last_response !== undefined) hook.last_response = { ...seed.last_response }
    return hook
  }

  /**
   * `PATCH …/hooks/{hook_id}`. `events` replaces the list; `add_events` / `remove_events` are applied
   * after it for repositories (the org endpoint does not document them, and they are ignored there);
   * `config`, when present, REPLACES the stored config: an absent secret is removed, absent
   * content_type / insecure_ssl return to form / "0"; an absent url keeps the old one for repositories
   * but is a 422 for organizations, whose schema requires it. Sets `updated_at`.
   * @throws ApiError 422 for invalid fields or a collision
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

  /**
   * `PATCH …/hooks/{hook_id}/config`: MERGES the given url, content_type, secret, insecure_ssl.
   * Sets `updated_at`.
   * @throws ApiError 422 for invalid fields or a collision
   */
  updateConfig(target: Target, hook: StoredHook, body: unknown): void {
    const config = parseConfig(bodyObject(body), hook.config)
    this.checkCollisions(target, { id: hook.id, url: config.url, events: hook.events })
    Object.assign(hook, { config, updated_at: isoNow() })
  }

  /** `DELETE …/hooks/{hook_id}`: removes the hook and its deliveries. */
  deleteHook(hook: StoredHook): void {
    this.hooks.delete(hook.id)
    this.deliveries = this.deliveries.filter((d) => d.hook_id !== hook.id)
  }

  /** The webhook of a GitHub App (target of scope `app`); undefined while the app has no webhook URL. */
  appHook(target: Target): StoredHook | undefined {
    return this.hooksOf(target)[0]
  }

  /**
   * `PATCH /app/hook/config`: MERGES the given url, content_type, secret, insecure_ssl into the app's
   * webhook config, with the validation of `PATCH …/hooks/{hook_id}/config` (`********` is stored
   * literally). An app without a webhook yet gets one (defaults: content_type json, insecure_ssl
   * "0"; the url is then required). Sets `updated_at`.
   * @throws ApiError 422 for invalid fields or a missing url
   */
  updateAppConfig(target: Target, body: unknown): StoredHook {
    const hook = this.appHook(target)
    const config = parseConfig(bodyObject(body), hook?.config ?? APP_DEFAULT_CONFIG)
    if (!hook) return this.store(target, { active: true, events: [], config })
    Object.assign(hook, { config, updated_at: isoNow() })
    return hook
  }

  /**
   * Seed helper behind `Emulator.setAppHook`: REPLACES the app's webhook config (defaults:
   * content_type json, insecure_ssl "0", no secret), creating the webhook if needed. Its deliveries stay.
   * @throws ApiError 422 for invalid fields (e.g. a missing or non-http(s) url)
   */
  seedAppHook(target: Target, seed: Pick<HookSeed, 'url' | 'content_type' | 'secret' | 'insecure_ssl'>): StoredHook {
    const { url, content_type, secret, insecure_ssl } = seed
    const config = parseConfig({ url, content_type, secret, insecure_ssl }, APP_DEFAULT_CONFIG)
    const hook = this.appHook(target)
    if (!hook) return this.store(target, { active: true, events: [], config })
    Object.assign(hook, { config, updated_at: isoNow() })
    return hook
  }

  /**
   * A hook's deliveries as `GET …/deliveries` sees them: newest (highest id) first, without those
   * past the 3-day retention ({@link DELIVERY_RETENTION_MS}).
   */
  deliveriesOf(hook: StoredHook, now = Date.now()): StoredDelivery[] {
    return this.deliveries.filter((d) => d.hook_id === hook.id && !isExpired(d, now)).sort((a, b) => b.id - a.id)
  }

  /** The hook's most recently recorded delivery (highest id), expired or not; for `last_response`. */
  latestDelivery(hook: StoredHook): StoredDelivery | undefined {
    return this.deliveries.reduce<StoredDelivery | undefined>(
      (latest, d) => (d.hook_id === hook.id && (!latest || d.id > latest.id) ? d : latest),
      undefined
    )
  }

  /**
   * `GET …/deliveries/{delivery_id}`: a delivery of the hook within the retention.
   * @throws ApiError 404 when the hook has no such delivery, or it is older than 3 days
   */
  delivery(hook: StoredHook, id: string, now = Date.now()): StoredDelivery {
    const found = this.deliveries.find((d) => d.hook_id === hook.id && d.id === idOf(id))
    if (!found || isExpired(found, now)) throw notFound()
    return found
  }

  /**
   * The delivery `POST …/deliveries/{delivery_id}/attempts` redelivers.
   * @throws ApiError 404 when the hook has no such delivery; 422 (`validation-error` body) when it is
   *   older than 3 days, which GitHub no longer redelivers
   */
  redeliverable(hook: StoredHook, id: string, now = Date.now()): StoredDelivery {
    const found = this.deliveries.find((d) => d.hook_id === hook.id && d.id === idOf(id))
    if (!found) throw notFound()
    if (isExpired(found, now)) {
      throw validationFailed({
        resource: 'HookDelivery',
        code: 'custom',
        field: 'delivery_id',
        message: 'Deliveries older than 3 days cannot be redelivered'
      })
    }
    return found
  }

  /**
   * Records an attempted delivery with the next id. Leaves the hook (its `updated_at`) untouched.
   * @returns the stored delivery; undefined (nothing stored) if the hook was deleted, or the state
   *   reset, since the delivery was scheduled
   */
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
      installation_id: target.scope === 'app' ? payloadObjectId(spec.payload, 'installation') : null,
      repository_id: target.scope === 'repo' ? target.id : target.scope === 'app' ? payloadObjectId(spec.payload, 'repository') : null,
      throttled_at: null,
      url: hook.config.url,
      request: { headers, payload: spec.payload },
      response: { headers: outcome.responseHeaders, payload: outcome.responseBody }
    }
    this.deliveries.push(delivery)
    return delivery
  }

  /**
   * Seed helper behind `Emulator.addDelivery`: records a delivery of `hook` as if it had been made
   * (headers and signatures as the hook's current config would give them); nothing is sent.
   * Defaults: a new guid, a `push` with action null, status code 200 (status from it, see
   * `describeStatus`), 0.05 s, delivered now, payload `{}`. `delivered_at` is kept as given.
   */
  seedDelivery(hook: StoredHook, seed: DeliverySeed): StoredDelivery {
    const statusCode = seed.status_code ?? 200
    const spec: DeliverySpec = {
      guid: seed.guid ?? randomUUID(),
      event: seed.event ?? 'push',
      action: seed.action ?? null,
      payload: seed.payload ?? {},
      redelivery: seed.redelivery ?? false
    }
    const outcome: DeliveryOutcome = {
      statusCode,
      status: seed.status ?? describeStatus(statusCode),
      duration: seed.duration ?? 0.05,
      deliveredAt: seed.delivered_at ?? isoNow(),
      responseHeaders: {},
      responseBody: null
    }
    const signer = seed.signed_with === undefined ? hook : { ...hook, config: { ...hook.config, secret: seed.signed_with } }
    return this.recordDelivery(hook, spec, this.webhookRequest(signer, spec).headers, outcome) as StoredDelivery
  }

  /** The request GitHub would send for `spec` to `hook` with its current config. */
  webhookRequest(hook: StoredHook, spec: DeliverySpec): WebhookRequest {
    const target = this.targetOfHook(hook)
    return buildWebhookRequest({
      hookId: hook.id,
      targetType: TARGET_TYPES[target.scope],
      targetId: target.id,
      guid: spec.guid,
      event: spec.event,
      contentType: hook.config.content_type,
      secret: hook.config.secret,
      payload: spec.payload
    })
  }

  /** Forgets every hook and delivery; ids keep increasing. */
  reset(): void {
    this.hooks.clear()
    this.deliveries = []
  }
}
