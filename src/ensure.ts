/**
 * Declarative hooks: `ensure` (the hook must exist with these settings) and `ensure-absent`.
 *
 * `ensure` reads the target's hooks once, writes only the fields that differ (events/active through
 * `PATCH …/hooks/{hook_id}` without `config`, config fields through `PATCH …/hooks/{hook_id}/config`),
 * and proves a given secret from a signed delivery instead of re-sending it ({@link proveSecret}).
 */
import { verify } from '@octokit/webhooks-methods'
import { isApiError, isHookAlreadyExists } from './api-error.js'
import { newestDelivery } from './deliveries.js'
import * as hooks from './hooks.js'
import type { GitHubClient, Hook } from './hooks.js'
import type { ConfigFields, HookFields, HookRef } from './input-helper.js'
import { describeTarget, type Target } from './target.js'

/** The outcome word of `ensure` / `ensure-absent` (the same words in a dry run, where nothing is written). */
export type EnsureOutcome = 'created' | 'updated' | 'unchanged' | 'deleted' | 'absent'

/**
 * How a given secret was handled: `proven` (a delivery made after the hook's last change is signed
 * with it: nothing written), `written` (sent through the config endpoint), `not-given`.
 */
export type SecretProof = 'proven' | 'written' | 'not-given'

/**
 * One difference between the hook and the wanted settings. A secret shows as
 * `{ field: 'secret', from: 'unproven' | 'none', to: 'set' }`, never its value.
 */
export interface Change {
  field: 'url' | 'events' | 'active' | 'content_type' | 'insecure_ssl' | 'secret'
  from: unknown
  to: unknown
}

/** What `ensure` / `ensure-absent` did (or, in a dry run, would do). */
export interface EnsureResult {
  outcome: EnsureOutcome
  changes: Change[]
  secret_proof: SecretProof
  /** How the secret proof went, for the log and summary (which delivery, or why none). */
  secret_note?: string
  /** The hook afterwards (in a dry run: as it is now; absent when created in a dry run or deleted). */
  hook?: Hook
  hook_id?: number
}

/** The settings `ensure` makes true; unset inputs take the create defaults (see {@link wantedSettings}). */
export interface WantedHook {
  /** Undefined when the hook is named by `hook_id` alone: its URL is then left as it is. */
  url?: string
  events: string[]
  active: boolean
  content_type: 'json' | 'form'
  insecure_ssl: '0' | '1'
  secret?: string
}

/** The action's create defaults applied to the given fields: events `["push"]`, active, `json`, `insecure_ssl` `"0"`. */
export function wantedSettings(config: ConfigFields, fields: HookFields): WantedHook {
  return {
    url: config.url,
    events: fields.events ?? ['push'],
    active: fields.active ?? true,
    content_type: config.content_type ?? 'json',
    insecure_ssl: config.insecure_ssl ?? '0',
    secret: config.secret
  }
}

/** The config fields compared by `ensure` (the secret is handled by the proof). */
const CONFIG_FIELDS = ['url', 'content_type', 'insecure_ssl'] as const

/**
 * The differences between a hook and the wanted settings, secret excluded: `url`, `content_type`,
 * `insecure_ssl` (config), then `events` (as sets) and `active`.
 */
export function diffHook(hook: Hook, wanted: WantedHook): Change[] {
  const changes: Change[] = []
  for (const field of CONFIG_FIELDS) {
    if (wanted[field] === undefined) continue
    const from = field === 'insecure_ssl' ? String(hook.config.insecure_ssl ?? '0') : hook.config[field]
    if (from !== wanted[field]) changes.push({ field, from: from ?? null, to: wanted[field] })
  }
  if (!hooks.sameEvents(hook.events, wanted.events)) changes.push({ field: 'events', from: hook.events, to: wanted.events })
  if (hook.active !== wanted.active) changes.push({ field: 'active', from: hook.active, to: wanted.active })
  return changes
}

