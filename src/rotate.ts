/**
 * `operation: rotate-secret`: a new secret for every hook named, without downtime — each hook gets
 * the new secret only through `PATCH …/hooks/{hook_id}/config` (REST "Update a webhook configuration
 * for a …"), is pinged, and keeps it only if the receiver answers 2xx to a ping signed with it;
 * otherwise `previous_secret` is written back. A canary goes first, then batches, and the run stops
 * once `max_failures` hooks failed. Hooks already proven on the new secret are left alone, so a
 * rerun resumes where the last one stopped.
 */
import { withContext } from './api-error.js'
import { auditTarget } from './audit.js'
import type { ClientFactory } from './client.js'
import { newestDelivery, pingAfterWrite, succeeded, waitForDelivery } from './deliveries.js'
import { countResults, fleetState, report, runFleet, type FleetCounts, type FleetItem, type FleetOptions, type TargetResult } from './fleet.js'
import * as hooks from './hooks.js'
import { realClock, type Clock, type Delivery, type GitHubClient, type Hook, type HookRef } from './model.js'
import type { OperationResult } from './operations.js'
import { signerOf } from './secrets.js'
import { describeHook, SCOPE_TRAITS, targetName, type Target } from './target.js'

/** How a hook's rotation ended: `rotated`, `unchanged` (already on the new secret), `rolled-back` (back on the previous one), `failed`. */
export type RotationOutcome = 'rotated' | 'unchanged' | 'rolled-back' | 'failed'

/** Options of {@link rotateHook}. */
export interface RotationOptions {
  /** The new secret. */
  secret: string
  /** The secret to go back to when the receiver does not accept the new one. */
  previous_secret?: string
  /** How long to wait for each ping's delivery, in MILLISECONDS. */
  timeout_ms: number
  /** Say what would be written; write and ping nothing. */
  dryRun: boolean
}

/** How `rotate-secret` paces the hooks: `canary` first (0: none), then batches of `batch_size`, until `max_failures`. */
export interface RotationPlan {
  canary: number
  batch_size: number
  max_failures: number
}

/** How one hook's rotation went. */
export interface HookRotation {
  outcome: RotationOutcome
  /** True when the hook ends with another secret than it had (in a dry run: would). */
  changed: boolean
  /** What was written and what the receiver answered, for the log and the summary. */
  note: string
  /** The ping that decided it (the new secret's, or the previous one's after a rollback). */
  delivery_id?: number
}

/**
 * Rotates one hook that is not yet proven on the new secret: writes the new secret (config endpoint
 * only), pings one second later and waits for the delivery; it must be signed with the new secret
 * and answered 2xx (an inactive hook, which GitHub sends nothing, is written and not verified). Otherwise writes `previous_secret` back and pings again to confirm
 * (`rolled-back`), or without one reports `failed`, the hook keeping the new secret.
 * Costs per ping: 1 GET + 1 POST + the polls + 1 GET; per write 1 PATCH.
 * @throws RequestError when GitHub refuses a write or a ping; its message says which secret the hook has then
 */
