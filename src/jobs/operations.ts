/**
 * Dispatches a validated request to the hooks endpoints and describes what happened as an
 * {@link OperationResult}, which `outputs.ts` turns into step outputs and the job summary.
 */
import { auditTarget, VERDICTS, type HookAudit } from './audit.js'
import { hookReport, overallSuccessRate, type HookReport } from './health.js'
import { inventoryTarget, type InventoryHook } from './inventory.js'
import { redeliverFailed, sendAndAwait, succeeded, type RedeliverReport } from './deliveries.js'
import { ensureAbsent, ensureHook, wantedSettings, type EnsureResult } from './ensure.js'
import * as hooks from '../github/endpoints.js'
import {
  realClock,
  type Clock,
  type Delivery,
  type DeliveryItem,
  type GitHubClient,
  type Hook,
  type HookConfig,
  type Operation,
  type WebhookRequest
} from '../model.js'
import { describeHook, describeTarget, SCOPE_TRAITS, type Target } from '../github/scopes.js'

/** What an operation did; besides `message` and `outcome`, a field is set only when the operation produced it. */
export interface OperationResult {
  /** One sentence for the log and the job summary. */
  message: string
  /**
   * The operation's outcome in one word, for a fleet's `results`: `listed`, `found`, `created`,
   * `updated`, `unchanged`, `deleted`, `absent`, `gone` (someone else deleted it), `sent` (a ping or
   * test not waited for), `delivered` (the receiver answered 2xx), `redelivered`, `none-failed`.
   */
  outcome: string
  /** True when the hook was created, changed or deleted (in a dry run: would be). */
  changed?: boolean
  hook_id?: number
  hook?: Hook
  hooks?: Hook[]
  config?: HookConfig
  deliveries?: DeliveryItem[]
  /** `list` / `list-deliveries`: true when `limit` left items out. */
  truncated?: boolean
  /** A delivery fetched in full (`get-delivery`). */
  delivery?: Delivery
  /** The delivery acted on (`redeliver`), fetched (`get-delivery`) or caused (`ping`/`test` waiting). */
  delivery_id?: number
  /** What `ensure` / `ensure-absent` did or, in a dry run, would do. */
  ensure?: EnsureResult
  /** What `redeliver-failed` found and redelivered. */
  redeliver?: RedeliverReport
  /** `audit-secret`: which secret each hook signs with (the hooks audited are in `hooks`). */
  audit?: HookAudit[]
  /** `report`: each hook's delivery health in the window, and the deliveries it was computed from (newest first). */
  report?: { hooks: HookReport[]; deliveries: DeliveryItem[]; window: { since: Date; until: Date } }
  /** `inventory`: every hook of the target, with its findings. */
  inventory?: InventoryHook[]
  /** Something the user should see, without failing the step. */
  warning?: string
  /** Something worth a `::notice::` (e.g. a list cut short by `limit`). */
  notice?: string
  /** Why the step fails although the request succeeded (e.g. the receiver answered 500); outputs are still set. */
  failure?: string
}

/** A request bound to one of its targets: what one operation runs with. */
type TargetRequest = WebhookRequest & { target: Target }

type Handler = (client: GitHubClient, request: TargetRequest, hook: hooks.ResolvedHook, clock: Clock) => Promise<OperationResult>

/** Handlers of the operations that act on one existing hook; the others are handled in {@link runOperation}. */
const HOOK_HANDLERS: Record<
  Exclude<
    Operation,
    'list' | 'create' | 'ensure' | 'ensure-absent' | 'audit-secret' | 'rotate-secret' | 'report' | 'plan' | 'apply' | 'export' | 'inventory'
  >,
  Handler
