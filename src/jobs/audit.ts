/**
 * `operation: audit-secret`: which secret each hook signs with, told from signed deliveries
 * ({@link identifySecret}) and, when a hook has none to check, from a ping it is sent. Nothing is
 * written but those pings.
 */
import { sendAndAwait } from './deliveries.js'
import { hooks, SCOPE_TRAITS, type Target } from '../github/index.js'
import { realClock, RunLimit, type Clock, type GitHubClient, type Hook, type HookRef } from '../model.js'
import { identifySecret, signerOf } from './secrets.js'

/**
 * Which secret a hook signs with: `current` (the `secret` input), `previous` (`previous_secret`),
 * `unknown` (signed with neither), `none` (GitHub stores no secret: `config.secret` is absent, its
 * deliveries are not signed), `unproven` (no delivery to check, and none could be made).
 */
export type Verdict = 'current' | 'previous' | 'unknown' | 'none' | 'unproven'

/** Every verdict, in the order a summary lists them. */
export const VERDICTS: readonly Verdict[] = ['current', 'previous', 'unknown', 'none', 'unproven']

/** The audit of one hook. */
export interface HookAudit {
  hook_id: number
  /** The hook's payload URL (`config.url`). */
  url: string
  verdict: Verdict
  /** The id of the delivery whose signature decided the verdict (`current`, `previous`, `unknown` from a ping). */
  proved_by?: number
  /** How the verdict was reached, in words a reviewer can paste into a ticket. */
  note: string
  /** Set when the hook was not audited to its end: the run refused its ping (`max_writes`, `fail_fast`); its verdict is then `unproven`. */
  not_audited?: string
  /** Set on an `unproven` hook that was not pinged only because pings were off (`ping_if_needed: false`, a dry run), though it could be pinged. */
  would_ping?: boolean
}

/** Options of {@link auditHook}. */
export interface AuditOptions {
  /** The secret the hook should sign with. */
  secret: string
  /** The secret receivers knew before a rotation. */
  previous_secret?: string
  /** Ping a hook that has no delivery to check (an active one). */
  ping_if_needed: boolean
  /** How long to wait for the ping's delivery, in MILLISECONDS. */
  timeout_ms: number
}

/**
 * Audits one hook: `none` when GitHub stores no secret; otherwise the secret that signed the newest
 * checkable delivery made after the hook's `updated_at`; with no such delivery, an active hook is
 * pinged (`ping_if_needed`) and the ping's signature decides. Costs 1 GET of deliveries + 1 GET per
 * delivery checked; a ping adds 1 POST + the polls + 1 GET. A ping the run refuses (`max_writes`,
 * `fail_fast`: {@link RunLimit}) leaves the hook `unproven` with `not_audited` set.
 * @param clock the clock of the polls for the ping's delivery
 */
export async function auditHook(
  client: GitHubClient,
  target: Target,
  hook: Hook,
  options: AuditOptions,
  clock: Clock = realClock
): Promise<HookAudit> {
  const base = { hook_id: hook.id, url: hook.config.url ?? '' }
  if (!hook.config.secret)
    return { ...base, verdict: 'none', note: 'GitHub stores no secret for this hook (config.secret is absent): its deliveries are not signed' }
  const candidates = { current: options.secret, previous: options.previous_secret }
  const match = await identifySecret(client, target, hook, candidates)
  if (match.matched) {
    return {
      ...base,
      verdict: match.matched as Verdict,
      proved_by: match.delivery_id,
      note: `delivery ${match.delivery_id} is signed with the ${match.matched} secret`
    }
  }
  if (match.checked.length > 0) return { ...base, verdict: 'unknown', note: match.note }
  if (!options.ping_if_needed) {
    const would_ping = SCOPE_TRAITS[target.scope].ping && hook.active
    return {
      ...base,
      verdict: 'unproven',
      note: "no delivery since the hook's last change, and ping_if_needed is false",
      ...(would_ping ? { would_ping } : {})
    }
  }
  if (!SCOPE_TRAITS[target.scope].ping) {
    return { ...base, verdict: 'unproven', note: "no delivery to check, and a GitHub App's webhook cannot be pinged: its next delivery will tell" }
  }
  if (!hook.active) {
    return {
      ...base,
      verdict: 'unproven',
      note: "no delivery since the hook's last change, and it is inactive: GitHub sends it nothing, not even a ping"
    }
  }
  const ping = { event: 'ping', timeout_ms: options.timeout_ms }
  let delivery
  try {
    delivery = await sendAndAwait(client, target, hook.id, () => hooks.ping(client, target, hook.id), ping, clock)
  } catch (error) {
    if (!(error instanceof RunLimit)) throw error
    // The run refused the ping (max_writes, fail_fast): this hook is not audited, and says so.
    return {
      ...base,
      verdict: 'unproven',
      note: `not audited: no delivery since the hook's last change, and its ping was ${error.message.replace(/^not (written|run to its end): /, 'refused: ')}`,
      not_audited: error.message
    }
  }
  if (!delivery) {
    return {
      ...base,
      verdict: 'unproven',
      note: `no delivery since the hook's last change; it was pinged, but GitHub recorded no delivery within ${options.timeout_ms / 1000} s`
    }
  }
  const signer = await signerOf(delivery, candidates)
  const note = signer
    ? `ping delivery ${delivery.id} is signed with the ${signer} secret`
    : `ping delivery ${delivery.id} is signed with none of the secrets given`
  return { ...base, verdict: (signer as Verdict | undefined) ?? 'unknown', proved_by: Number(delivery.id), note }
}

/**
 * Audits the hook named by `ref`, or every hook of the target when `ref` is undefined, one after the
 * other (REST "Get a … webhook" / "List … webhooks", then {@link auditHook} each).
 * @returns the hooks audited, in id order, and their audits
 * @throws HookLookupError when `ref` names no hook or several
 */
export async function auditTarget(
  client: GitHubClient,
  target: Target,
  ref: HookRef | undefined,
  options: AuditOptions,
  clock: Clock = realClock
): Promise<{ hooks: Hook[]; audits: HookAudit[] }> {
  const found = await hooks.selectHooks(client, target, ref)
  const audits: HookAudit[] = []
  for (const hook of found) audits.push(await auditHook(client, target, hook, options, clock))
  return { hooks: found, audits }
}
