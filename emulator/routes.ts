/**
 * The endpoints of GitHub's hooks API as the emulator routes them: the {@link ROUTES} table (method,
 * path under `/repos/{owner}/{repo}/` or `/orgs/{org}/`, fine-grained permission per scope, handler)
 * and {@link matchRoute}. Handlers turn a request into calls on the {@link HookStore} (./store.ts)
 * and an answer built from ./representations.ts; the deliveries they ask for are sent by
 * ./server.ts after the answer. The deliveries list and the redelivery are exported
 * ({@link listDeliveries}, {@link redeliver}) for the GitHub App webhook routes of ./app-routes.ts.
 */
import { randomUUID } from 'node:crypto'
import { paginate, perPage } from './pagination.js'
import { configJson, deliveryItemJson, deliveryJson, hookJson, pingDelivery, pushPayload } from './representations.js'
import {
  ApiError,
  validationFailed,
  type DeliverySpec,
  type HookStore,
  type Scope,
  type StoredDelivery,
  type StoredHook,
  type Target
} from './store.js'

/** What a route handler gets to know about its request. */
export interface RequestContext {
  target: Target
  /** Path parameters (`hook_id`, `delivery_id`) as strings. */
  params: Record<string, string>
  query: Record<string, string>
  /** Parsed JSON body; undefined when empty. */
  body: unknown
  /** Root the request came through: `http://127.0.0.1:PORT` or `…/api/v3`. */
  apiBase: string
  /** Path of the request without prefix and query, for building Link URLs. */
  path: string
  /** Schedules an outgoing delivery, sent after the API answer. */
  deliver(hook: StoredHook, spec: DeliverySpec): void
}