> = {
  get: async (client, { target }, { hook_id, hook }) => {
    const found = hook ?? (await hooks.getHook(client, target, hook_id))
    return { message: `${describeHook(target, hook_id, true)}.`, outcome: 'found', hook_id, hook: found }
  },
  update: async (client, { target, hook_fields, config }, { hook_id, hook }) => {
    const updated = await hooks.updateHook(client, target, hook_id, { fields: hook_fields, config }, hook)
    return { message: `Updated ${describeHook(target, hook_id)}.`, outcome: 'updated', changed: true, hook_id, hook: updated }
  },
  delete: async (client, { target }, { hook_id, hook }) => {
    const done = await hooks.deleteHook(client, target, hook_id, hook !== undefined)
    const what = done === 'deleted' ? 'Deleted' : 'Did not delete: someone else deleted'
    return {
      message: `${what} ${describeHook(target, hook_id)}.`,
      outcome: done === 'deleted' ? 'deleted' : 'gone',
      changed: done === 'deleted',
      hook_id
    }
  },
  'get-config': async (client, { target }, { hook_id }) => {
    const config = await hooks.getHookConfig(client, target, hook_id)
    return { message: `Configuration of ${describeHook(target, hook_id)}.`, outcome: 'found', hook_id, config }
  },
  'update-config': async (client, { target, config }, { hook_id }) => {
    const updated = await hooks.updateHookConfig(client, target, hook_id, config)
    const fields = Object.keys(config).filter((key) => config[key as keyof typeof config] !== undefined)
    return {
      message: `Updated ${fields.join(', ')} in the configuration of ${describeHook(target, hook_id)}.`,
      outcome: 'updated',
      changed: true,
      hook_id,
      config: updated
    }
  },
  'list-deliveries': async (client, { target, per_page, limit, status, since }, { hook_id }) => {
    const { items: deliveries, truncated } = await hooks.listDeliveries(client, target, hook_id, { per_page, limit, status, since })
    const filter = (status ? ` with status ${status}` : '') + (since ? ` since ${since.toISOString()}` : '')
    return {
      message: `${count(deliveries.length, 'delivery', 'deliveries')}${filter} of ${describeHook(target, hook_id)} (newest first).`,
      outcome: 'listed',
      hook_id,
      deliveries,
      truncated,
      ...(truncated
        ? { notice: `Stopped at limit ${limit}: the webhook has more deliveries${filter}; raise 'limit' or narrow 'since' to see them.` }
        : {})
    }
  },
  'get-delivery': async (client, { target, delivery_id }, { hook_id }) => {
    const delivery = await hooks.getDelivery(client, target, hook_id, required(delivery_id))
    return {
      message: `Delivery ${delivery.id} (${delivery.event}) of ${describeHook(target, hook_id)}: ${delivery.status_code} ${delivery.status}.`,
      outcome: 'found',
      hook_id,
      delivery,
      delivery_id: Number(delivery.id)
    }
  },
  redeliver: async (client, { target, delivery_id }, { hook_id }) => {
    await hooks.redeliver(client, target, hook_id, required(delivery_id))
    return {
      message: `Asked GitHub to redeliver delivery ${delivery_id} of ${describeHook(target, hook_id)}.`,
      outcome: 'redelivered',
      hook_id,
      delivery_id
    }
  },
  ping: (client, request, resolved, clock) => sendAndWait(client, request, resolved, 'ping', clock),
  test: (client, request, resolved, clock) => sendAndWait(client, request, resolved, 'push', clock),
  'redeliver-failed': async (client, { target, since, max_redeliveries }, { hook_id }) => {
    const from = required(since)
    const report = await redeliverFailed(client, target, hook_id, { since: from, max: max_redeliveries })
    const capped = report.failed.length > max_redeliveries ? ` (capped by max_redeliveries ${max_redeliveries}; run again for the rest)` : ''
    const refused =
      report.errors.length > 0
        ? `GitHub refused ${count(report.errors.length, 'redelivery', 'redeliveries')}:\n- ${report.errors.join('\n- ')}`
        : undefined
    return {
      message:
        `${describeHook(target, hook_id, true)}: ${count(report.scanned, 'delivery', 'deliveries')} since ${from.toISOString()}, ` +
        `${count(report.failed.length, 'guid')} never got a 2xx; asked GitHub to redeliver ${report.redelivered.length}${capped}.`,
      outcome: report.redelivered.length > 0 ? 'redelivered' : 'none-failed',
      hook_id,
      redeliver: report,
      failure: refused
    }
  }
}