/** The body GitHub signed for a delivery: compact JSON, or `payload=<urlencoded JSON>` for `form` hooks (two encodings tried). */
function signedBodies(payload: unknown, contentType: string): string[] {
  const json = JSON.stringify(payload)
  if (!contentType.includes('x-www-form-urlencoded')) return [json]
  return [`payload=${encodeURIComponent(json)}`, new URLSearchParams({ payload: json }).toString()]
}

/** A header of a delivery's request, whatever its case. */
function header(headers: Record<string, unknown> | null | undefined, name: string): string | undefined {
  const found = Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === name)
  return typeof found?.[1] === 'string' ? found[1] : undefined
}

/**
 * Proves that the hook's stored secret equals `secret` without writing it (REST: "List deliveries
 * for a … webhook" with `per_page=1`, then "Get a delivery"). The newest delivery must be made
 * strictly after the hook's `updated_at` (so it was signed with the current secret); its
 * `X-Hub-Signature-256` is checked against HMAC-SHA256 of its body re-serialised as GitHub sends it,
 * in constant time (`verify` of `@octokit/webhooks-methods`). Costs 2 GET requests at most.
 * @returns proven, and a note saying which delivery proved it or why nothing could (a mismatch only
 *   means "not proven": the body may have been re-serialised differently)
 */
export async function proveSecret(
  client: GitHubClient,
  target: Target,
  hook: Hook,
  secret: string
): Promise<{ proven: boolean; note: string }> {
  const newest = await newestDelivery(client, target, hook.id)
  if (!newest) return { proven: false, note: 'no delivery to prove it with' }
  if (Date.parse(newest.delivered_at) <= Date.parse(hook.updated_at)) {
    return { proven: false, note: `the newest delivery (${newest.id}) is not newer than the hook's last change` }
  }
  const delivery = await hooks.getDelivery(client, target, hook.id, Number(newest.id))
  const signature = header(delivery.request.headers, 'x-hub-signature-256')
  if (!signature) return { proven: false, note: `delivery ${delivery.id} is not signed` }
  for (const body of signedBodies(delivery.request.payload, header(delivery.request.headers, 'content-type') ?? '')) {
    if (await verify(secret, body, signature)) return { proven: true, note: `delivery ${delivery.id} is signed with it` }
  }
  return { proven: false, note: `delivery ${delivery.id} does not verify with it` }
}

/**
 * Finds the hook by id or by its exact `config.url` (several → HookLookupError). By id, GitHub's 404
 * may also mean "no permission" or "no such repository": the hook counts as absent only when the
 * target's hooks can be listed (one more request, on the absent path only).
 */
async function findHook(client: GitHubClient, target: Target, ref: HookRef): Promise<Hook | undefined> {
  if ('hook_id' in ref) {
    try {
      return await hooks.getHook(client, target, ref.hook_id)
    } catch (error) {
      if (!(isApiError(error) && error.status === 404)) throw error
      await hooks.listHooks(client, target, { per_page: 1, limit: 1 }) // throws the 403/404 of a target we may not see
      return undefined
    }
  }
  try {
    return (await hooks.resolveHook(client, target, ref)).hook
  } catch (error) {
    if (error instanceof hooks.HookLookupError && error.matches === 0) return undefined
    throw error
  }
}

/**
 * `operation: ensure`: the hook named by `ref` exists with the wanted settings.
 * - absent → `POST …/hooks` (by `hook_id` alone it cannot be created: error);
 * - present → writes only what differs; in sync → no write at all;
 * - a concurrent creator (`POST` answers 422 "Hook already exists") → lists again and converges on the
 *   hook that won, so there is never a second hook.
 * With `dryRun`, no POST/PATCH/DELETE is sent and the result says what would happen.
 * @throws HookLookupError when several hooks have the URL (set `hook_id`), or `hook_id` names no hook
 */
