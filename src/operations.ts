/**
 * Dispatches a validated request to the hooks endpoints and describes what happened as an
 * {@link OperationResult}, which `outputs.ts` turns into step outputs and the job summary.
 */
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
  /** The delivery acted on (`redeliver`). */
  delivery_id?: number
  /** What `ensure` / `ensure-absent` did or, in a dry run, would do. */
  ensure?: EnsureResult
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
  'list-deliveries': async (client, { target, per_page, limit, status }, { hook_id }) => {
    const deliveries = await hooks.listDeliveries(client, target, hook_id, { per_page, limit, status })
    const filter = status ? ` with status ${status}` : ''
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
      delivery_id: delivery.id
    }
  },
  redeliver: async (client, { target, delivery_id }, { hook_id }) => {
    await hooks.redeliver(client, target, hook_id, required(delivery_id))
    return { message: `Asked GitHub to redeliver delivery ${delivery_id} of webhook ${hook_id}.`, hook_id, delivery_id }
  },
  ping: async (client, { target }, { hook_id }) => {
    await hooks.ping(client, target, hook_id)
    return { message: `Asked GitHub to send a ping event to webhook ${hook_id} of ${describeTarget(target)}.`, hook_id }
  },
  test: async (client, { target }, { hook_id }) => {
    await hooks.testPush(client, target, hook_id)
    return {
      message: `Asked GitHub to send the latest push to webhook ${hook_id} of ${describeTarget(target)} (sent only if it is subscribed to push).`,
      hook_id
    }
  }
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
