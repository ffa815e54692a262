/**
 * Declarative hooks: `ensure` (the hook must exist with these settings) and `ensure-absent`.
 *
 * `ensure` reads the target's hooks once, writes only the fields that differ (events/active through
 * `PATCH …/hooks/{hook_id}` without `config`, config fields through `PATCH …/hooks/{hook_id}/config`),
 * and proves a given secret from a signed delivery instead of re-sending it ({@link proveSecret}).
 * After it creates a hook it waits for the ping GitHub sends a new hook on its own (`verify`); after
 * it writes the secret of an existing hook it pings the hook. Either way the receiver's answer is
 * known now, and the next run proves the secret from that ping instead of writing it again.
 */
import { errorText, isApiError, isHookAlreadyExists, hooks, describeTarget, SCOPE_TRAITS, type Target } from '../github/index.js'
import { pingAfterWrite, waitForDelivery } from './deliveries.js'
import { proveSecret } from './secrets.js'
import { realClock, type Clock, type ConfigFields, type Delivery, type GitHubClient, type Hook, type HookFields, type HookRef } from '../model.js'

/** The outcome word of `ensure` / `ensure-absent` (the same words in a dry run, where nothing is written). */
export type EnsureOutcome = 'created' | 'updated' | 'unchanged' | 'deleted' | 'absent'

/**
 * How a given secret was handled: `proven` (a delivery made after the hook's last change is signed
 * with it: nothing written), `written` (sent, at creation or through the config endpoint),
 * `would-write` (a dry run that would send it), `unproven` (an inactive hook that stays inactive and
 * has a secret set: GitHub delivers nothing to it, so no delivery can prove the secret, and it is not
 * written again on every run; it is written when the hook is created or activated), `not-given`.
 */
export type SecretProof = 'proven' | 'written' | 'would-write' | 'unproven' | 'not-given'

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
  /** Something else worth saying (a hook adopted after a 422, a hook someone else deleted meanwhile). */
  note?: string
  /**
   * The verifying ping after a creation or a secret write: `delivery` is the ping's delivery
   * (undefined when GitHub recorded none within the wait); `error` why the ping or the wait failed
   * (the write stands). Absent when no ping was sent.
   */
  verification?: { delivery?: Delivery; error?: string }
  /**
   * The delivery that proved the secret, when the receiver did not answer it 2xx (a 401 from a
   * receiver that checks another secret): the secret GitHub stores is the one wanted, so nothing is
   * written for it, but the hook does not work. Absent when the proof's delivery was answered 2xx.
   */
  refused_proof?: Delivery
}

/** Options of {@link ensureHook}. */
export interface EnsureOptions {
  /** Compute everything, send no POST, PATCH or DELETE. */
  dryRun: boolean
  /** Ping after creating the hook or writing its secret, waiting at most `timeout_ms` MILLISECONDS for the delivery; undefined: no ping. */
  verify?: { timeout_ms: number }
  /** The clock of the polls for the verifying ping's delivery; the real one by default (the one-second pause before the ping is always real). */
  clock?: Clock
  /**
   * The target's hooks, as just listed by the caller (a plan lists each target once for all its
   * entries): the hook is looked up there instead of listing again. A name it cannot settle (no
   * such id, several hooks with the url) is looked up as without it.
   */
  listed?: readonly Hook[]
}

/** The settings `ensure` makes true; unset inputs take the create defaults (see {@link wantedSettings}). */
export interface WantedHook {
  /** Undefined when the hook is named by `hook_id` alone: its URL is then left as it is. */
  url?: string
  /** Undefined for a hook without events and active state of its own (a GitHub App's): not compared, not written. */
  events?: string[]
  active?: boolean
  content_type: 'json' | 'form'
  insecure_ssl: '0' | '1'
  secret?: string
}

/**
 * The action's create defaults applied to the given fields: events `["push"]`, active, `json`,
 * `insecure_ssl` `"0"`; with `hookFields` false (a GitHub App's hook), events and active are left out.
 */