/**
 * `ping` / `test`: asks GitHub for the delivery and, with `wait`, waits for it and judges it: the
 * step fails (with `fail_on_delivery_error`) when the receiver did not answer 2xx or GitHub recorded
 * no delivery within `wait_timeout`. A test push to a hook not subscribed to `push` (nor `*`) is sent
 * nothing by GitHub: it warns and does not wait. Costs, waiting: 1 GET (newest id) + 1 POST + the
 * polls + 1 GET of the delivery.
 */
async function sendAndWait(
  client: GitHubClient,
  request: TargetRequest,
  { hook_id, hook }: hooks.ResolvedHook,
  event: 'ping' | 'push',
  clock: Clock
): Promise<OperationResult> {
  const { target } = request
  const send = event === 'ping' ? hooks.ping : hooks.testPush
  const asked = `Asked GitHub to send ${event === 'ping' ? 'a ping event' : 'the latest push'} to ${describeHook(target, hook_id)}`
  if (event === 'push' && (hook || request.wait)) {
    const events = (hook ?? (await hooks.getHook(client, target, hook_id))).events
    if (!events.includes('push') && !events.includes('*')) {
      await send(client, target, hook_id)
      const warning = `Webhook ${hook_id} is not subscribed to push (events: ${events.join(', ')}): GitHub sends no test delivery, so there is nothing to wait for.`
      return { message: `${asked}.`, outcome: 'sent', hook_id, warning }
    }
  }
  if (!request.wait) {
    await send(client, target, hook_id)
    return { message: `${asked}; not waiting for the delivery (wait: false).`, outcome: 'sent', hook_id }
  }
  const options = { event, timeout_ms: request.wait_timeout * 1000 }
  const delivery = await sendAndAwait(client, target, hook_id, () => send(client, target, hook_id), options, clock)
  const judged = judgeDelivery(request, hook_id, event, delivery)
  return { message: `${asked}${judged.message}.`, outcome: 'delivered', hook_id, ...judged.result }
}

/**
 * The verdict on a delivery the step caused and waited for (`ping`, `test`, the verifying ping of
 * `ensure`): the delivery's outputs, and a failure (or, without `fail_on_delivery_error`, a
 * warning) when the receiver did not answer 2xx or GitHub recorded no delivery within `wait_timeout`.
 * @returns `message`, to append to the sentence that says what was asked: `: delivery N answered …` or ''
 */
function judgeDelivery(
  request: WebhookRequest,
  hook_id: number,
  event: string,
  delivery: Delivery | undefined
): { message: string; result: Pick<OperationResult, 'delivery' | 'delivery_id' | 'failure' | 'warning'> } {
  const blame = (problem: string) => (request.fail_on_delivery_error ? { failure: problem } : { warning: problem })
  if (!delivery) {
    const problem = `Waited ${request.wait_timeout} s for the ${event} delivery of webhook ${hook_id}: GitHub recorded no delivery. Check that the hook is active and look at its deliveries later (list-deliveries).`
    return { message: '', result: blame(problem) }
  }
  const answer = delivery.status_code === 0 ? `could not be reached (${delivery.status})` : `answered ${delivery.status_code} ${delivery.status}`
  const result = { delivery, delivery_id: Number(delivery.id) }
  const message = `: delivery ${delivery.id}, the receiver ${answer} (after ${delivery.duration} s)`
  if (succeeded(delivery)) return { message, result }
  const body = delivery.response.payload ? ` Response body: ${delivery.response.payload.slice(0, 300)}` : ''
  const why = delivery.status_code === 0 ? answer : `answered ${delivery.status_code} (${delivery.status}), not 2xx`
  return {
    message,
    result: {
      ...result,
      ...blame(`The receiver of webhook ${hook_id} ${why} for ${delivery.event} delivery ${delivery.id} (guid ${delivery.guid}).${body}`)
    }
  }
}