export async function rotateHook(
  client: GitHubClient,
  target: Target,
  hook: Hook,
  options: RotationOptions,
  clock: Clock = realClock
): Promise<HookRotation> {
  const { secret, previous_secret, timeout_ms } = options
  const canPing = SCOPE_TRAITS[target.scope].ping
  if (options.dryRun) {
    const back = previous_secret ? ', and back to previous_secret if the receiver does not answer 2xx' : ''
    const check = canPing ? 'ping it' : 'wait for its next delivery'
    return { outcome: 'rotated', changed: true, note: `would write the new secret through PATCH …/config and ${check}${back}` }
  }
  // A hook that cannot be pinged (a GitHub App's) is judged by its next delivery, newer than this one.
  const newest = canPing ? 0 : Number((await newestDelivery(client, target, hook.id))?.id ?? 0)
  /** The delivery that tells whether the receiver accepts the secret just written. */
  const confirmation = (after: number): Promise<Delivery | undefined> =>
    canPing ? pingAfterWrite(client, target, hook.id, { timeout_ms }, clock) : waitForDelivery(client, target, hook.id, { after, timeout_ms }, clock)
  await hooks.updateHookConfig(client, target, hook.id, { secret })
  if (!hook.active) {
    // GitHub delivers nothing to an inactive hook, not even a ping: nothing can verify the new secret,
    // and nothing can go wrong with it until the hook is activated. A leaked secret is replaced anyway.
    const note =
      'new secret written, not verified: the hook is inactive (active: false), so GitHub sends it nothing, not even a ping; with no delivery to prove it, a rerun writes it again'
    return { outcome: 'rotated', changed: true, note }
  }
  const delivery = await confirmation(newest).catch((error: unknown) => {
    throw withContext(error, 'The new secret was written; waiting for the delivery that verifies it failed.')
  })
  if (!delivery && !canPing) {
    const note = `new secret written, not verified: a GitHub App's webhook cannot be pinged, and no delivery came within ${timeout_ms / 1000} s; audit-secret proves it from the next one`
    return { outcome: 'rotated', changed: true, note }
  }
  const problem = await refusal(delivery, secret)
  if (!problem) {
    const note = `new secret written; ${canPing ? 'ping ' : ''}delivery ${delivery?.id} signed with it, the receiver answered ${delivery?.status_code}`
    return { outcome: 'rotated', changed: true, note, delivery_id: idOf(delivery) }
  }
  if (!previous_secret)
    return {
      outcome: 'failed',
      changed: true,
      note: `${problem}; the hook now has the NEW secret (no previous_secret to go back to)`,
      delivery_id: idOf(delivery)
    }
  try {
    await hooks.updateHookConfig(client, target, hook.id, { secret: previous_secret })
  } catch (error) {
    throw withContext(error, `${problem}; writing previous_secret back failed, so the hook has the NEW secret.`)
  }
  const back = await confirmation(idOf(delivery) ?? newest)
  if (back && succeeded(back)) {
    return {
      outcome: 'rolled-back',
      changed: false,
      note: `${problem}; previous_secret written back, delivery ${back.id} answered ${back.status_code}`,
      delivery_id: Number(back.id)
    }
  }
  const then = back ? `delivery ${back.id} was answered ${answer(back)} too` : `no delivery came within ${timeout_ms / 1000} s to confirm it`
  return {
    outcome: canPing || back ? 'failed' : 'rolled-back',
    changed: false,
    note: `${problem}; previous_secret written back, but ${then}`,
    delivery_id: idOf(back)
  }
}

/** Why a rotation's ping does not confirm the new secret, or undefined when it does. */
async function refusal(delivery: Delivery | undefined, secret: string): Promise<string | undefined> {
  if (!delivery) return 'GitHub recorded no delivery of the ping within wait_timeout'
  if (!succeeded(delivery)) return `the receiver answered ${answer(delivery)} to delivery ${delivery.id} signed with the new secret`
  if ((await signerOf(delivery, { secret })) === undefined) return `delivery ${delivery.id} is not signed with the new secret`
  return undefined
}

/** `200 OK`; GitHub's `Invalid HTTP Response: 401` as it is; no answer as `nothing (failed to connect)`. */
function answer(delivery: Delivery): string {
  if (delivery.status_code === 0) return `nothing (${delivery.status})`
  return delivery.status.includes(String(delivery.status_code)) ? delivery.status : `${delivery.status_code} ${delivery.status}`
}
const idOf = (delivery: Delivery | undefined): number | undefined => (delivery ? Number(delivery.id) : undefined)

/** A hook to rotate, with what the survey found. */
interface Pending extends FleetItem {
  hook: Hook
}

/**
 * Runs `rotate-secret` over targets: (1) surveys each target's hooks (the one `ref` names, or all)
 * and proves which already sign with the new secret (`unchanged`, nothing written); (2) rotates the
 * others with {@link rotateHook} — the first `canary` hooks alone, then batches of `batch_size` —
 * and starts no further batch once the canary failed or `max_failures` hooks failed or were rolled
 * back (the rest: `skipped`). A target whose survey fails is one `failed` result.
 * @param fleet the run's options: `fail_fast`, `max_writes` and the progress callback apply across both phases
 * @returns one result per hook (per target for a failed survey), in target and hook order, and the totals
 */
