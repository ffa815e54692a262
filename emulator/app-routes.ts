/**
 * The endpoints of GitHub's docs "REST API endpoints for GitHub App webhooks" as the emulator routes
 * them: {@link APP_ROUTES} under `/app/hook/` and {@link matchAppRoute}. They act on the one webhook
 * of the App that signed the request's JWT (authenticated by ./server.ts with ./apps.ts), kept in
 * the {@link HookStore} as the hook of the app's target (scope `app`); the deliveries list and the
 * redelivery are those of the repository and organization hooks (./routes.ts).
 *
 * An App whose webhook URL was never set has no hook: every route answers 404 `Not Found` then,
 * except `PATCH /app/hook/config` with a `url`, which sets it up.
 */
import { configJson, deliveryJson } from './representations.js'
import { listDeliveries, redeliver, type Reply, type RequestContext } from './routes.js'
import { notFound, type HookStore, type StoredHook, type Target } from './store.js'

/** One App webhook endpoint. `handle` throws ApiError for error answers. */
export interface AppRoute {
  method: string
  /** Relative to `/app/`, with `:name` parameters, e.g. `hook/deliveries/:delivery_id`. */
  path: string
  /** `ctx.target` is the authenticated app's target (scope `app`). */
  handle(store: HookStore, ctx: RequestContext): Reply
}

/** The app's webhook. @throws ApiError 404 while the app has no webhook URL */
function hookOf(store: HookStore, target: Target): StoredHook {
  const hook = store.appHook(target)
  if (!hook) throw notFound()
  return hook
}

/** Every endpoint of the GitHub App webhooks docs. */
export const APP_ROUTES: AppRoute[] = [
  {
    // "Get a webhook configuration for an app": schema `webhook-config`, the secret masked.
    method: 'GET',
    path: 'hook/config',
    handle: (store, ctx) => ({ status: 200, body: configJson(hookOf(store, ctx.target).config) })
  },
  {
    // "Update a webhook configuration for an app": merges the given fields (HookStore.updateAppConfig).
    method: 'PATCH',
    path: 'hook/config',
    handle: (store, ctx) => ({ status: 200, body: configJson(store.updateAppConfig(ctx.target, ctx.body).config) })
  },
  {
    // "List deliveries for an app webhook": cursor pagination and `status` filter as for other hooks.
    method: 'GET',
    path: 'hook/deliveries',
    handle: (store, ctx) => listDeliveries(store, hookOf(store, ctx.target), ctx)
  },
  {
    // "Get a delivery for an app webhook": schema `hook-delivery`; 404 past the 3-day retention.
    method: 'GET',
    path: 'hook/deliveries/:delivery_id',
    handle: (store, ctx) => ({ status: 200, body: deliveryJson(store.delivery(hookOf(store, ctx.target), ctx.params.delivery_id)) })
  },
  {
    // "Redeliver a delivery for an app webhook": 202, then the redelivery is sent to the hook's url.
    method: 'POST',
    path: 'hook/deliveries/:delivery_id/attempts',
    handle: (store, ctx) => redeliver(store, hookOf(store, ctx.target), ctx.params.delivery_id, ctx)
  }
]

const COMPILED_APP_ROUTES = APP_ROUTES.map((route) => ({
  route,
  pattern: new RegExp(`^/app/${route.path.replace(/:(\w+)/g, '(?<$1>[^/]+)')}$`)
}))

/**
 * The App webhook route of a request, if any.
 * @param method HTTP method (upper case)
 * @param path API path without the `/api/v3` prefix and without the query, e.g. `/app/hook/config`
 * @returns the route and its path parameters (`delivery_id`) as strings; undefined when none matches
 */
export function matchAppRoute(method: string, path: string): { route: AppRoute; params: Record<string, string> } | undefined {
  for (const { route, pattern } of COMPILED_APP_ROUTES) {
    const found = route.method === method ? pattern.exec(path) : null
    if (found) return { route, params: { ...found.groups } }
  }
  return undefined
}
