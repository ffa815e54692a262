/**
 * `operation: rotate-secret`: a new secret for every hook named, without downtime and without ever
 * destroying a secret it cannot put back. A survey first proves which secret each hook signs with
 * (`audit-secret`'s verdicts: deliveries, else a ping). Then each hook not yet on the new secret gets
 * it only through `PATCH …/hooks/{hook_id}/config` (REST "Update a webhook configuration for a …")
 * and keeps it only when a delivery signed with it, made after the write, is answered 2xx; otherwise
 * `previous_secret` is written back, but only to a hook proven on it. A hook that signs with neither
 * secret is not rotated unless `rotate_unknown`. A canary (an active hook) goes first, then batches,
 * and the run stops once `max_failures` hooks failed. Hooks proven on the new secret are left alone,
 * so a rerun resumes where the last one stopped.
 */
import { errorText, withContext, type ClientFactory, hooks, describeHook, SCOPE_TRAITS, targetName, type Target } from '../github/index.js'
import { auditTarget, type HookAudit } from './audit.js'
import { newestDelivery, succeeded, waitForDelivery } from './deliveries.js'
import { countResults, fleetState, report, runFleet, type FleetCounts, type FleetItem, type FleetOptions, type TargetResult } from './fleet.js'
import { realClock, type Clock, type Delivery, type GitHubClient, type Hook, type HookRef } from '../model.js'
import type { OperationResult } from './result.js'
import { signerOf } from './secrets.js'

/**
 * How a hook's rotation ended:
 * - `rotated`: a delivery signed with the new secret, made after the write, was answered 2xx;
 * - `unchanged`: the hook was proven on the new secret already; nothing written;
 * - `unverified`: the new secret was written to an inactive hook, to which GitHub delivers nothing;
 * - `rolled-back`: the new secret was refused or could not be verified, and `previous_secret` (which
 *   the hook was proven on) was written back and confirmed by a delivery signed with it;
 * - `failed`: the hook could not be brought to a known good state (see the note: which secret it has);
 * - `unknown`: not rotated: the hook signs with neither secret, or could not be proven (needs `rotate_unknown`).
 */
export type RotationOutcome = 'rotated' | 'unchanged' | 'unverified' | 'rolled-back' | 'failed' | 'unknown'

/** Options of {@link rotateHook}. */
export interface RotationOptions {
  /** The new secret. */
  secret: string
  /** The secret receivers knew before; written back only to a hook proven on it. */
  previous_secret?: string
  /** How long to wait for each delivery that decides, in MILLISECONDS. */
  timeout_ms: number
  /** Say what would be written; write and ping nothing. */
  dryRun: boolean
  /** Rotate hooks that sign with neither secret or cannot be proven (`rotate_unknown`): no rollback is possible for them. */
  rotate_unknown?: boolean
  /** Told each surveyed target as its survey finishes, as a line for the log. */
  onSurveyed?: (line: string) => void
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
  /** True when anything was written to the hook (in a dry run: would be). */
  changed: boolean
  /** What was written and what the receiver answered, for the log and the summary. */
  note: string
  /** The delivery that decided it (the new secret's, or the previous one's after a rollback). */
  delivery_id?: number
}

/** What the deliveries made after a write tell about one secret. */
interface Evidence {
  /** The first delivery signed with the secret: its answer decides. */
  delivery?: Delivery
  /** Deliveries signed otherwise (sent before the write took effect): no evidence either way. */
  passed: number[]
  /** Why nothing conclusive came: an error of the ping or the wait. */
  error?: string
}

/**
 * Waits for the first delivery newer than `after` that is signed with `secret` (`others` name the
 * secrets a delivery already on its way may still be signed with: they are passed over, not taken
 * against the new secret), within `timeout_ms` MILLISECONDS overall. Pings the hook first when it can
 * be pinged, one second after the write (GitHub's times have whole seconds).
 */
async function evidenceFor(
  client: GitHubClient,
  target: Target,
  hook: Hook,
  after: number,
  secret: string,
  others: Record<string, string | undefined>,
  timeout_ms: number,
  clock: Clock
): Promise<Evidence> {
  const passed: number[] = []
  try {
    if (SCOPE_TRAITS[target.scope].ping) {
      await realClock.sleep(1000)
      await hooks.ping(client, target, hook.id)
    }
    const deadline = clock.now() + timeout_ms
    let last = after
    while (clock.now() < deadline) {
      const delivery = await waitForDelivery(client, target, hook.id, { after: last, timeout_ms: deadline - clock.now() }, clock)
      if (!delivery) break
      if ((await signerOf(delivery, { wanted: secret, ...others })) === 'wanted') return { delivery, passed }
      passed.push(Number(delivery.id))
      last = Number(delivery.id)
    }
    return { passed }
  } catch (error) {
    return { passed, error: errorText(error) }
  }
}

