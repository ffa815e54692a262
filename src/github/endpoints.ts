/**
 * The REST hooks endpoints, as functions of a client and a target (REST docs "Repository webhooks"
 * and "Organization webhooks"). They never write the scope themselves: {@link endpoint} does.
 *
 * Secret safety: `PATCH …/hooks/{hook_id}` is never sent a `config` object (GitHub replaces the
 * whole config then and drops a secret that is absent); config fields go through
 * `PATCH …/hooks/{hook_id}/config`, which merges. POSTs that make GitHub send something (pings,
 * test pushes, redeliveries) are sent once: never repeated after a 5xx or a lost answer.
 */
import { isApiError, isHookAlreadyExists, wasRetried, withContext } from './api-error.js'
import type { ConfigFields, Delivery, DeliveryItem, GitHubClient, Hook, HookConfig, HookFields, HookRef } from '../model.js'
import { describeTarget, endpoint, SCOPE_TRAITS, type HooksPath, type Method, type Target } from './scopes.js'

/** A hook that was looked up: its id, and the hook itself when the lookup already fetched it. */
export interface ResolvedHook {
  hook_id: number
  hook?: Hook
}

/** A hook could not be picked by its URL: none or several hooks of the target have that `config.url`. */
export class HookLookupError extends Error {
  /** How many hooks matched: 0 (none) or more than 1; undefined when the lookup was by `hook_id`. */
  readonly matches?: number
  constructor(message: string, matches?: number) {
    super(message)
    this.name = 'HookLookupError'
    this.matches = matches
  }
}

/**
 * Sends one hooks request for the target and returns the response body.
 * @param pathParams the path's own parameters (`hook_id`, `delivery_id`)
 * @param body JSON request body; passed as Octokit's `data` so that a body field named `url`
 *   (the config's payload URL) is never taken for the request URL
 * @param request Octokit request options: {@link ONCE} for a POST that must not be repeated after a
 *   5xx or a lost answer; `{ signal }` to bound it by a deadline
 * @throws Octokit's `RequestError` on 4xx/5xx (a timed-out or aborted request: status 500)
 */
async function send<T>(
  client: GitHubClient,
  target: Target,
  method: Method,
  path: HooksPath,
  pathParams: Record<string, number> = {},
  body?: Record<string, unknown>,
  request?: Record<string, unknown>
): Promise<T> {
  const { route, params } = endpoint(target, method, path)
  try {
    const response = await client.request(route, {
      ...params,
      ...pathParamsOf(route, pathParams),
      ...(body === undefined ? {} : { data: body }),
      ...(request ? { request } : {})
    })
    return response.data as T
  } catch (error) {
    if (request !== ONCE || !isApiError(error) || error.status < 500) throw error
    throw withContext(error, `${method} ${path} was not repeated: GitHub may have acted on it already, and a receiver would get it twice.`)
  }
}

/**
 * The path parameters the route has: an App's webhook has no `{hook_id}` (any other parameter would
 * be sent as a query parameter or in the body).
 */
function pathParamsOf(route: string, pathParams: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(pathParams).filter(([name]) => route.includes(`{${name}}`)))
}

/**
 * Request options of a POST that makes GitHub send something (a ping, a test push, a redelivery):
 * never retried after a 5xx or a lost answer, since GitHub may have sent it already and a receiver
 * that deploys on push would act twice. Rate-limit answers are still waited out: GitHub did nothing then.
 */
const ONCE = { retries: 0 }

/** The fields of an object that are set (a PATCH body carries only what changes). */
function definedFields(fields: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))
}

/** Items of a paginated list, and whether `limit` cut it short (GitHub had more). */
export interface Listing<T> {
  items: T[]
  /** True when `limit` stopped the walk while more items existed; false when the list ended or `until` stopped it. */
  truncated: boolean
}

