/**
 * The JSON the emulator shows: API representations of stored hooks and deliveries (the OpenAPI
 * schemas `hook`, `org-hook`, `webhook-config`, `hook-delivery-item`, `hook-delivery`) and the
 * webhook payloads it sends (`ping`, the `push` of `POST …/tests`). Pure functions of the state in
 * ./store.ts; `apiBase` is always the root the request came through (with `/api/v3` for GHES).
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { isoNow } from './delivery.js'
import type { DeliverySpec, HookStore, Json, StoredDelivery, StoredHook, StoredHookConfig, Target } from './store.js'

/** How the API shows a set secret. */
export const MASKED_SECRET = '********'
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

/**
 * `last_response` of a repository hook, from its most recent delivery (expired ones count, as the
 * hook keeps it): `{code: null, status: "unused", message: null}` before any delivery;
 * `{code: 200, status: "active", message: "OK"}` after a 2xx (code = the receiver's status); after a
 * failure `{code: <status code, or null without an HTTP response>, status: "failed", message: <the
 * delivery's status text, e.g. "Invalid HTTP Response: 500" or "failed to connect">}`.
 */
export function lastResponse(store: HookStore, hook: StoredHook): Json {
  const latest = store.latestDelivery(hook)
  if (!latest) return { code: null, status: 'unused', message: null }
  const ok = latest.status_code >= 200 && latest.status_code < 300
  return { code: latest.status_code || null, status: ok ? 'active' : 'failed', message: latest.status }
}

/**
 * A hook as the API shows it: schema `hook` for repositories (type "Repository", with `test_url`
 * and `last_response`) or `org-hook` for organizations (type "Organization", neither). The secret is
 * masked.
 */
export function hookJson(store: HookStore, hook: StoredHook, apiBase: string): Json {
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
export function configJson(config: StoredHookConfig): Json {
  const { content_type, insecure_ssl, url } = config
  return { content_type, insecure_ssl, ...(config.secret !== undefined ? { secret: MASKED_SECRET } : {}), url }
}

/** Schema `hook-delivery-item` (an element of `GET …/deliveries`). */
export function deliveryItemJson(d: StoredDelivery): Json {
  const { id, guid, delivered_at, redelivery, duration, status, status_code, event, action } = d
  const { installation_id, repository_id, throttled_at } = d
  return { id, guid, delivered_at, redelivery, duration, status, status_code, event, action, installation_id, repository_id, throttled_at }
}

/**
 * Schema `hook-delivery`: the item plus `url`, `request` and `response`; `request.payload` is the
 * payload as an object (as GitHub shows it), not the exact body that was sent and signed.
 */
export function deliveryJson(d: StoredDelivery): Json {
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

/**
 * A `ping` event (GitHub docs "Webhook events and payloads › ping"), as `POST …/pings` and the
 * creation of a hook send it: a new guid, action null, not a redelivery, and the payload
 * `{zen, hook_id, hook: <the hook's API representation now>, repository | organization, sender}`.
 */
export function pingDelivery(store: HookStore, hook: StoredHook, apiBase: string): DeliverySpec {
  const payload = {
    zen: ZEN[Math.floor(Math.random() * ZEN.length)],
    hook_id: hook.id,
    hook: hookJson(store, hook, apiBase),
    ...payloadContext(store.targetOfHook(hook), apiBase)
  }
  return { guid: randomUUID(), event: 'ping', action: null, payload, redelivery: false }
}

/** A small but plausible `push` payload, as `POST …/tests` sends it. */
export function pushPayload(target: Target, apiBase: string): Json {
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