/** Why the evidence does not confirm a secret, or undefined when it does (its delivery was answered 2xx). */
function refusalOf(evidence: Evidence, which: string, timeout_ms: number): string | undefined {
  const { delivery, passed, error } = evidence
  if (delivery) return succeeded(delivery) ? undefined : `the receiver answered ${answer(delivery)} to delivery ${delivery.id}, signed with ${which}`
  const older = passed.length > 0 ? ` (deliveries ${passed.join(', ')} were signed with an older secret: sent before the write took effect)` : ''
  if (error) return `the verification could not conclude: ${error}${older}`
  return `no delivery signed with ${which} came within ${timeout_ms / 1000} s${older}`
}

/**
 * Rotates one hook that is not yet proven on the new secret: notes its newest delivery, writes the
 * new secret (config endpoint only), then takes the first delivery made after that is signed with
 * it (a ping one second later when the hook can be pinged; a GitHub App's next delivery otherwise):
 * answered 2xx, the hook is `rotated`. Refused, or nothing conclusive within `timeout_ms` (no
 * delivery, the ping failed, the wait failed), the hook goes back to `previous_secret` when it was
 * proven on it (`verdict: previous`), confirmed by a delivery signed with it (`rolled-back`);
 * otherwise it is `failed` and keeps the new secret. An inactive hook, to which GitHub delivers
 * nothing, is written and `unverified`.
 * Costs: 1 GET (newest delivery), 1 PATCH per write, per verification 1 POST (ping) + the polls + 1 GET per delivery.
 * @param verdict what the survey proved the hook signs with now
 * @throws RequestError when GitHub refuses a write; its message says which secret the hook has then
 */
export async function rotateHook(
  client: GitHubClient,
  target: Target,
  hook: Hook,
  verdict: HookAudit['verdict'],
  options: RotationOptions,
  clock: Clock = realClock
): Promise<HookRotation> {
  const { secret, timeout_ms } = options
  const previous = verdict === 'previous' ? options.previous_secret : undefined
  const check = SCOPE_TRAITS[target.scope].ping ? 'ping it' : 'wait for its next delivery'
  if (options.dryRun) {
    const back = previous
      ? ', and back to previous_secret if the receiver does not answer 2xx'
      : ', with no rollback (the hook is not proven on previous_secret)'
    return {
      outcome: hook.active ? 'rotated' : 'unverified',
      changed: true,
      note: `would write the new secret through PATCH …/config and ${check}${back}`
    }
  }
  const after = Number((await newestDelivery(client, target, hook.id))?.id ?? 0)
  await hooks.updateHookConfig(client, target, hook.id, { secret })
  if (!hook.active) {
    // GitHub delivers nothing to an inactive hook, not even a ping: nothing can verify the new secret,
    // and nothing can go wrong with it until the hook is activated. A leaked secret is replaced anyway.
    const note = 'new secret written, not verified: the hook is inactive (active: false), so GitHub sends it nothing, not even a ping'
    return { outcome: 'unverified', changed: true, note }
  }
  const others = { previous: options.previous_secret }
  const evidence = await evidenceFor(client, target, hook, after, secret, others, timeout_ms, clock)
  const problem = refusalOf(evidence, 'the new secret', timeout_ms)
  if (!problem) {
    const delivery = evidence.delivery as Delivery
    const note = `new secret written; delivery ${delivery.id}, signed with it, was answered ${answer(delivery)}`
    return { outcome: 'rotated', changed: true, note, delivery_id: Number(delivery.id) }
  }
  if (!previous) {
    const why = verdict === 'none' ? 'it had no secret before' : 'it was not proven on previous_secret, so nothing was written back'
    return {
      outcome: 'failed',
      changed: true,
      note: `new secret written; ${problem}; the hook now has the NEW secret (${why})`,
      delivery_id: idOf(evidence.delivery)
    }
  }
  try {
    await hooks.updateHookConfig(client, target, hook.id, { secret: previous })
  } catch (error) {
    throw withContext(error, `New secret written; ${problem}; writing previous_secret back failed, so the hook has the NEW secret.`)
  }
  const last = Math.max(after, idOf(evidence.delivery) ?? 0, ...evidence.passed)
  const back = await evidenceFor(client, target, hook, last, previous, { new: secret }, timeout_ms, clock)
  const backProblem = refusalOf(back, 'previous_secret', timeout_ms)
  const written = `new secret written; ${problem}; previous_secret written back`
  if (!backProblem) {
    const delivery = back.delivery as Delivery
    return {
      outcome: 'rolled-back',
      changed: true,
      note: `${written}, confirmed by delivery ${delivery.id} (answered ${answer(delivery)})`,
      delivery_id: Number(delivery.id)
    }
  }
  return { outcome: 'failed', changed: true, note: `${written}, but not confirmed: ${backProblem}`, delivery_id: idOf(back.delivery) }
}