/**
 * Gathers a paginated list, following `rel="next"` of the `Link` header (page numbers for hooks,
 * cursors for deliveries), until the pages end, an empty page comes, `limit` items are gathered, or
 * an item meets `until` (that item and the rest are left out).
 * @param request extra Octokit request options (e.g. `{ retries: 0, signal }` for a poll)
 */
async function gather<T>(
  client: GitHubClient,
  target: Target,
  path: HooksPath,
  parameters: Record<string, unknown>,
  stop: { limit?: number; until?: (item: T) => boolean } = {},
  request?: Record<string, unknown>
): Promise<Listing<T>> {
  const { route, params } = endpoint(target, 'GET', path)
  const { limit = Infinity, until = () => false } = stop
  const items: T[] = []
  let more = false
  // paginate.iterator sends only method, url and headers to the request function it is given, so
  // request options (a poll's `retries: 0` and deadline `signal`) ride on a request function of their own.
  const [method, url] = route.split(' ')
  // (The overload that takes a request function types its parameters as a route string: hence `never`.)
  const requester = request ? client.request.defaults({ request }) : client.request
  const { hook_id, ...query } = parameters
  const all = { method, url, ...params, ...(typeof hook_id === 'number' ? pathParamsOf(route, { hook_id }) : {}), ...query }
  for await (const response of client.paginate.iterator(requester, all as never)) {
    const page = response.data as T[]
    const end = page.findIndex(until)
    items.push(...(end < 0 ? page : page.slice(0, end)))
    more = end < 0 && page.length > 0 && /rel="next"/.test(response.headers.link ?? '')
    if (page.length === 0 || end >= 0 || items.length >= limit) break
  }
  return { items: items.slice(0, limit), truncated: items.length > limit || (items.length === limit && more) }
}

/**
 * `GET …/hooks`: the target's webhooks, all pages unless `limit` stops earlier.
 * @param options.per_page items per request, 1–100
 * @param options.limit most hooks gathered; undefined = all
 * @returns the hooks, and `truncated` when `limit` left some out
 * @throws RequestError (404 when the target does not exist or the token may not see its hooks)
 */
export async function listHooks(client: GitHubClient, target: Target, options: { per_page: number; limit?: number }): Promise<Listing<Hook>> {
  return gather<Hook>(client, target, '/hooks', { per_page: options.per_page }, { limit: options.limit })
}

/**
 * Checks that a hook fetched by `hook_id` has the `url` also given (both name one hook).
 * @throws HookLookupError naming both when its `config.url` differs
 */
function checkSameHook(target: Target, hook: Hook, url: string | undefined): void {
  if (url === undefined || hook.config.url === url) return
  throw new HookLookupError(
    `Inputs 'hook_id' and 'url' name different webhooks: hook ${hook.id} of ${describeTarget(target)} has the url '${hook.config.url ?? ''}', not '${url}'. ` +
      'Give only one of them, or both for the same hook; nothing was changed.'
  )
}

/**
 * `GET …/hooks/{hook_id}` for a hook named by both `hook_id` and `url`: the hook must have that url.
 * When GitHub answers 404 and another hook has the url, the two inputs name different hooks too.
 * @throws HookLookupError naming both inputs; RequestError 404 when neither names a hook
 */
export async function getNamedHook(client: GitHubClient, target: Target, ref: { hook_id: number; url: string }): Promise<Hook> {
  let hook: Hook
  try {
    hook = await getHook(client, target, ref.hook_id)
  } catch (error) {
    if (!(isApiError(error) && error.status === 404)) throw error
    const { items } = await listHooks(client, target, { per_page: 100 })
    const named = items.find((candidate) => candidate.config.url === ref.url)
    if (!named) throw error
    throw new HookLookupError(
      `Inputs 'hook_id' and 'url' name different webhooks: hook ${ref.hook_id} does not exist on ${describeTarget(target)}, and the url '${ref.url}' is webhook ${named.id}. ` +
        'Give only one of them, or both for the same hook; nothing was changed.'
    )
  }
  checkSameHook(target, hook, ref.url)
  return hook
}

