/**
 * Dispatches a validated request to the hooks endpoints and describes what happened as an
 * {@link OperationResult}, which `outputs.ts` turns into step outputs and the job summary.
 */
import { newestDelivery, redeliverFailed, succeeded, waitForDelivery, type RedeliverReport } from './deliveries.js'
import { ensureAbsent, ensureHook, wantedSettings, type EnsureResult } from './ensure.js'
import * as hooks from './hooks.js'
import type { Delivery, DeliveryItem, GitHubClient, Hook, HookConfig } from './hooks.js'
import type { Operation, WebhookRequest } from './input-helper.js'
import { describeTarget } from './target.js'

/** What an operation did; every field is optional and set only when the operation produced it. */
export interface OperationResult {
  /** One sentence for the log and the job summary. */
  message: string
  hook_id?: number
  hook?: Hook
  hooks?: Hook[]
  config?: HookConfig
  deliveries?: DeliveryItem[]
  /** A delivery fetched in full (`get-delivery`). */
  delivery?: Delivery
  /** The delivery acted on (`redeliver`), fetched (`get-delivery`) or caused (`ping`/`test` waiting). */
  delivery_id?: number
  /** What `ensure` / `ensure-absent` did or, in a dry run, would do. */
  ensure?: EnsureResult
  /** What `redeliver-failed` found and redelivered. */
  redeliver?: RedeliverReport
  /** Something the user should see, without failing the step. */
  warning?: string
  /** Why the step fails although the request succeeded (e.g. the receiver answered 500); outputs are still set. */
  failure?: string
}

type Handler = (client: GitHubClient, request: WebhookRequest, hook: hooks.ResolvedHook) => Promise<OperationResult>