/**
 * Runs the request's operation on one target (a repository or organization).
 * @param clock the clock of the pacing waits (polls for a delivery); the real one by default
 * @returns what happened; `failure` set when the step must fail although the requests succeeded
 *   (a receiver that did not answer 2xx)
 * @throws HookLookupError when `url` matches no hook or several; Octokit's `RequestError` on API errors.
 */
export async function runOperation(
  client: GitHubClient,
  target: Target,
  webhookRequest: WebhookRequest,
  clock: Clock = realClock
): Promise<OperationResult> {
  const dispatched = await dispatch(client, { ...webhookRequest, target }, clock)
  // A target's one webhook (a GitHub App's) has no id to report.
  const result = SCOPE_TRAITS[target.scope].hooks ? dispatched : { ...dispatched, hook_id: undefined }
  // A result that fails the step says so in its outcome word, unless the word already is a failing one.
  return result.failure && !FAILING_OUTCOMES.includes(result.outcome) ? { ...result, outcome: 'failed' } : result
}

/** Outcome words that already say the operation failed (`rotate-secret`'s rollback, an audit's mismatch). */
const FAILING_OUTCOMES: readonly string[] = ['failed', 'rolled-back', 'mismatch', 'unhealthy']

/** Runs the operation of a request bound to one target (see {@link runOperation}). */
async function dispatch(client: GitHubClient, request: TargetRequest, clock: Clock): Promise<OperationResult> {
  const { operation, target } = request
  if (operation === 'audit-secret') return auditOperation(client, request, clock)
  if (operation === 'report') return reportOperation(client, request)
  if (operation === 'rotate-secret') throw new Error('internal error: rotate-secret runs through rotateSecrets, over all targets at once')
  if (operation === 'plan' || operation === 'apply') throw new Error(`internal error: ${operation} runs through the webhooks file's plan`)
  if (operation === 'inventory') {
    const found = await inventoryTarget(client, target)
    return { message: `${count(found.length, 'webhook')} of ${describeTarget(target)} inventoried.`, outcome: 'inventoried', inventory: found }
  }
  if (operation === 'list' || operation === 'export') {
    // `export` reads every hook of each target (all pages); the file is written from all of them at the end.
    if (operation === 'export') {
      const { items: all } = await hooks.listHooks(client, target, { per_page: 100 })
      return { message: `${count(all.length, 'webhook')} of ${describeTarget(target)} read for export.`, outcome: 'read', hooks: all }
    }
    const { items: list, truncated } = await hooks.listHooks(client, target, { per_page: request.per_page, limit: request.limit })
    const notice = truncated
      ? `Stopped at limit ${request.limit}: ${describeTarget(target)} has more webhooks; raise 'limit' to see them.`
      : undefined
    return { message: `${count(list.length, 'webhook')} of ${describeTarget(target)}.`, outcome: 'listed', hooks: list, truncated, notice }
  }
  if (operation === 'create') {
    const { hook, adopted } = await hooks.createHook(
      client,
      target,
      { config: { ...request.config, url: required(request.config.url) }, fields: request.hook_fields },
      request.started_at
    )
    const how = adopted ? ' (its answer was lost; the retry found the hook it had created)' : ''
    return { message: `Created ${describeHook(target, hook.id)}${how}.`, outcome: 'created', changed: true, hook_id: hook.id, hook }
  }
  if (operation === 'ensure') {
    const verify = request.verify ? { timeout_ms: request.wait_timeout * 1000 } : undefined
    const ensure = await ensureHook(
      client,
      target,
      request.hook,
      wantedSettings(request.config, request.hook_fields, SCOPE_TRAITS[target.scope].hooks),
      {
        dryRun: request.dry_run,
        verify,
        clock
      }
    )
    const result: OperationResult = {
      message: describeEnsure(request, ensure),
      ...ensureOutcome(ensure),
      hook_id: ensure.hook_id,
      hook: ensure.hook,
      ensure
    }
    if (ensure.refused_proof && !ensure.verification && ensure.hook_id !== undefined) {
      // The secret is proven by a delivery the receiver refused (a 401 from a receiver that checks
      // another secret): nothing to write, but the hook does not work, and the step says so as the first run did.
      const judged = judgeDelivery(request, ensure.hook_id, ensure.refused_proof.event, ensure.refused_proof)
      return {
        ...result,
        message: `${result.message} The delivery that proves the secret was refused${judged.message}.`,
        ...judged.result
      }
    }
    if (!ensure.verification || ensure.hook_id === undefined) return result
    if (ensure.verification.error !== undefined) {
      const what = ensure.outcome === 'created' ? 'the wait for the ping GitHub sends a new hook' : 'its verifying ping'
      const problem = `The webhook was ${ensure.outcome} as reported, but ${what} failed: ${ensure.verification.error}`
      return { ...result, ...(request.fail_on_delivery_error ? { failure: problem } : { warning: problem }) }
    }
    const judged = judgeDelivery(request, ensure.hook_id, 'ping', ensure.verification.delivery)
    const how = ensure.outcome === 'created' ? 'by the ping GitHub sends a new hook' : 'with a ping'
    return { ...result, message: `${result.message} Verified ${how}${judged.message || ''}.`, ...judged.result }
  }
  if (operation === 'ensure-absent') {
    const ensure = await ensureAbsent(client, target, required(request.hook), request.dry_run)
    return { message: describeEnsure(request, ensure), ...ensureOutcome(ensure), hook_id: ensure.hook_id, hook: ensure.hook, ensure }
  }
  const resolved = await hooks.resolveHook(client, target, request.hook)
  return HOOK_HANDLERS[operation](client, request, resolved, clock)
}