/**
 * Finds the hook an operation acts on. By `hook_id` alone: no request. By `hook_id` and `url`:
 * `GET …/hooks/{hook_id}`, whose `config.url` must be `url`. By `url`: lists the target's hooks
 * (100 a page) and picks the one whose `config.url` equals it exactly.
 * @throws HookLookupError when no hook, or several hooks (GitHub allows one URL with non-overlapping
 *   events), have that URL (the message lists the ids to choose from with `hook_id`), or when
 *   `hook_id` and `url` name different hooks; RequestError 404 for an unknown `hook_id`.
 */
export async function resolveHook(client: GitHubClient, target: Target, ref: HookRef | undefined): Promise<ResolvedHook> {
  if (!SCOPE_TRAITS[target.scope].hooks) return { hook_id: SINGLE_HOOK_ID } // the target's one webhook: nothing to look up
  if (ref === undefined) throw new Error('internal error: no hook named (hook_id or url)')
  if ('hook_id' in ref) {
    if (ref.url === undefined) return { hook_id: ref.hook_id }
    const hook = await getNamedHook(client, target, { hook_id: ref.hook_id, url: ref.url })
    return { hook_id: hook.id, hook }
  }
  const { items: hooks } = await listHooks(client, target, { per_page: 100 })
  const matches = hooks.filter((hook) => hook.config.url === ref.url)
  if (matches.length === 0) {
    throw new HookLookupError(
      `No webhook of ${describeTarget(target)} has the url '${ref.url}' (${hooks.length} ${hooks.length === 1 ? 'webhook' : 'webhooks'} checked); check 'url' or give 'hook_id'.`,
      0
    )
  }
  if (matches.length > 1) {
    const ids = matches.map((hook) => `${hook.id} (events: ${hook.events.join(', ')})`).join(', ')
    throw new HookLookupError(
      `${matches.length} webhooks of ${describeTarget(target)} have the url '${ref.url}': ${ids}. Set 'hook_id' to choose one.`,
      matches.length
    )
  }
  return { hook_id: matches[0].id, hook: matches[0] }
}

/**
 * The hooks an operation over "one hook, or all of them" works on: the one `ref` names (fetched in
 * full), every hook of the target when `ref` is undefined (REST "List … webhooks", all pages), or a
 * target's one webhook (a GitHub App's).
 * @returns the hooks, in id order
 * @throws HookLookupError when `ref` names no hook or several
 */
export async function selectHooks(client: GitHubClient, target: Target, ref: HookRef | undefined): Promise<Hook[]> {
  if (SCOPE_TRAITS[target.scope].hooks && ref === undefined) return (await listHooks(client, target, { per_page: 100 })).items
  const { hook_id, hook } = await resolveHook(client, target, ref)
  return [hook ?? (await getHook(client, target, hook_id))]
}

/** The id the one hook of a target without several hooks (a GitHub App's) goes by: it has none of its own. */
export const SINGLE_HOOK_ID = 0

/**
 * The one webhook of a target that has no list of hooks (a GitHub App: REST "Get a webhook
 * configuration for an app", `GET /app/hook/config`), in the shape of a hook: its config, active,
 * no events of its own (an App's events are set in its settings), id {@link SINGLE_HOOK_ID}, and
 * `updated_at` empty — GitHub does not say when it changed, so a secret proof can trust only its
 * newest delivery.
 */
async function singleHook(client: GitHubClient, target: Target): Promise<Hook> {
  const config = await getHookConfig(client, target, SINGLE_HOOK_ID)
  const none = { code: null, status: null, message: null }
  return {
    id: SINGLE_HOOK_ID,
    type: 'App',
    name: 'web',
    active: true,
    events: [],
    config,
    updated_at: '',
    created_at: '',
    url: '',
    ping_url: '',
    deliveries_url: '',
    test_url: '',
    last_response: none
  }
}