/** Handlers of the operations that act on one existing hook; the others are handled in {@link runOperation}. */
const HOOK_HANDLERS: Record<Exclude<Operation, 'list' | 'create' | 'ensure' | 'ensure-absent'>, Handler> = {
  get: async (client, { target }, { hook_id, hook }) => {
    const found = hook ?? (await hooks.getHook(client, target, hook_id))
    return { message: `Webhook ${hook_id} of ${describeTarget(target)}.`, hook_id, hook: found }
  },
  update: async (client, { target, hook_fields, config }, { hook_id, hook }) => {
    const updated = await hooks.updateHook(client, target, hook_id, { fields: hook_fields, config }, hook)
    return { message: `Updated webhook ${hook_id} of ${describeTarget(target)}.`, hook_id, hook: updated }
  },
  delete: async (client, { target }, { hook_id }) => {
    await hooks.deleteHook(client, target, hook_id)
    return { message: `Deleted webhook ${hook_id} of ${describeTarget(target)}.`, hook_id }
  },
  'get-config': async (client, { target }, { hook_id }) => {
    const config = await hooks.getHookConfig(client, target, hook_id)
    return { message: `Configuration of webhook ${hook_id} of ${describeTarget(target)}.`, hook_id, config }
  },
  'update-config': async (client, { target, config }, { hook_id }) => {
    const updated = await hooks.updateHookConfig(client, target, hook_id, config)
    const fields = Object.keys(config).filter((key) => config[key as keyof typeof config] !== undefined)
    return {
      message: `Updated ${fields.join(', ')} in the configuration of webhook ${hook_id} of ${describeTarget(target)}.`,
      hook_id,
      config: updated
    }
  },
  'list-deliveries': async (client, { target, per_page, limit, status, since }, { hook_id }) => {
    const deliveries = await hooks.listDeliveries(client, target, hook_id, { per_page, limit, status, since })
    const filter = (status ? ` with status ${status}` : '') + (since ? ` since ${since.toISOString()}` : '')
    return {
      message: `${deliveries.length} deliveries${filter} of webhook ${hook_id} of ${describeTarget(target)} (newest first).`,
      hook_id,
      deliveries
    }
  },
  'get-delivery': async (client, { target, delivery_id }, { hook_id }) => {
    const delivery = await hooks.getDelivery(client, target, hook_id, required(delivery_id))
    return {
      message: `Delivery ${delivery.id} (${delivery.event}) of webhook ${hook_id}: ${delivery.status_code} ${delivery.status}.`,
      hook_id,
      delivery,
      delivery_id: Number(delivery.id)
    }
  },
  redeliver: async (client, { target, delivery_id }, { hook_id }) => {
    await hooks.redeliver(client, target, hook_id, required(delivery_id))
    return { message: `Asked GitHub to redeliver delivery ${delivery_id} of webhook ${hook_id}.`, hook_id, delivery_id }
  },
  ping: (client, request, resolved) => sendAndWait(client, request, resolved, 'ping'),
  test: (client, request, resolved) => sendAndWait(client, request, resolved, 'push'),
  'redeliver-failed': async (client, { target, since, max_redeliveries }, { hook_id }) => {
    const from = required(since)
    const report = await redeliverFailed(client, target, hook_id, { since: from, max: max_redeliveries })
    const capped = report.failed.length > max_redeliveries ? ` (capped by max_redeliveries ${max_redeliveries}; run again for the rest)` : ''
    const refused = report.errors.length > 0 ? `GitHub refused ${report.errors.length} redeliveries:\n- ${report.errors.join('\n- ')}` : undefined
    return {
      message:
        `Webhook ${hook_id} of ${describeTarget(target)}: ${report.scanned} deliveries since ${from.toISOString()}, ` +
        `${report.failed.length} guids never got a 2xx; asked GitHub to redeliver ${report.redelivered.length}${capped}.`,
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
  request: WebhookRequest,
  { hook_id, hook }: hooks.ResolvedHook,
  event: 'ping' | 'push'
): Promise<OperationResult> {
  const { target } = request
  const send = event === 'ping' ? hooks.ping : hooks.testPush
  const asked = `Asked GitHub to send ${event === 'ping' ? 'a ping event' : 'the latest push'} to webhook ${hook_id} of ${describeTarget(target)}`
  if (event === 'push' && (hook || request.wait)) {
    const events = (hook ?? (await hooks.getHook(client, target, hook_id))).events
    if (!events.includes('push') && !events.includes('*')) {
      await send(client, target, hook_id)
      const warning = `Webhook ${hook_id} is not subscribed to push (events: ${events.join(', ')}): GitHub sends no test delivery, so there is nothing to wait for.`
      return { message: `${asked}.`, hook_id, warning }
    }
  }
  if (!request.wait) {
    await send(client, target, hook_id)
    return { message: `${asked}; not waiting for the delivery (wait: false).`, hook_id }
  }
  const after = Number((await newestDelivery(client, target, hook_id))?.id ?? 0)
  await send(client, target, hook_id)
  const delivery = await waitForDelivery(client, target, hook_id, { after, event, timeout_ms: request.wait_timeout * 1000 })
  if (!delivery) {
    const failure = `Waited ${request.wait_timeout} s for the ${event} delivery of webhook ${hook_id}: GitHub recorded no delivery. Check that the hook is active and look at its deliveries later (list-deliveries).`
    return { message: `${asked}.`, hook_id, ...(request.fail_on_delivery_error ? { failure } : { warning: failure }) }
  }
  const verdict = succeeded(delivery) ? undefined : deliveryProblem(hook_id, delivery)
  return {
    message: `${asked}: delivery ${delivery.id} answered ${delivery.status_code} ${delivery.status} in ${delivery.duration} s.`,
    hook_id,
    delivery,
    delivery_id: Number(delivery.id),
    ...(verdict === undefined ? {} : request.fail_on_delivery_error ? { failure: verdict } : { warning: verdict })
  }
}

/** Says what went wrong with a delivery: GitHub's status text, the status code and the start of the receiver's answer. */
function deliveryProblem(hook_id: number, delivery: Delivery): string {
  const answer = delivery.status_code === 0 ? `could not be reached (${delivery.status})` : `answered ${delivery.status_code} (${delivery.status}), not 2xx`
  const body = delivery.response.payload ? ` Response body: ${delivery.response.payload.slice(0, 300)}` : ''
  return `The receiver of webhook ${hook_id} ${answer} for ${delivery.event} delivery ${delivery.id} (guid ${delivery.guid}).${body}`
}

/**
 * Runs the request's operation against the API.
 * @throws HookLookupError when `url` matches no hook or several; Octokit's `RequestError` on API errors.
 */
export async function runOperation(client: GitHubClient, request: WebhookRequest): Promise<OperationResult> {
  const { operation, target } = request
  if (operation === 'list') {
    const list = await hooks.listHooks(client, target, { per_page: request.per_page, limit: request.limit })
    return { message: `${list.length} webhooks of ${describeTarget(target)}.`, hooks: list }
  }
  if (operation === 'create') {
    const hook = await hooks.createHook(client, target, {
      config: { ...request.config, url: required(request.config.url) },
      fields: request.hook_fields
    })
    return { message: `Created webhook ${hook.id} of ${describeTarget(target)}.`, hook_id: hook.id, hook }
  }
  if (operation === 'ensure' || operation === 'ensure-absent') {
    const ref = required(request.hook)
    const ensure =
      operation === 'ensure'
        ? await ensureHook(client, target, ref, wantedSettings(request.config, request.hook_fields), request.dry_run)
        : await ensureAbsent(client, target, ref, request.dry_run)
    return { message: describeEnsure(request, ensure), hook_id: ensure.hook_id, hook: ensure.hook, ensure }
  }
  const resolved = await hooks.resolveHook(client, target, required(request.hook))
  return HOOK_HANDLERS[operation](client, request, resolved)
}

/** `Webhook 12 of repository o/r: updated (2 changes: events, secret); secret written (…).` plus a dry-run note. */
function describeEnsure({ target, dry_run }: WebhookRequest, ensure: EnsureResult): string {
  const which = ensure.hook_id === undefined ? 'The webhook' : `Webhook ${ensure.hook_id}`
  const fields = ensure.changes.map((change) => change.field).join(', ')
  const changes = ensure.outcome === 'updated' ? ` (${ensure.changes.length} changes: ${fields})` : ''
  const secret = ensure.secret_proof === 'not-given' ? '' : `; secret ${ensure.secret_proof}${ensure.secret_note ? ` (${ensure.secret_note})` : ''}`
  const dry = dry_run ? ' Dry run: nothing was written; this is what would happen.' : ''
  return `${which} of ${describeTarget(target)}: ${ensure.outcome}${changes}${secret}.${dry}`
}

/** Narrows a value the input helper guarantees for the operation. */
function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('internal error: a required input was not validated')
  return value
}
