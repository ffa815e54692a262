/**
 * The job-summary tables of hooks, configs and deliveries that several operations show, and the
 * tables of one result ({@link commonTables}). A secret is never shown: GitHub reads it back as
 * `********`, and the tables say only "set" / "not set".
 */
import { SCOPE_TRAITS, type Target } from '../github/index.js'
import { lastResponseText, readLastResponse, succeeded, type Change, type FailedGuid, type OperationResult } from '../jobs/index.js'
import type { Delivery, DeliveryItem, Hook, HookConfig } from '../model.js'
import { code, escape, header, type Summary, type SummaryTableRow } from './markup.js'

/**
 * The tables of a result, whichever it carries: its hooks (or hook), its config, its deliveries, or
 * one delivery with the start of the receiver's answer.
 */
export function commonTables(summary: Summary, result: OperationResult, target: Target): void {
  const hookList = result.hooks ?? (result.hook ? [result.hook] : undefined)
  // Organization hooks have no last_response: the column is shown for repositories only.
  const lastResponse = SCOPE_TRAITS[target.scope].lastResponse
  if (hookList?.length === 0) summary.addRaw('<p>No webhooks.</p>', true)
  else if (hookList) summary.addTable([hookHeader(lastResponse), ...hookList.map((hook) => hookRow(hook, lastResponse))])
  if (result.config) summary.addTable(configRows(result.config))
  if (result.deliveries?.length === 0) summary.addRaw('<p>No deliveries.</p>', true)
  else if (result.deliveries) summary.addTable([DELIVERY_HEADER, ...result.deliveries.map(deliveryRow)])
  if (result.delivery) addDelivery(summary, result.delivery)
}

/** The header of the hooks table; `last response` only where hooks have one (repositories). */
function hookHeader(lastResponse: boolean): SummaryTableRow {
  const cells = ['id', 'url', 'events', 'active', 'content_type', 'insecure_ssl', 'secret']
  return header(...cells, ...(lastResponse ? ['last response'] : []))
}

function hookRow(hook: Hook, lastResponse: boolean): SummaryTableRow {
  const last = 'last_response' in hook ? hook.last_response : undefined
  const cells = [
    String(hook.id),
    code(hook.config.url ?? ''),
    escape(hook.events.join(', ')),
    hook.active ? 'yes' : 'no',
    escape(hook.config.content_type ?? ''),
    escape(String(hook.config.insecure_ssl ?? '')),
    secretState(hook.config.secret)
  ]
  if (!lastResponse) return cells
  return [...cells, last ? escape(lastResponseText(readLastResponse(last))) : '']
}

function configRows(config: HookConfig): SummaryTableRow[] {
  return [
    header('field', 'value'),
    ['url', code(config.url ?? '')],
    ['content_type', escape(config.content_type ?? '')],
    ['insecure_ssl', escape(String(config.insecure_ssl ?? ''))],
    ['secret', secretState(config.secret)]
  ]
}

export const CHANGE_HEADER = header('field', 'from', 'to')

/** A row of the ensure diff; a secret's from/to are the words `none`/`unproven`/`set`, never a value. */
export function changeRow(change: Change): SummaryTableRow {
  const show = (value: unknown): string => (value === null || value === undefined ? '—' : Array.isArray(value) ? value.join(', ') : String(value))
  return [escape(change.field), code(show(change.from)), code(show(change.to))]
}

const DELIVERY_HEADER = header('', 'id', 'event', 'action', 'status code', 'status', 'delivered at', 'guid', 'redelivery')

/** A delivery: ✅ when the receiver answered 2xx, ❌ otherwise. */
function deliveryRow(delivery: DeliveryItem | Delivery): SummaryTableRow {
  return [
    succeeded(delivery) ? '✅' : '❌',
    String(delivery.id),
    escape(delivery.event),
    escape(delivery.action ?? ''),
    delivery.status_code === 0 ? '— (no answer)' : String(delivery.status_code),
    escape(delivery.status),
    escape(delivery.delivered_at),
    code(delivery.guid),
    delivery.redelivery ? 'yes' : 'no'
  ]
}

export const REDELIVERY_HEADER = header('guid', 'event', 'attempts seen', 'redelivered delivery', 'its status')

/** A guid that never got a 2xx and was redelivered. */
export function redeliveryRow({ guid, newest, attempts }: FailedGuid): SummaryTableRow {
  return [code(guid), escape(newest.event), String(attempts), String(newest.id), escape(`${newest.status_code} ${newest.status}`)]
}

/** One delivery: its row, then the receiver's answer (start of the body) in a details block. */
function addDelivery(summary: Summary, delivery: Delivery): void {
  summary.addTable([DELIVERY_HEADER, deliveryRow(delivery)])
  const body = delivery.response.payload
  if (body) {
    const shown = body.length > 2000 ? `${body.slice(0, 2000)}…` : body
    summary.addDetails('Response body', `<pre>${escape(shown)}</pre>`)
  }
}

/** The secret is never shown: GitHub reads it back as `********` when one is stored. */
function secretState(secret: string | undefined): string {
  return secret ? 'set' : 'not set'
}