/**
 * `GET …/hooks/{hook_id}`; for a target's one webhook (a GitHub App's), its config in the shape of a hook.
 * @throws RequestError (404 when the hook does not exist or the token may not see it)
 */
export async function getHook(client: GitHubClient, target: Target, hook_id: number): Promise<Hook> {
  if (!SCOPE_TRAITS[target.scope].hooks) return singleHook(client, target)
  return send<Hook>(client, target, 'GET', '/hooks/{hook_id}', { hook_id })
}

/** Settings of a new hook; unset fields get the defaults documented in the README. */
export interface NewHook {
  /** Required: the payload URL. */
  config: ConfigFields & { url: string }
  fields: HookFields
}

/** Events compare as sets: order and duplicates do not matter; `*` is its own value. */
export function sameEvents(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a)
  const right = new Set(b)
  return left.size === right.size && [...left].every((event) => right.has(event))
}

/** True when a hook was created at or after `since` (GitHub's `created_at` has whole seconds). */
export function createdSince(hook: Hook, since: Date): boolean {
  return Date.parse(hook.created_at) >= Math.floor(since.getTime() / 1000) * 1000
}

/**
 * `POST …/hooks` with `name: web`. Defaults (this action's, not the raw API's): `events` `["push"]`,
 * `active` true, `content_type` `json` (the raw API defaults to `form`), `insecure_ssl` `"0"`.
 *
 * A retried POST must not fail on its own success: when the first attempt created the hook but its
 * answer was lost, the retry gets 422 "Hook already exists". With `adoptSince`, the hook with this
 * URL is then taken as the one this POST created only when it was created at or after `adoptSince`
 * (the step's start) with the same events, content type, TLS setting and active state; a given
 * secret is then written to it through the config endpoint (a hook created meanwhile by someone else
 * could hold another one). An older hook is never adopted: GitHub's 422 is thrown, as without a retry.
 * @returns the hook, and `adopted` when it came from the 422 path
 * @throws RequestError 422 "Hook already exists on this repository/organization" when a hook with
 *   the same URL has overlapping events (and this request was not a retry that met its own hook).
 */
export async function createHook(client: GitHubClient, target: Target, hook: NewHook, adoptSince?: Date): Promise<{ hook: Hook; adopted: boolean }> {
  const { url, content_type = 'json', insecure_ssl = '0', secret } = hook.config
  const events = hook.fields.events ?? ['push']
  const active = hook.fields.active ?? true
  try {
    const created = await send<Hook>(
      client,
      target,
      'POST',
      '/hooks',
      {},
      {
        name: 'web',
        config: { url, content_type, insecure_ssl, ...(secret === undefined ? {} : { secret }) },
        events,
        active
      }
    )
    return { hook: created, adopted: false }
  } catch (error) {
    if (!(adoptSince && isHookAlreadyExists(error) && wasRetried(error))) throw error
    // Among the hooks with the url (GitHub allows several with non-overlapping events), the one this
    // POST created was created since the step began, with these settings; exactly one, or none is adopted.
    const { items } = await listHooks(client, target, { per_page: 100 })
    const mine = items.filter(
      (candidate) =>
        candidate.config.url === url &&
        createdSince(candidate, adoptSince) &&
        sameEvents(candidate.events, events) &&
        candidate.active === active &&
        candidate.config.content_type === content_type &&
        String(candidate.config.insecure_ssl) === insecure_ssl &&
        Boolean(candidate.config.secret) === (secret !== undefined)
    )
    if (mine.length !== 1) throw error
    const [own] = mine
    if (secret !== undefined) await updateHookConfig(client, target, own.id, { secret })
    return { hook: own, adopted: true }
  }
}

/**
 * Applies `add_events` then `remove_events` to a list of events, keeping its order: what the
 * repository endpoint does server-side, done client-side for organizations (whose endpoint lacks them).
 */