export function wantedSettings(config: ConfigFields, fields: HookFields, hookFields = true): WantedHook {
  return {
    url: config.url,
    events: hookFields ? (fields.events ?? ['push']) : undefined,
    active: hookFields ? (fields.active ?? true) : undefined,
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
  if (wanted.events && !hooks.sameEvents(hook.events, wanted.events)) changes.push({ field: 'events', from: hook.events, to: wanted.events })
  if (wanted.active !== undefined && hook.active !== wanted.active) changes.push({ field: 'active', from: hook.active, to: wanted.active })
  return changes
}

/**
 * The hook `ref` names among hooks already listed: the one with `hook_id` (and `url`, when both are
 * given), or the only one with `url`; a `false` result means "look it up" (none, or several).
 */
function pick(listed: readonly Hook[], ref: HookRef): Hook | false {
  const matches = listed.filter((hook) =>
    'hook_id' in ref ? hook.id === ref.hook_id && (ref.url === undefined || hook.config.url === ref.url) : hook.config.url === ref.url
  )
  return matches.length === 1 ? matches[0] : false
}

/**
 * Finds the hook by id or by its exact `config.url` (several → HookLookupError). By id, GitHub's 404
 * may also mean "no permission" or "no such repository": the hook counts as absent only when the
 * target's hooks can be listed (one more request, on the absent path only). By id and url, the
 * hook found must have that url.
 * @throws HookLookupError (several hooks with the url; `hook_id` and `url` naming different hooks)
 */
async function findHook(client: GitHubClient, target: Target, ref: HookRef | undefined): Promise<Hook | undefined> {
  if (!SCOPE_TRAITS[target.scope].hooks) return hooks.getHook(client, target, hooks.SINGLE_HOOK_ID) // a GitHub App's one webhook
  if (ref === undefined) throw new Error('internal error: no hook named (hook_id or url)')
  if ('hook_id' in ref) {
    try {
      const { hook_id, url } = ref
      return await (url === undefined ? hooks.getHook(client, target, hook_id) : hooks.getNamedHook(client, target, { hook_id, url }))
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
 * - `POST` answered 422 "Hook already exists" (a concurrent creator, or this POST's own retry after a
 *   lost answer) → lists again and converges on the hook found, writing what differs and the secret
 *   (it cannot be known which secret that hook was created with), so there is never a second hook;
 * - with `options.verify`, for an active hook: after a creation, the wait for the ping GitHub sends a
 *   new hook ({@link waitForDelivery}: no request but the polls); after a secret write,
 *   {@link pingAfterWrite}, whose `delivered_after` (the hook's `updated_at`) leaves out older pings.
 * With `options.dryRun`, no POST/PATCH/DELETE is sent and the result says what would happen.
 * @throws HookLookupError when several hooks have the URL (set `hook_id`), `hook_id` names no hook,
 *   or `hook_id` and `url` name different hooks
 */
export async function ensureHook(
  client: GitHubClient,
  target: Target,
  ref: HookRef | undefined,
  wanted: WantedHook,
  options: EnsureOptions
): Promise<EnsureResult> {
  const { dryRun, clock = realClock } = options
  let hook = (ref && options.listed && pick(options.listed, ref)) || (await findHook(client, target, ref))
  let result: EnsureResult
  if (hook) {
    result = await converge(client, target, hook, wanted, dryRun, false)
  } else {
    // A target's one webhook (a GitHub App's) is always found: only a named hook can be missing.
    if (ref === undefined) throw new Error('internal error: no hook named, and none found')
    if ('hook_id' in ref) {
      throw new hooks.HookLookupError(
        `Webhook ${ref.hook_id} does not exist on ${describeTarget(target)}; leave 'hook_id' unset to create the hook by 'url'.`
      )
    }
    if (wanted.url === undefined) throw new Error('internal error: ensure by url without a url')
    const changes = creationChanges({ ...wanted, url: wanted.url })
    if (dryRun) return { outcome: 'created', changes, secret_proof: wanted.secret === undefined ? 'not-given' : 'would-write' }
    try {
      const { hook: created } = await hooks.createHook(client, target, {
        config: { url: wanted.url, content_type: wanted.content_type, insecure_ssl: wanted.insecure_ssl, secret: wanted.secret },
        fields: { events: wanted.events, active: wanted.active }
      })
      result = {
        outcome: 'created',
        changes,
        secret_proof: wanted.secret === undefined ? 'not-given' : 'written',
        hook: created,
        hook_id: created.id
      }
    } catch (error) {
      hook = isHookAlreadyExists(error) ? await findHook(client, target, ref) : undefined
      if (!hook) throw error
      result = await converge(client, target, hook, wanted, dryRun, true)
      result.note = `GitHub answered 422 "Hook already exists" to the create: webhook ${hook.id} (created ${hook.created_at}) was adopted and converged`
    }
  }
  // Any write moves updated_at: a hook whose secret is managed is verified again, so the next run
  // can prove the secret from a delivery newer than the write instead of writing it once more.
  const wrote = result.outcome === 'created' || result.secret_proof === 'written' || (result.outcome === 'updated' && wanted.secret !== undefined)
  // A hook that cannot be pinged (a GitHub App's) is proven by its next delivery instead.
  if (options.verify && SCOPE_TRAITS[target.scope].ping && !dryRun && wrote && result.hook) {
    if (result.hook.active) {
      const { id, updated_at } = result.hook
      const timeout_ms = options.verify.timeout_ms
      try {
        result.verification = {
          // A hook just created: GitHub's own creation ping (no second write); a secret written: a ping.
          delivery:
            result.outcome === 'created'
              ? await waitForDelivery(client, target, id, { after: 0, event: 'ping', timeout_ms }, clock)
              : await pingAfterWrite(client, target, id, { delivered_after: updated_at, timeout_ms }, clock)
        }
      } catch (error) {
        // The write stands and is reported; only its verification failed.
        result.verification = { error: errorText(error) }
      }
    } else {
      result.note = [result.note, 'not verified with a ping: the hook is inactive (active: false), so GitHub delivers nothing to it']
        .filter(Boolean)
        .join('; ')
    }
  }
  return result
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

/**
 * Brings an existing hook to the wanted settings, writing only what differs. The secret is proven
 * when it can be, else written; `adopted` (a hook found after a 422 on create) always gets it written.
 */
async function converge(
  client: GitHubClient,
  target: Target,
  hook: Hook,
  wanted: WantedHook,
  dryRun: boolean,
  adopted: boolean
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
  let proof: Delivery | undefined
  if (wanted.secret !== undefined) {
    let proven = false
    // An inactive hook that stays inactive gets no delivery, not even a ping: its secret can never be
    // proven, and writing it on every run would never settle. It is written at creation and activation.
    const dormant = !adopted && hook.config.secret && Object.keys(config).length === 0 && !hook.active && wanted.active === false
    if (adopted) secret_note = 'the adopted hook may hold another secret'
    else if (!hook.config.secret) secret_note = 'the hook had no secret'
    else if (dormant) secret_note = 'unproven: inactive (GitHub delivers nothing to an inactive hook; the secret is written when it is activated)'
    // Also when other config fields change (a moved url): a proven secret is not sent again, the
    // config endpoint merges, and the hook read back after the write tells whether GitHub kept it.
    else ({ proven, note: secret_note, delivery: proof } = await proveSecret(client, target, hook, wanted.secret))
    if (proven) {
      secret_proof = 'proven'
    } else if (dormant) {
      secret_proof = 'unproven'
    } else {
      secret_proof = dryRun ? 'would-write' : 'written'
      config.secret = wanted.secret
      changes.push({ field: 'secret', from: hook.config.secret ? 'unproven' : 'none', to: 'set' })
    }
  }
  const refused = secret_proof === 'proven' && proof && !(proof.status_code >= 200 && proof.status_code < 300) ? proof : undefined
  const result = { changes, secret_proof, secret_note, hook_id: hook.id, ...(refused ? { refused_proof: refused } : {}) }
  if (changes.length === 0) return { ...result, outcome: 'unchanged', hook }
  let updated = dryRun ? hook : await hooks.updateHook(client, target, hook.id, { fields, config }, hook)
  if (!dryRun && secret_proof === 'proven' && Object.keys(config).length > 0 && !updated.config.secret) {
    // GitHub is not documented to keep the secret when the url changes; if the hook read back has
    // none, the proven secret is written at once, so the move never leaves the hook unsigned.
    await hooks.updateHookConfig(client, target, hook.id, { secret: wanted.secret })
    updated = { ...updated, config: { ...updated.config, secret: '********' } } as Hook
    result.secret_proof = 'written'
    result.secret_note = `${secret_note ?? 'proven'}; GitHub dropped it with the config change, so it was written again`
    changes.push({ field: 'secret', from: 'none', to: 'set' })
  }
  return { ...result, outcome: 'updated', hook: updated }
}

/**
 * `operation: ensure-absent`: deletes the hook named by `ref` if it exists (`deleted`), or does
 * nothing (`absent`). A hook that someone else deletes between the lookup and the DELETE (GitHub
 * answers 404, and the hook is gone) ends `absent` too. With `dryRun`, no DELETE is sent.
 * @throws HookLookupError when several hooks have the URL (set `hook_id`), or `hook_id` and `url`
 *   name different hooks; RequestError when GitHub refuses the DELETE (403, or 404 for a hook still there)
 */
export async function ensureAbsent(client: GitHubClient, target: Target, ref: HookRef, dryRun: boolean): Promise<EnsureResult> {
  const hook = await findHook(client, target, ref)
  if (!hook) return { outcome: 'absent', changes: [], secret_proof: 'not-given' }
  const done = dryRun ? 'deleted' : await hooks.deleteHook(client, target, hook.id, true)
  if (done === 'gone') {
    return {
      outcome: 'absent',
      changes: [],
      secret_proof: 'not-given',
      hook_id: hook.id,
      note: `webhook ${hook.id} was deleted by someone else during this step`
    }
  }
  return { outcome: 'deleted', changes: [], secret_proof: 'not-given', hook_id: hook.id, hook }
}