/**
 * `audit-secret` on one target: the hook `hook_id` / `url` names, or every hook; a mismatch (a hook
 * not signed with `secret`) fails the step with `fail_on_mismatch`.
 */
async function auditOperation(client: GitHubClient, request: TargetRequest, clock: Clock): Promise<OperationResult> {
  const { target } = request
  const options = {
    secret: required(request.config.secret),
    previous_secret: request.previous_secret,
    ping_if_needed: request.ping_if_needed,
    timeout_ms: request.wait_timeout * 1000
  }
  const { hooks: audited, audits } = await auditTarget(client, target, request.hook, options, clock)
  const tally = VERDICTS.map((verdict) => [verdict, audits.filter((audit) => audit.verdict === verdict).length] as const)
    .filter(([, n]) => n > 0)
    .map(([verdict, n]) => `${n} ${verdict}`)
  const message = `${count(audits.length, 'webhook')} of ${describeTarget(target)}${tally.length > 0 ? `: ${tally.join(', ')}` : ''}.`
  const mismatched = audits.filter((audit) => audit.verdict !== 'current')
  const result: OperationResult = { message, outcome: 'audited', hooks: audited, audit: audits }
  if (mismatched.length === 0 || !request.fail_on_mismatch) return result
  const which = mismatched.map((audit) => `webhook ${audit.hook_id} (${audit.url}): ${audit.verdict} — ${audit.note}`)
  const failure = `${count(mismatched.length, 'webhook')} of ${describeTarget(target)} ${mismatched.length === 1 ? 'does' : 'do'} not sign with the current secret: ${which.join('; ')}.`
  return { ...result, outcome: 'mismatch', failure }
}

/**
 * `report` on one target: the hook `hook_id` / `url` names, or every hook; for each, its deliveries
 * back to `since` (pages of 100; nothing written) and their health ({@link hookReport}). With
 * `fail_below` a hook whose success rate is lower fails the step; with `fail_on_quiet` a hook with no
 * delivery in the window does.
 */