export function mergeEvents(events: readonly string[], add: readonly string[] = [], remove: readonly string[] = []): string[] {
  return [...new Set([...events, ...add])].filter((event) => !remove.includes(event))
}

/**
 * Updates a hook without risking its secret: config fields (`url`, `content_type`, `insecure_ssl`,
 * `secret`) through `PATCH …/hooks/{hook_id}/config` (merges), then `events`/`add_events`/
 * `remove_events`/`active` through `PATCH …/hooks/{hook_id}` **without** `config`. On organizations,
 * `add_events`/`remove_events` are merged here (read the hook, write `events`). Returns the hook as
 * it is afterwards (one more `GET` when only the config changed).
 * @param known the hook if a lookup already fetched it (saves the read of the org merge)
 */
export async function updateHook(
  client: GitHubClient,
  target: Target,
  hook_id: number,
  changes: { fields: HookFields; config: ConfigFields },
  known?: Hook
): Promise<Hook> {
  const written = Object.keys(definedFields(changes.config))
  if (written.length > 0) await updateHookConfig(client, target, hook_id, changes.config)
  try {
    const { events, add_events, remove_events, active } = changes.fields
    let patch: HookFields = { events, add_events, remove_events, active }
    if (!SCOPE_TRAITS[target.scope].addRemoveEvents && (add_events !== undefined || remove_events !== undefined)) {
      const current = known ?? (await getHook(client, target, hook_id))
      patch = { events: mergeEvents(current.events, add_events, remove_events), active }
    }
    const body = definedFields(patch)
    if (Object.keys(body).length === 0) {
      // Only the config changed: the hook is read back. Its failure does not undo the write.
      return await getHook(client, target, hook_id).catch((error: unknown) => {
        throw withContext(error, `The configuration of webhook ${hook_id} was changed (${written.join(', ')}); only reading the hook back failed.`)
      })
    }
    return await send<Hook>(client, target, 'PATCH', '/hooks/{hook_id}', { hook_id }, body)
  } catch (error) {
    if (written.length === 0 || (isApiError(error) && error.context?.length)) throw error
    throw withContext(
      error,
      `The configuration of webhook ${hook_id} was already changed: ${written.join(', ')}; its events and active state were not.`
    )
  }
}

/**
 * `DELETE …/hooks/{hook_id}` (204). GitHub's 404 means "no such hook" or "no permission", so a 404
 * counts as the hook being gone only when the hook was `seen` to exist in this step and a
 * `GET …/hooks/{hook_id}` now answers 404 too (it still exists → a permission problem: the 404 is thrown).
 * @returns `deleted` (this request deleted it, or its retry met a 404 after a lost answer), or `gone`
 *   (it was seen, and someone else deleted it before this DELETE arrived)
 * @throws RequestError (404 for a hook not seen in this step, or still there; 403 without permission)
 */
export async function deleteHook(client: GitHubClient, target: Target, hook_id: number, seen: boolean): Promise<'deleted' | 'gone'> {
  try {
    await send(client, target, 'DELETE', '/hooks/{hook_id}', { hook_id })
    return 'deleted'
  } catch (error) {
    if (!(isApiError(error) && error.status === 404)) throw error
    if (!seen) {
      if (!wasRetried(error)) throw error
      throw withContext(
        error,
        `The first DELETE got no answer, so this step cannot tell whether it deleted webhook ${hook_id} or the hook never existed (or the token cannot see it).`
      )
    }
    try {
      await getHook(client, target, hook_id)
    } catch (check) {
      if (isApiError(check) && check.status === 404) return wasRetried(error) ? 'deleted' : 'gone'
      throw check
    }
    throw error
  }
}

/** `GET …/hooks/{hook_id}/config`: `url`, `content_type`, `insecure_ssl`, `secret` (`********` when set). */
export async function getHookConfig(client: GitHubClient, target: Target, hook_id: number): Promise<HookConfig> {
  return send<HookConfig>(client, target, 'GET', '/hooks/{hook_id}/config', { hook_id })
}