/** An answer: status, JSON body (none when undefined) and extra headers. */
export interface Reply {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

/** A fine-grained "Webhooks" permission level. */
export type Permission = 'read' | 'write'

/**
 * One endpoint, for the scopes it exists in. `perm` gives the fine-grained "Webhooks" permission
 * the docs list per scope (e.g. a repository ping needs only read, an organization ping write); a
 * scope not listed has no such endpoint (404). `handle` throws {@link ApiError} for error answers.
 */
export interface Route {
  method: string
  /** Relative to the target, with `:name` parameters, e.g. `hooks/:hook_id/config`. */
  path: string
  perm: Partial<Record<Scope, Permission>>
  handle(store: HookStore, ctx: RequestContext): Reply
}

const READ: Route['perm'] = { repo: 'read', org: 'read' }
const WRITE: Route['perm'] = { repo: 'write', org: 'write' }

const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({ status, body, headers })

/**
 * The path a list's `Link` header points to: for a repository, the id form GitHub's links use
 * (`/repositories/1296269/hooks`, as recorded from GitHub, whatever path was asked for); otherwise
 * the path as requested.
 */
export function linkPath(ctx: Pick<RequestContext, 'target' | 'path'>): string {
  return ctx.target.scope === 'repo' ? ctx.path.replace(/^\/(?:repos\/[^/]+\/[^/]+|repositories\/\d+)/, `/repositories/${ctx.target.id}`) : ctx.path
}

/**
 * `GET …/deliveries` of a hook (repository, organization or App webhook): `hook-delivery-item`s,
 * newest first, without those past the 3-day retention, `per_page` of them (default 30, at most
 * 100), optionally filtered by `status`, as the OpenAPI description defines it: `success` =
 * status_code 200–399, `failure` = 400–599. A delivery that got no HTTP response (status_code 0,
 * "failed to connect") is in neither: the server-side filter misses it, as on GitHub.
 *
 * Cursor pagination (cursors are opaque to clients): the `Link` header carries `rel="next"` when
 * older deliveries follow (cursor `v1_<id>`: those older than delivery <id>) and `rel="prev"` when
 * newer ones precede the page (cursor `v1p_<id>`: the `per_page` deliveries just newer than <id>),
 * as recorded GitHub answers carry both; links point to {@link linkPath}.
 * @throws ApiError 422 for an unknown `status`; 400 `Invalid cursor` for a cursor it did not issue
 */
export function listDeliveries(store: HookStore, hook: StoredHook, ctx: Pick<RequestContext, 'query' | 'apiBase' | 'path' | 'target'>): Reply {
  const filter = ctx.query.status
  if (filter !== undefined && filter !== 'success' && filter !== 'failure') {
    throw validationFailed({ resource: 'HookDelivery', code: 'invalid', field: 'status', value: filter })
  }
  const inRange = (d: StoredDelivery): boolean =>
    filter === 'success' ? d.status_code >= 200 && d.status_code < 400 : d.status_code >= 400 && d.status_code < 600
  let deliveries = store.deliveriesOf(hook)
  if (filter) deliveries = deliveries.filter(inRange)
  const size = perPage(ctx.query)
  let page = deliveries.slice(0, size)
  if (ctx.query.cursor !== undefined) {
    const cursor = /^v1(p?)_(\d+)$/.exec(ctx.query.cursor)
    if (!cursor) throw new ApiError(400, 'Invalid cursor')
    const at = Number(cursor[2])
    if (cursor[1] === 'p') {
      const newer = deliveries.filter((d) => d.id > at)
      page = newer.slice(Math.max(0, newer.length - size))
    } else {
      page = deliveries.filter((d) => d.id < at).slice(0, size)
    }
  }
  const links: string[] = []
  const link = (cursor: string, rel: string): void => {
    const search = new URLSearchParams({ per_page: String(size), cursor })
    if (filter) search.set('status', filter)
    links.push(`<${ctx.apiBase}${linkPath(ctx)}?${search}>; rel="${rel}"`)
  }
  if (page.length > 0) {
    const [newest, oldest] = [page[0], page[page.length - 1]]
    if (deliveries.some((d) => d.id < oldest.id)) link(`v1_${oldest.id}`, 'next')
    if (deliveries.some((d) => d.id > newest.id)) link(`v1p_${newest.id}`, 'prev')
  }
  const items = page.map((d) => deliveryItemJson(d, hook.scope))
  return json(200, items, links.length > 0 ? { Link: links.join(', ') } : undefined)
}

/**
 * `POST …/deliveries/{delivery_id}/attempts`: schedules a new delivery (new id) repeating the guid,
 * event, action and payload of `deliveryId`, marked as a redelivery and signed with the hook's
 * current secret; answers 202 `{}`.
 * @throws ApiError 404 for an unknown delivery; 422 for one older than 3 days
 */
export function redeliver(store: HookStore, hook: StoredHook, deliveryId: string, ctx: Pick<RequestContext, 'deliver'>): Reply {
  const { guid, event, action, request } = store.redeliverable(hook, deliveryId)
  ctx.deliver(hook, { guid, event, action, payload: structuredClone(request.payload), redelivery: true })
  return json(202, {})
}

/** Every endpoint of the repository and organization webhooks docs. */
export const ROUTES: Route[] = [
  {
    method: 'GET',
    path: 'hooks',
    perm: READ,
    handle(store, ctx) {
      const { items, headers } = paginate(store.hooksOf(ctx.target), { ...ctx, path: linkPath(ctx) })
      return json(
        200,
        items.map((h) => hookJson(store, h, ctx.apiBase)),
        headers
      )
    }
  },
  {
    method: 'POST',
    path: 'hooks',
    perm: WRITE,
    handle(store, ctx) {
      // "When you create a new webhook, we'll send you a simple ping event": after the 201, like
      // every delivery; none to a hook created inactive, to which GitHub delivers nothing ("active:
      // determines if notifications are sent when the webhook is triggered"). (Hooks seeded with
      // Emulator.addHook get none.)
      const hook = store.createHook(ctx.target, ctx.body)
      const answer = json(201, hookJson(store, hook, ctx.apiBase))
      if (hook.active) ctx.deliver(hook, pingDelivery(store, hook, ctx.apiBase))
      return answer
    }
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
    handle: (store, ctx) => listDeliveries(store, store.hook(ctx.target, ctx.params.hook_id), ctx)
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
    handle: (store, ctx) => redeliver(store, store.hook(ctx.target, ctx.params.hook_id), ctx.params.delivery_id, ctx)
  },
  {
    method: 'POST',
    path: 'hooks/:hook_id/pings',
    perm: { repo: 'read', org: 'write' },
    handle(store, ctx) {
      const hook = store.hook(ctx.target, ctx.params.hook_id)
      ctx.deliver(hook, pingDelivery(store, hook, ctx.apiBase))
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

/**
 * Splits an API path without the `/api/v3` prefix and query (`/repos/o/r/hooks/1`) into scope,
 * target name (URL-decoded, not yet checked to exist) and the matching route with its parameters.
 * @returns undefined when no route of that scope matches the method and path
 */
export function matchRoute(method: string, path: string): { route: Route; scope: Scope; name: string; params: Record<string, string> } | undefined {
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