/** `200 OK`; GitHub's `Invalid HTTP Response: 401` as it is; no answer as `nothing (failed to connect)`. */
function answer(delivery: Delivery): string {
  if (delivery.status_code === 0) return `nothing (${delivery.status})`
  return delivery.status.includes(String(delivery.status_code)) ? delivery.status : `${delivery.status_code} ${delivery.status}`
}
const idOf = (delivery: Delivery | undefined): number | undefined => (delivery ? Number(delivery.id) : undefined)

/** A hook to rotate, with what the survey proved. */
interface Pending extends FleetItem {
  hook: Hook
  audit: HookAudit
}

/**
 * Runs `rotate-secret` over targets: (1) surveys each target's hooks (the one `ref` names, or all)
 * and proves which secret each signs with, pinging a hook with no delivery to prove it (as
 * `audit-secret` does); a target without the hook `ref` names is `absent`; (2) leaves hooks proven on
 * the new secret `unchanged`, reports those proven on neither secret (or not proven) `unknown` unless
 * `rotate_unknown`, and rotates the others with {@link rotateHook} — the first `canary` active hooks
 * alone, then batches of `batch_size` — starting no further batch once the canary failed,
 * `max_failures` hooks failed or were rolled back, or `fail_fast` met a failure (the rest: `skipped`).
 * A target whose survey fails is one `failed` result.
 * In a dry run nothing is written or pinged: a hook the survey would have pinged is `would-survey` (ok), with what a real run does.
 * @param fleet the run's options: `fail_fast`, `absent_ok` and the progress callback apply across both phases; `max_writes` counts
 *   the rotations' writes only (the survey's pings prove secrets and change nothing, so they do not spend it)
 * @returns one result per hook (per target for a failed or absent survey), in target and hook order, and the totals
 */