/**
 * `PATCH …/hooks/{hook_id}/config` with only the given fields; GitHub merges them into the stored
 * config, so an absent `secret` keeps the stored one.
 */
export async function updateHookConfig(client: GitHubClient, target: Target, hook_id: number, config: ConfigFields): Promise<HookConfig> {
  return send<HookConfig>(client, target, 'PATCH', '/hooks/{hook_id}/config', { hook_id }, definedFields(config))
}

/**
 * `GET …/hooks/{hook_id}/deliveries`, newest first, following the cursor of the `Link` header.
 * @param options.status server-side filter: `success` (status code 200–399) or `failure` (400–599;
 *   "failed to connect", status code 0, is in neither), or undefined for all
 * @param options.limit most deliveries gathered; undefined = all GitHub still keeps
 * @param options.since stop at the first delivery older than this (`delivered_at`)
 * @param options.until stop at the first delivery that meets it (left out with the rest)
 * @throws RequestError (404 unknown hook)
 */
export async function listDeliveries(
  client: GitHubClient,
  target: Target,
  hook_id: number,
  options: {
    per_page: number
    limit?: number
    status?: 'success' | 'failure'
    since?: Date
    until?: (delivery: DeliveryItem) => boolean
    /** Octokit request options, e.g. `{ retries: 0, signal }` for a poll bounded by a deadline. */
    request?: Record<string, unknown>
  }
): Promise<Listing<DeliveryItem>> {
  const parameters = { hook_id, per_page: options.per_page, ...(options.status ? { status: options.status } : {}) }
  const since = options.since?.getTime() ?? -Infinity
  const until = (delivery: DeliveryItem): boolean => Date.parse(delivery.delivered_at) < since || (options.until?.(delivery) ?? false)
  return gather<DeliveryItem>(client, target, '/hooks/{hook_id}/deliveries', parameters, { limit: options.limit, until }, options.request)
}

/** `GET …/hooks/{hook_id}/deliveries/{delivery_id}`: the delivery with its request headers/payload and the response. */
export async function getDelivery(
  client: GitHubClient,
  target: Target,
  hook_id: number,
  delivery_id: number,
  request?: Record<string, unknown>
): Promise<Delivery> {
  return send<Delivery>(client, target, 'GET', '/hooks/{hook_id}/deliveries/{delivery_id}', { hook_id, delivery_id }, undefined, request)
}

/**
 * `POST …/hooks/{hook_id}/deliveries/{delivery_id}/attempts` (202): GitHub sends the delivery again,
 * same `guid`, `redelivery: true`. Not retried after a 5xx or a lost answer, which could redeliver twice.
 * @throws RequestError (404 unknown delivery, 422 GitHub refuses it)
 */
export async function redeliver(client: GitHubClient, target: Target, hook_id: number, delivery_id: number): Promise<void> {
  await send(client, target, 'POST', '/hooks/{hook_id}/deliveries/{delivery_id}/attempts', { hook_id, delivery_id }, undefined, ONCE)
}

/** `POST …/hooks/{hook_id}/pings` (204): GitHub sends a `ping` event to the hook. Sent once ({@link ONCE}). */
export async function ping(client: GitHubClient, target: Target, hook_id: number): Promise<void> {
  await send(client, target, 'POST', '/hooks/{hook_id}/pings', { hook_id }, undefined, ONCE)
}

/**
 * `POST /repos/{owner}/{repo}/hooks/{hook_id}/tests` (204): GitHub sends the latest push again to the
 * hook — only if it is subscribed to `push` (or `*`). Repository webhooks only. Sent once ({@link ONCE}).
 * @throws Error for an organization target (no such endpoint).
 */
export async function testPush(client: GitHubClient, target: Target, hook_id: number): Promise<void> {
  await send(client, target, 'POST', '/hooks/{hook_id}/tests', { hook_id }, undefined, ONCE)
}