async function reportOperation(client: GitHubClient, request: TargetRequest): Promise<OperationResult> {
  const { target } = request
  const window = { since: required(request.since), until: new Date() }
  const reports: HookReport[] = []
  const deliveries: DeliveryItem[] = []
  for (const hook of await hooks.selectHooks(client, target, request.hook)) {
    const { items } = await hooks.listDeliveries(client, target, hook.id, { per_page: 100, since: window.since })
    deliveries.push(...items)
    const hook_id = SCOPE_TRAITS[target.scope].hooks ? hook.id : undefined
    reports.push(hookReport({ target: describeTarget(target), hook_id, url: hook.config.url ?? '', active: hook.active }, items, window))
  }
  const rate = overallSuccessRate(reports)
  const failing = reports.filter((report) => report.failed_guids > 0).length
  const quiet = reports.filter((report) => report.quiet).length
  const message =
    `${count(reports.length, 'webhook')} of ${describeTarget(target)} since ${window.since.toISOString()}: ` +
    `${count(deliveries.length, 'delivery', 'deliveries')}, success rate ${percent(rate)}` +
    `${failing > 0 ? `, ${failing} with guids that never got a 2xx` : ''}${quiet > 0 ? `, ${quiet} quiet` : ''}.`
  const problems = reports.flatMap((report) => {
    const name = describeHook(target, report.hook_id)
    const low = request.fail_below !== undefined && report.success_rate !== null && report.success_rate < request.fail_below
    return [
      ...(low ? [`${name}: success rate ${percent(report.success_rate)} is below fail_below (${percent(request.fail_below ?? 0)})`] : []),
      ...(request.fail_on_quiet && report.quiet ? [`${name}: no delivery since ${window.since.toISOString()} (fail_on_quiet)`] : [])
    ]
  })
  const result: OperationResult = { message, outcome: 'reported', report: { hooks: reports, deliveries, window } }
  return problems.length === 0 ? result : { ...result, outcome: 'unhealthy', failure: `${problems.join('; ')}.` }
}

/** A rate as a percentage with one decimal (`97.5 %`), or `n/a` when there is none. */
export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? 'n/a' : `${(Math.round(rate * 1000) / 10).toString()} %`
}

/** The outcome word of `ensure` / `ensure-absent`, and whether the hook was (or, in a dry run, would be) written. */
function ensureOutcome(ensure: EnsureResult): Pick<OperationResult, 'outcome' | 'changed'> {
  return { outcome: ensure.outcome, changed: ensure.outcome !== 'unchanged' && ensure.outcome !== 'absent' }
}

/** `Webhook 12 of repository o/r: updated (2 changes: events, secret); secret written (…).` plus a dry-run note. */
function describeEnsure({ target, dry_run }: TargetRequest, ensure: EnsureResult): string {
  const which = ensure.hook_id === undefined ? `The webhook of ${describeTarget(target)}` : describeHook(target, ensure.hook_id, true)
  const fields = ensure.changes.map((change) => change.field).join(', ')
  const changes = ensure.outcome === 'updated' ? ` (${count(ensure.changes.length, 'change')}: ${fields})` : ''
  const proof = ensure.secret_proof === 'would-write' ? 'would be written' : ensure.secret_proof
  const secret = ensure.secret_proof === 'not-given' ? '' : `; secret ${proof}${ensure.secret_note ? ` (${ensure.secret_note})` : ''}`
  const note = ensure.note ? `; ${ensure.note}` : ''
  const dry = dry_run ? ' Dry run: nothing was written; this is what would happen.' : ''
  return `${which}: ${ensure.outcome}${changes}${secret}${note}.${dry}`
}

/** `1 webhook`, `2 webhooks`, `0 deliveries`: a count with its noun in the right number. */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`
}

/** Narrows a value the input helper guarantees for the operation. */
function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('internal error: a required input was not validated')
  return value
}