export async function rotateSecrets(
  targets: readonly Target[],
  makeClient: ClientFactory,
  ref: HookRef | undefined,
  options: RotationOptions & RotationPlan,
  fleet: FleetOptions,
  clock: Clock = realClock
): Promise<{ results: TargetResult[]; counts: FleetCounts }> {
  const surveyOptions = {
    secret: options.secret,
    previous_secret: options.previous_secret,
    ping_if_needed: !options.dryRun,
    timeout_ms: options.timeout_ms
  }
  const surveyState = fleetState(targets.length)
  const survey = await runFleet(
    targets.map((target) => ({ target })),
    makeClient,
    async (client, { target }): Promise<OperationResult> => {
      const { hooks: found, audits } = await auditTarget(client, target, ref, surveyOptions, clock)
      return { message: '', outcome: 'surveyed', hooks: found, audit: audits }
    },
    {
      // The survey's pings prove secrets and change nothing: they do not spend max_writes, which bounds the rotations.
      fail_fast: fleet.fail_fast,
      absent_ok: fleet.absent_ok,
      state: surveyState,
      onResult: (result, done, total) => options.onSurveyed?.(surveyLine(result, done, total))
    }
  )
  const total = survey.results.reduce((sum, result) => sum + (result.result === 'surveyed' ? (result.operation?.hooks?.length ?? 0) : 1), 0)
  const state = { ...fleetState(total), stoppedBy: surveyState.stoppedBy }
  const run: FleetOptions = { ...fleet, state }
  const results: TargetResult[] = []
  const pending: Pending[] = []
  const settle = (target: Target, hook: Hook, result: string, ok: boolean, note: string): void => {
    const hook_id = SCOPE_TRAITS[target.scope].hooks ? hook.id : undefined
    const message = `${describeHook(target, hook.id, true)}: ${result}; ${note}.`
    const done: TargetResult = { target, name: targetName(target), hook_id, result, ok, changed: false }
    const operation = { message, outcome: result, hook_id, ...(ok ? {} : { failure: message }) }
    results.push(report({ ...done, ...(ok ? {} : { error: note }), operation }, run, state))
  }
  for (const surveyed of survey.results) {
    if (surveyed.result !== 'surveyed') {
      results.push(report(surveyed, run, state))
      continue
    }
    const audits = surveyed.operation?.audit ?? []
    for (const [index, hook] of (surveyed.operation?.hooks ?? []).entries()) {
      const audit = audits[index]
      const { target } = surveyed
      if (audit.verdict === 'current') settle(target, hook, 'unchanged', true, audit.note)
      else if (options.dryRun && audit.would_ping) {
        // A dry run sends no ping: it says what a real run would do with this hook.
        settle(
          target,
          hook,
          'would-survey',
          true,
          "dry run: no delivery since the hook's last change; a real run pings it to prove which secret it signs with, then rotates it if it signs with previous_secret or has none (or it is proven on the new secret already), and reports it unknown otherwise"
        )
      } else if (audit.not_audited) {
        const skipped = { target, name: surveyed.name, hook_id: hook.id, result: 'skipped', ok: false, changed: false, error: audit.not_audited }
        results.push(report(skipped, run, state))
      } else if (
        audit.verdict === 'previous' ||
        audit.verdict === 'none' ||
        (!hook.active && audit.verdict === 'unproven') ||
        options.rotate_unknown
      ) {
        // (An inactive hook proven on an unknown secret is not: its receiver's secret could not be put back.)
        pending.push({ target, hook, audit })
      } else {
        settle(
          target,
          hook,
          'unknown',
          false,
          `not rotated: ${audit.note}. Writing the new secret could break it for good (GitHub never returns a secret, so the one its receiver knows could not be put back): find that secret and rerun with it as previous_secret, or set rotate_unknown: true to rotate it anyway, with no rollback`
        )
      }
    }
  }

  const rotate = async (client: GitHubClient, { target, hook, audit }: Pending): Promise<OperationResult> => {
    const rotation = await rotateHook(client, target, hook, audit.verdict, options, clock)
    const failed = rotation.outcome === 'failed' || rotation.outcome === 'rolled-back'
    const unsafe =
      audit.verdict === 'unknown' || audit.verdict === 'unproven' ? ` (rotate_unknown: the hook was ${audit.verdict}; no rollback was possible)` : ''
    const message = `${describeHook(target, hook.id, true)}: ${rotation.outcome}; ${rotation.note}${unsafe}.`
    return {
      message,
      outcome: rotation.outcome,
      changed: rotation.changed,
      hook_id: hook.id,
      delivery_id: rotation.delivery_id,
      ...(unsafe && hook.active ? { warning: `rotated without a rollback: ${audit.note}` } : {}),
      ...(failed ? { failure: message } : {})
    }
  }
  // The canary is an active hook: an inactive one is never verified.
  pending.sort((a, b) => Number(b.hook.active) - Number(a.hook.active))
  let failures = 0
  let stop: string | undefined
  for (const [index, batch] of batches(pending, options).entries()) {
    if (stop === undefined && state.stoppedBy !== undefined) stop = `not rotated: fail_fast stopped the run after ${state.stoppedBy} failed`
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

/** `[survey 3/40] octo-org/api: 2 webhooks (1 previous, 1 current)`, or the survey's failure, or `absent`. */
function surveyLine(result: TargetResult, done: number, total: number): string {
  const audits = result.operation?.audit
  const tally = new Map<string, number>()
  for (const audit of audits ?? []) tally.set(audit.verdict, (tally.get(audit.verdict) ?? 0) + 1)
  const what =
    result.result === 'surveyed'
      ? `${audits?.length ?? 0} ${audits?.length === 1 ? 'webhook' : 'webhooks'} (${[...tally].map(([verdict, n]) => `${n} ${verdict}`).join(', ') || 'none'})`
      : `${result.result}${result.error ? ` — ${result.error.split('\n')[0]}` : ''}`
  return `[survey ${done}/${total}] ${result.name}: ${what}`
}

/** The canary (when `canary` > 0), then batches of `batch_size`. */
function batches<T>(items: readonly T[], plan: RotationPlan): T[][] {
  const groups: T[][] = plan.canary > 0 ? [items.slice(0, plan.canary)] : []
  for (let at = plan.canary; at < items.length; at += plan.batch_size) groups.push(items.slice(at, at + plan.batch_size))
  return groups.filter((group) => group.length > 0)
}