export async function rotateSecrets(
  targets: readonly Target[],
  makeClient: ClientFactory,
  ref: HookRef | undefined,
  options: RotationOptions & RotationPlan,
  fleet: FleetOptions,
  clock: Clock = realClock
): Promise<{ results: TargetResult[]; counts: FleetCounts }> {
  const surveyOptions = { secret: options.secret, ping_if_needed: false, timeout_ms: options.timeout_ms }
  const survey = await runFleet(
    targets.map((target) => ({ target })),
    makeClient,
    async (client, { target }): Promise<OperationResult> => {
      const { hooks: found, audits } = await auditTarget(client, target, ref, surveyOptions, clock)
      return { message: '', outcome: 'surveyed', hooks: found, audit: audits }
    },
    { fail_fast: false }
  )
  const total = survey.results.reduce((sum, result) => sum + (result.ok ? (result.operation?.hooks?.length ?? 0) : 1), 0)
  const state = fleetState(total)
  const run: FleetOptions = { ...fleet, state }
  const results: TargetResult[] = []
  const pending: Pending[] = []
  for (const surveyed of survey.results) {
    if (!surveyed.ok) {
      results.push(report(surveyed, run, state))
      continue
    }
    const audits = surveyed.operation?.audit ?? []
    for (const [index, hook] of (surveyed.operation?.hooks ?? []).entries()) {
      const audit = audits[index]
      if (audit.verdict !== 'current') {
        pending.push({ target: surveyed.target, hook })
        continue
      }
      const message = `${describeHook(surveyed.target, hook.id, true)}: unchanged; ${audit.note}.`
      const hook_id = SCOPE_TRAITS[surveyed.target.scope].hooks ? hook.id : undefined
      const done: TargetResult = { target: surveyed.target, name: surveyed.name, hook_id, result: 'unchanged', ok: true, changed: false }
      results.push(report({ ...done, operation: { message, outcome: 'unchanged', hook_id } }, run, state))
    }
  }

  const rotate = async (client: GitHubClient, { target, hook }: Pending): Promise<OperationResult> => {
    const rotation = await rotateHook(client, target, hook, options, clock)
    const failed = rotation.outcome === 'failed' || rotation.outcome === 'rolled-back'
    const message = `${describeHook(target, hook.id, true)}: ${rotation.outcome}; ${rotation.note}.`
    return {
      message,
      outcome: rotation.outcome,
      changed: rotation.changed,
      hook_id: hook.id,
      delivery_id: rotation.delivery_id,
      ...(failed ? { failure: message } : {})
    }
  }
  let failures = 0
  let stop: string | undefined
  for (const [index, batch] of batches(pending, options).entries()) {
    if (stop !== undefined) {
      for (const item of batch) {
        const skipped = { target: item.target, name: targetName(item.target), hook_id: item.hook.id, result: 'skipped', ok: false, changed: false }
        results.push(report({ ...skipped, error: stop }, run, state))
      }
      continue
    }
    const done = await runFleet(batch, makeClient, rotate, run)
    results.push(...done.results)
    failures += done.counts.failed
    if (index === 0 && options.canary > 0 && !done.results.every((result) => result.ok)) {
      stop = `not rotated: the canary (${done.results.map((result) => `${result.name} hook ${result.hook_id}`).join(', ')}) did not succeed`
    } else if (failures >= options.max_failures) {
      stop = `not rotated: ${failures} ${failures === 1 ? 'hook' : 'hooks'} failed or were rolled back (max_failures ${options.max_failures})`
    }
  }
  const order = new Map(targets.map((target, index) => [targetName(target), index]))
  results.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0) || (a.hook_id ?? 0) - (b.hook_id ?? 0))
  return { results, counts: countResults(results) }
}

/** The canary (when `canary` > 0), then batches of `batch_size`. */
function batches<T>(items: readonly T[], plan: RotationPlan): T[][] {
  const groups: T[][] = plan.canary > 0 ? [items.slice(0, plan.canary)] : []
  for (let at = plan.canary; at < items.length; at += plan.batch_size) groups.push(items.slice(at, at + plan.batch_size))
  return groups.filter((group) => group.length > 0)
}