export async function ensureHook(
  client: GitHubClient,
  target: Target,
  ref: HookRef,
  wanted: WantedHook,
  dryRun: boolean
): Promise<EnsureResult> {
  let hook = await findHook(client, target, ref)
  if (!hook) {
    if ('hook_id' in ref) {
      throw new hooks.HookLookupError(
        `Webhook ${ref.hook_id} does not exist on ${describeTarget(target)}; leave 'hook_id' unset to create the hook by 'url'.`
      )
    }
    if (wanted.url === undefined) throw new Error('internal error: ensure by url without a url')
    const secret_proof: SecretProof = wanted.secret === undefined ? 'not-given' : 'written'
    const changes = creationChanges({ ...wanted, url: wanted.url })
    if (dryRun) return { outcome: 'created', changes, secret_proof }
    try {
      const created = await hooks.createHook(client, target, {
        config: { url: wanted.url, content_type: wanted.content_type, insecure_ssl: wanted.insecure_ssl, secret: wanted.secret },
        fields: { events: wanted.events, active: wanted.active }
      })
      return { outcome: 'created', changes, secret_proof, hook: created, hook_id: created.id }
    } catch (error) {
      hook = isHookAlreadyExists(error) ? await findHook(client, target, ref) : undefined
      if (!hook) throw error
    }
  }
  return converge(client, target, hook, wanted, dryRun)
}

/** The changes of a creation: every wanted field from `null` (the secret as `none` → `set`). */
function creationChanges(wanted: WantedHook & { url: string }): Change[] {
  const changes: Change[] = [
    { field: 'url', from: null, to: wanted.url },
    { field: 'content_type', from: null, to: wanted.content_type },
    { field: 'insecure_ssl', from: null, to: wanted.insecure_ssl },
    { field: 'events', from: null, to: wanted.events },
    { field: 'active', from: null, to: wanted.active }
  ]
  if (wanted.secret !== undefined) changes.push({ field: 'secret', from: 'none', to: 'set' })
  return changes
}

/** Brings an existing hook to the wanted settings, writing only what differs. */
async function converge(
  client: GitHubClient,
  target: Target,
  hook: Hook,
  wanted: WantedHook,
  dryRun: boolean
): Promise<EnsureResult> {
  const changes = diffHook(hook, wanted)
  const config: ConfigFields = {}
  const fields: HookFields = {}
  for (const change of changes) {
    if (change.field === 'events') fields.events = wanted.events
    else if (change.field === 'active') fields.active = wanted.active
    else if (change.field === 'url') config.url = wanted.url
    else if (change.field === 'content_type') config.content_type = wanted.content_type
    else if (change.field === 'insecure_ssl') config.insecure_ssl = wanted.insecure_ssl
  }
  let secret_proof: SecretProof = 'not-given'
  let secret_note: string | undefined
  if (wanted.secret !== undefined) {
    let proven = false
    if (!hook.config.secret) secret_note = 'the hook had no secret'
    else if (Object.keys(config).length > 0) secret_note = 'sent along with the other config changes'
    else ({ proven, note: secret_note } = await proveSecret(client, target, hook, wanted.secret))
    if (proven) {
      secret_proof = 'proven'
    } else {
      secret_proof = 'written'
      config.secret = wanted.secret
      changes.push({ field: 'secret', from: hook.config.secret ? 'unproven' : 'none', to: 'set' })
    }
  }
  const result = { changes, secret_proof, secret_note, hook_id: hook.id }
  if (changes.length === 0) return { ...result, outcome: 'unchanged', hook }
  const updated = dryRun ? hook : await hooks.updateHook(client, target, hook.id, { fields, config }, hook)
  return { ...result, outcome: 'updated', hook: updated }
}

/**
 * `operation: ensure-absent`: deletes the hook named by `ref` if it exists (`deleted`), or does
 * nothing (`absent`). With `dryRun`, no DELETE is sent.
 * @throws HookLookupError when several hooks have the URL (set `hook_id`)
 */
export async function ensureAbsent(client: GitHubClient, target: Target, ref: HookRef, dryRun: boolean): Promise<EnsureResult> {
  const hook = await findHook(client, target, ref)
  if (!hook) return { outcome: 'absent', changes: [], secret_proof: 'not-given' }
  if (!dryRun) await hooks.deleteHook(client, target, hook.id)
  return { outcome: 'deleted', changes: [], secret_proof: 'not-given', hook_id: hook.id, hook }
}
