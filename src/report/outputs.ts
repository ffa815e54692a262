/**
 * Sets the step outputs and writes the job summary from an {@link OperationResult}.
 * The secret never appears: GitHub returns it as `********`, and the summary shows only "set" / "not set".
 */
import * as core from '@actions/core'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tokenHint } from '../github/api-error.js'
import { VERDICTS, type HookAudit } from '../jobs/audit.js'
import { deliveriesChart, durationChart } from './charts.js'
import { overallSuccessRate, runSeries, worstFirst, type HookReport } from '../jobs/health.js'
import { succeeded, type FailedGuid } from '../jobs/deliveries.js'
import type { Change } from '../jobs/ensure.js'
import { isFailure, type FleetCounts, type TargetResult } from '../jobs/fleet.js'
import type { Delivery, DeliveryItem, Hook, HookConfig, TargetSpec, WebhookRequest } from '../model.js'
import { GITHUB_LIMITS, REASON_TEXT, type PacingStats, type PauseReason } from '../github/pacing.js'
import { PLAN_ACTIONS, planCounts, SECRET_NOT_CHECKED, type PlanAction, type PlanItem } from '../jobs/plan.js'
import {
  FINDING_TEXT,
  FINDINGS,
  findingCounts,
  hostCounts,
  hostLabel,
  inventoryCsv,
  lastResponseText,
  readLastResponse,
  worstFirst as worstHooksFirst,
  type InventoryHook
} from '../jobs/inventory.js'
import { count, percent, type OperationResult } from '../jobs/operations.js'
import { redact, redactUrlHashed } from '../github/redact.js'
import { describeTarget, SCOPE_TRAITS, targetFields, targetName, type Target } from '../github/scopes.js'

type SummaryTableRow = Parameters<typeof core.summary.addTable>[0][number]

/**
 * Sets the outputs the result carries: `hook_id`, `hook`, `hooks`, `config`, `deliveries` (JSON),
 * and for one delivery `delivery_id`, `delivery_guid`, `delivery_status` (GitHub's text, e.g. `OK`),
 * `status_code` (the receiver's HTTP status) and `delivery` (JSON); for `ensure` / `ensure-absent`
 * `result` (created, updated, unchanged, deleted, absent), `changes` (JSON `[{field, from, to}]`) and
 * `secret_proof` (proven, written, would-write, unproven, not-given); `duration` (seconds, as GitHub reports it)
 * with a delivery (also the verifying ping of `ensure`); for `list` / `list-deliveries` `truncated`
 * (true when `limit` left items out); for `redeliver-failed` `redelivered` (count), `redelivered_ids`
 * (JSON), `failed_guids` (JSON list of the guids that never got a 2xx) and `failed_count`.
 */
export function setOutputs(result: OperationResult): void {
  const outputs: Record<string, unknown> = {
    hook_id: result.hook_id,
    hook: result.hook,
    hooks: result.hooks,
    config: result.config,
    deliveries: result.deliveries,
    delivery_id: result.delivery_id,
    delivery: result.delivery,
    truncated: result.truncated
  }
  if (result.ensure) {
    outputs.result = result.ensure.outcome
    outputs.changes = result.ensure.changes
    outputs.secret_proof = result.ensure.secret_proof
  }
  if (result.delivery) {
    outputs.delivery_guid = result.delivery.guid
    outputs.delivery_status = result.delivery.status
    outputs.status_code = result.delivery.status_code
    outputs.duration = result.delivery.duration
  }
  if (result.redeliver) {
    outputs.redelivered = result.redeliver.redelivered.length
    outputs.redelivered_ids = result.redeliver.redelivered.map((item) => Number(item.newest.id))
    outputs.failed_guids = result.redeliver.failed.map((item) => item.guid)
    outputs.failed_count = result.redeliver.failed.length
  }
  for (const [name, value] of Object.entries(outputs)) {
    if (value !== undefined) core.setOutput(name, redact(typeof value === 'string' ? value : JSON.stringify(value)))
  }
}

/**
 * Writes the job summary: a heading with the operation and target, the result's message, then a
 * table of hooks, of config, of deliveries, or of one delivery — whichever the result carries.
 */
export async function writeSummary(request: WebhookRequest, target: Target, result: OperationResult): Promise<void> {
  if (!hasSummaryFile()) return
  const summary = core.summary
    .addHeading(`Webhooks: ${request.operation} on ${escape(describeTarget(target))}`, 3)
    .addRaw(`<p>${escape(result.message)}</p>`, true)
  if (result.failure) summary.addRaw(`<p>❌ ${escape(result.failure)}</p>`, true)
  if (result.warning) summary.addRaw(`<p>⚠️ ${escape(result.warning)}</p>`, true)
  if (result.notice) summary.addRaw(`<p>ℹ️ ${escape(result.notice)}</p>`, true)
  if (result.ensure && result.ensure.changes.length > 0) summary.addTable([CHANGE_HEADER, ...result.ensure.changes.map(changeRow)])
  const hookList = result.hooks ?? (result.hook ? [result.hook] : undefined)
  // Organization hooks have no last_response: the column is shown for repositories only.
  const lastResponse = SCOPE_TRAITS[target.scope].lastResponse
  if (hookList?.length === 0) summary.addRaw('<p>No webhooks.</p>', true)
  else if (hookList) summary.addTable([hookHeader(lastResponse), ...hookList.map((hook) => hookRow(hook, lastResponse))])
  if (result.config) summary.addTable(configRows(result.config))
  if (result.deliveries?.length === 0) summary.addRaw('<p>No deliveries.</p>', true)
  else if (result.deliveries) summary.addTable([DELIVERY_HEADER, ...result.deliveries.map(deliveryRow)])
  if (result.delivery) addDelivery(summary, result.delivery)
  if (result.redeliver && result.redeliver.redelivered.length > 0) {
    summary.addTable([REDELIVERY_HEADER, ...result.redeliver.redelivered.map(redeliveryRow)])
  }
  const asResult: TargetResult = { target, name: '', result: result.outcome, ok: !result.failure, changed: false, operation: result }
  if (result.audit) addAudits(summary, [asResult])
  if (result.report) addReports(summary, [asResult])
  await writeRedacted(summary)
}

/**
 * Writes the job summary of a failed step: the operation (when the inputs were valid) and each
 * error message, so the reason is on the run's page, not only in the log.
 */
export async function writeFailureSummary(request: WebhookRequest | undefined, problems: string[]): Promise<void> {
  if (!hasSummaryFile()) return
  const title = request ? `${request.operation} on ${describeTargets(request.targets)} failed` : 'invalid inputs'
  await writeRedacted(core.summary.addHeading(`Webhooks: ${escape(title)}`, 3).addList(problems.map((problem) => `<pre>${escape(problem)}</pre>`)))
}

/** `repository octo/hello`, `organization octo`, or `repositories octo-org/svc-*, !octo-org/svc-legacy`. */
function describeTargets(targets: TargetSpec): string {
  if (targets.kind === 'one') return describeTarget(targets.target)
  if (targets.kind === 'file') return `the targets of ${targets.path}`
  // A heading, not a list: thousands of names given one by one would fill the job summary.
  const patterns = targets.selection.patterns.map((p) => p.text)
  const shown = patterns.slice(0, 10).join(', ')
  return `repositories ${patterns.length > 10 ? `${shown} and ${patterns.length - 10} more` : shown}`
}

/** A target's result as an entry of the `results` output: `{ repository, result, hook_id, error }` (`organization` for an organization). */
function resultEntry(result: TargetResult): Record<string, unknown> {
  const hook_ids = result.operation?.hooks?.map((hook) => hook.id)
  return { ...targetFields(result.target), result: result.result, hook_id: result.hook_id, error: result.error, hook_ids }
}

/**
 * Sets the outputs of a run over targets: `results` (JSON list, one {@link resultEntry} per target,
 * or per hook for `rotate-secret`, in the order selected; `list` adds `hook_ids`), the counts
 * `succeeded`, `failed`, `changed`, `skipped`, and `result_counts` (JSON: how many results have each
 * outcome word); for `audit-secret` also `audit` (JSON list: one {@link auditEntries} entry per hook)
 * and `verdict_counts` (JSON: how many hooks have each verdict).
 */
export function setFleetOutputs(results: readonly TargetResult[], counts: FleetCounts): void {
  core.setOutput('results', redact(JSON.stringify(results.map(resultEntry))))
  for (const [name, value] of Object.entries(counts)) core.setOutput(name, String(value))
  const tally: Record<string, number> = {}
  for (const result of results) tally[result.result] = (tally[result.result] ?? 0) + 1
  core.setOutput('result_counts', JSON.stringify(tally))
  setReportOutputs(results)
  const audit = auditEntries(results)
  if (audit === undefined) return
  core.setOutput('audit', redact(JSON.stringify(audit)))
  const verdicts = Object.fromEntries(VERDICTS.map((verdict) => [verdict, audit.filter((entry) => entry.verdict === verdict).length]))
  core.setOutput('verdict_counts', JSON.stringify(verdicts))
}

/**
 * The outputs of `report`: `report` (JSON list, one entry per hook, worst first), `success_rate`
 * (over all guids of all hooks, 0–1; empty when there was no delivery) and `failing_hooks` (JSON list
 * of the hooks with guids that never got a 2xx: `target`, `hook_id`, `url`, `success_rate`,
 * `failed_guids`, `failing_streak`). Nothing when no result carries a report.
 */
function setReportOutputs(results: readonly TargetResult[]): void {
  const reports = results.flatMap((result) => result.operation?.report?.hooks ?? [])
  if (!results.some((result) => result.operation?.report)) return
  const ordered = worstFirst(reports)
  core.setOutput('report', redact(JSON.stringify(ordered)))
  const rate = overallSuccessRate(reports)
  core.setOutput('success_rate', rate === null ? '' : String(Math.round(rate * 10000) / 10000))
  const failing = ordered.filter((report) => report.failed_guids > 0)
  const fields = failing.map(({ target, hook_id, url, success_rate, failed_guids, failing_streak }) => ({
    target,
    hook_id,
    url,
    success_rate,
    failed_guids,
    failing_streak
  }))
  core.setOutput('failing_hooks', redact(JSON.stringify(fields)))
}

/**
 * The report table, worst hook first, then the charts people read faster than tables: deliveries per
 * hour (succeeded vs failed) and the p95 duration per hour, over every hook reported (Mermaid, which
 * GitHub renders in job summaries). The charts span the window of the whole run and count each
 * target's deliveries within that target's window ({@link runSeries}), so a delivery in the table is
 * in the charts.
 */
function addReports(summary: typeof core.summary, results: readonly TargetResult[]): void {
  const reported = results.flatMap((result) => (result.operation?.report ? [result.operation.report] : []))
  if (reported.length === 0) return
  const reports = worstFirst(reported.flatMap((report) => report.hooks))
  if (reports.length === 0) {
    summary.addRaw('<p>No webhooks.</p>', true)
    return
  }
  summary.addTable([reportHeader(), ...reports.slice(0, REPORT_ROWS).map(reportRow)])
  if (reports.length > REPORT_ROWS) summary.addRaw(`<p>… and ${reports.length - REPORT_ROWS} more webhooks in the report output.</p>`, true)
  // The whole run's window, not one target's: each target's window ends when it starts.
  const series = runSeries(reported)
  summary.addRaw(`\n\n${deliveriesChart(series)}\n\n${durationChart(series)}\n`, true)
}

/** Rows of the report table; the full list is in the `report` output. */
const REPORT_ROWS = 50

/** The header of the report table. */
const reportHeader = (): SummaryTableRow =>
  header(
    'webhook',
    'url',
    'success rate',
    'guids',
    'never 2xx',
    'failing streak',
    'duration p50 / p95 / max (s)',
    'last success',
    'failures',
    'events'
  )

/** One hook of the report: its figures, with ⚠️ for failures and 💤 for a quiet or inactive hook. */
function reportRow(report: HookReport): SummaryTableRow {
  const seconds = (value: number | null): string => (value === null ? '—' : String(value))
  const flags = [report.failed_guids > 0 ? '⚠️' : '', report.quiet ? '💤 quiet' : '', report.inactive ? 'inactive' : ''].filter(Boolean).join(' ')
  const list = (counts: Record<string, number>): string =>
    Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .map(([key, n]) => `${key}: ${n}`)
      .join(', ')
  return [
    escape(`${report.target}${report.hook_id === undefined ? '' : `, hook ${report.hook_id}`}${flags ? ` ${flags}` : ''}`),
    code(report.url),
    escape(percent(report.success_rate)),
    String(report.guids),
    String(report.failed_guids),
    String(report.failing_streak),
    `${seconds(report.duration_p50)} / ${seconds(report.duration_p95)} / ${seconds(report.duration_max)}`,
    escape(report.last_success ?? '—'),
    escape(list(report.failures_by_status)),
    escape(list(report.by_event))
  ]
}

/**
 * The audits of the results as entries of the `audit` output: `{ repository (or organization),
 * hook_id, url, verdict, proved_by, note }`, in result then hook order; undefined when no result carries one.
 */
function auditEntries(results: readonly TargetResult[]): HookAudit[] | undefined {
  if (!results.some((result) => result.operation?.audit)) return undefined
  return results.flatMap((result) =>
    (result.operation?.audit ?? []).map(({ hook_id, url, verdict, proved_by, note }) => ({
      ...targetFields(result.target),
      hook_id,
      url,
      verdict,
      proved_by,
      note
    }))
  )
}

/** Logs a target's result as it finishes: `[37/1000] octo-org/api: unchanged (hook 12)`, why it failed, and its warning or notice. */
export function logResult(result: TargetResult, done: number, total: number): void {
  const hook = result.hook_id === undefined ? '' : ` (hook ${result.hook_id})`
  const why = result.error === undefined ? '' : ` — ${result.error.split('\n')[0]}`
  core.info(redact(`[${done}/${total}] ${result.name}: ${result.result}${hook}${why}`))
  if (result.operation?.warning) core.warning(redact(`${result.name}: ${result.operation.warning}`))
  if (result.operation?.notice) core.notice(redact(`${result.name}: ${result.operation.notice}`))
}

/**
 * The error of a run over several targets where some failed: how many, then each failed target with
 * the first line of its error, and once the token hint that the errors call for (401, 403, 404).
 */
export function fleetFailure(request: WebhookRequest, results: readonly TargetResult[]): string {
  const failed = results.filter(isFailure)
  const shown = failed.slice(0, FAILURES_LISTED).map((result) => `- ${result.name}: ${(result.error ?? '').split('\n')[0]}`)
  const more = failed.length > FAILURES_LISTED ? [`- … and ${failed.length - FAILURES_LISTED} more (see the results output and the job summary)`] : []
  const hints = new Set(failed.map((result) => tokenHint(result.thrown, result.target.scope)).filter((hint) => hint !== undefined))
  return [`${failed.length} of ${itemCount(request, results)} failed:`, ...shown, ...more, ...hints].join('\n')
}

/**
 * What the results are about, counted: `3 repositories`, `1 organization`, `12 webhooks`
 * (`rotate-secret` reports per hook; a repository without the hook is no webhook, and not counted).
 */
function itemCount(request: WebhookRequest, results: readonly TargetResult[]): string {
  const perHook = request.operation === 'rotate-secret'
  const counted = perHook ? results.filter((result) => result.result !== 'absent') : results
  const noun = perHook ? 'webhook' : SCOPE_TRAITS[results[0]?.target.scope ?? 'repo'].noun
  const plural = noun.endsWith('y') ? `${noun.slice(0, -1)}ies` : `${noun}s`
  return `${counted.length} ${counted.length === 1 ? noun : plural}`
}

/**
 * `3 of 4 repositories have the hook; 1 lacks it (absent, not a failure).`, when some repositories
 * of the run lack the hook the operation names; undefined when none does.
 */
export function hookPresence(results: readonly TargetResult[]): string | undefined {
  const names = new Set(results.map((result) => result.name))
  const absent = new Set(results.filter((result) => result.result === 'absent').map((result) => result.name))
  if (absent.size === 0) return undefined
  const repos = names.size === 1 ? 'repository' : 'repositories'
  return `${names.size - absent.size} of ${names.size} ${repos} ${names.size - absent.size === 1 ? 'has' : 'have'} the hook; ${absent.size} ${absent.size === 1 ? 'lacks' : 'lack'} it (absent, not a failure).`
}

/** Failed targets named one by one in the step's error; the rest are counted. */
const FAILURES_LISTED = 20

/** Rows of the fleet table shown before the rest is folded into a `<details>` block. */
const ROWS_SHOWN = 50

/** Bytes of HTML the fleet table may take in the job summary (rows past it counted, not written); see {@link INVENTORY_ROWS_BYTES}. */
const FLEET_ROWS_BYTES = 192 * 1024

/**
 * Writes the job summary of a run over several repositories: the selection, the totals, then one row
 * per repository (failures first, then skipped, changed, the rest; in selection order within each),
 * the rows after the first {@link ROWS_SHOWN} folded in `<details>`, rows past {@link FLEET_ROWS_BYTES}
 * not written but counted (every result is in the `results` output).
 */
export async function writeFleetSummary(
  request: WebhookRequest,
  selected: string | undefined,
  results: readonly TargetResult[],
  counts: FleetCounts
): Promise<void> {
  if (!hasSummaryFile()) return
  const rank = (result: TargetResult): number => (isFailure(result) ? 0 : result.result === 'skipped' ? 1 : result.changed ? 2 : 3)
  const rows = results
    .map((result, index) => ({ result, index }))
    .sort((a, b) => rank(a.result) - rank(b.result) || a.index - b.index)
    .map(({ result }) => fleetRow(result))
  const summary = core.summary
    .addHeading(`Webhooks: ${request.operation} on ${escape(describeTargets(request.targets))}`, 3)
    .addRaw(`<p>${escape(selected ?? '')}${request.dry_run ? ' Dry run: nothing was written; "changed" counts what would change.' : ''}</p>`, true)
    .addTable([
      header('total', 'succeeded', 'changed', 'failed', 'skipped'),
      [escape(itemCount(request, results)), String(counts.succeeded), String(counts.changed), String(counts.failed), String(counts.skipped)]
    ])
  const having = hookPresence(results)
  if (having) summary.addRaw(`<p>${escape(having)}</p>`, true)
  const shown = rowsWithin(rows, FLEET_ROWS_BYTES)
  const noun = SCOPE_TRAITS[results[0]?.target.scope ?? 'repo'].noun
  const targets = (n: number): string => count(n, `more ${noun}`, `more ${noun === 'repository' ? 'repositories' : `${noun}s`}`)
  summary.addTable([fleetHeader(results), ...shown.slice(0, ROWS_SHOWN)])
  if (shown.length > ROWS_SHOWN) {
    summary
      .addRaw(`<details><summary>${escape(targets(shown.length - ROWS_SHOWN))}</summary>`, true)
      .addTable([fleetHeader(results), ...shown.slice(ROWS_SHOWN)])
      .addRaw('</details>', true)
  }
  if (shown.length < rows.length) {
    summary.addRaw(
      `<p>${escape(`${targets(rows.length - shown.length)} not shown here (those that went well come last), to keep the job summary under GitHub's 1 MiB: every result is in the output results.`)}</p>`,
      true
    )
  }
  addAudits(summary, results)
  addReports(summary, results)
  await writeRedacted(summary)
}

/** Words for the verdicts, as a security reviewer would write them in a ticket. */
const VERDICT_WORDS: Record<HookAudit['verdict'], string> = {
  current: '✅ signs with the current secret',
  previous: '⚠️ still signs with the PREVIOUS secret',
  unknown: '❌ signs with an UNKNOWN secret (neither the current nor the previous one)',
  none: '❌ has NO secret: its deliveries are not signed',
  unproven: '❔ unproven: no signed delivery to check'
}

/** The audit tables: one per target, its hooks with their verdicts and how each was told; beyond {@link ROWS_SHOWN} targets folded. */
function addAudits(summary: typeof core.summary, results: readonly TargetResult[]): void {
  const audited = results.filter((result) => result.operation?.audit)
  audited.forEach((result, index) => {
    if (index === ROWS_SHOWN) summary.addRaw(`<details><summary>${escape(count(audited.length - ROWS_SHOWN, 'more audited target'))}</summary>`, true)
    summary.addHeading(`Secret audit: ${escape(describeTarget(result.target))}`, 4)
    const audits = result.operation?.audit ?? []
    if (audits.length === 0) summary.addRaw('<p>No webhooks.</p>', true)
    else summary.addTable([header('hook', 'url', 'verdict', 'how it was told'), ...audits.map(auditRow)])
  })
  if (audited.length > ROWS_SHOWN) summary.addRaw('</details>', true)
}

function auditRow(audit: HookAudit): SummaryTableRow {
  return [String(audit.hook_id), code(audit.url), escape(VERDICT_WORDS[audit.verdict]), escape(audit.note)]
}

/** The header of the fleet table; its first column is named for the targets (`repository`, `organization`, `GitHub App`). */
function fleetHeader(results: readonly TargetResult[]): SummaryTableRow {
  return header(SCOPE_TRAITS[results[0]?.target.scope ?? 'repo'].noun, 'result', 'hook', 'details')
}

/** One repository of the fleet table: its result (❌ failed, ⏭️ skipped), hook id, and the error or the operation's message. */
function fleetRow(result: TargetResult): SummaryTableRow {
  const mark = result.result === 'failed' ? '❌ ' : result.result === 'skipped' ? '⏭️ ' : ''
  const details = result.error ?? result.operation?.message ?? ''
  return [code(result.name), `${mark}${escape(result.result)}`, result.hook_id === undefined ? '' : String(result.hook_id), escape(details)]
}

/**
 * Appends the summary to the job summary with every masked value (secret, token, URL credentials)
 * redacted. An empty table cell is closed (`<td></td>`): `@actions/core` writes an empty one as a
 * lone `<td>`.
 */
async function writeRedacted(summary: typeof core.summary): Promise<void> {
  const text = redact(summary.stringify()).replace(/<(td|th)>(?=<(?:td|th)\b|<\/tr>)/g, '<$1></$1>')
  await summary.emptyBuffer().addRaw(text).write()
}

/** Outside a runner (no `GITHUB_STEP_SUMMARY`), there is no job summary to write. */
function hasSummaryFile(): boolean {
  return Boolean(process.env.GITHUB_STEP_SUMMARY)
}

const header = (...cells: string[]): SummaryTableRow => cells.map((data) => ({ data, header: true }))

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

const CHANGE_HEADER = header('field', 'from', 'to')

/** A row of the ensure diff; a secret's from/to are the words `none`/`unproven`/`set`, never a value. */
function changeRow(change: Change): SummaryTableRow {
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

const REDELIVERY_HEADER = header('guid', 'event', 'attempts seen', 'redelivered delivery', 'its status')

/** A guid that never got a 2xx and was redelivered. */
function redeliveryRow({ guid, newest, attempts }: FailedGuid): SummaryTableRow {
  return [code(guid), escape(newest.event), String(attempts), String(newest.id), escape(`${newest.status_code} ${newest.status}`)]
}

/** One delivery: its row, then the receiver's answer (start of the body) in a details block. */
function addDelivery(summary: typeof core.summary, delivery: Delivery): void {
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

/** Text (redacted, HTML-escaped, see {@link escape}) in a `<code>` element; '' stays ''. */
export function code(text: string): string {
  return text === '' ? '' : `<code>${escape(text)}</code>`
}

/**
 * Makes text safe for the summary's HTML: redacts it first (`redact`: masked values, URL
 * credentials), then escapes `& < > " '`. In this order, no escaped form of a secret (`Pa&#38;ss`)
 * can slip past redaction; the whole summary is redacted once more before it is written.
 */
export function escape(text: string): string {
  return redact(text).replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}

/**
 * How the run was paced, one line for the log and the job summary: requests and points sent, the
 * busiest minute against GitHub's 900 points per endpoint, the summed response time of the busiest
 * minute against GitHub's 90 s of CPU time (against the run's own larger budget, saying so, when
 * `ghes_rate_limit_factor` raised it), and every wait GitHub asked for (seconds and why).
 * @param elapsed_ms the run's wall time, in MILLISECONDS
 */
export function pacingLine(stats: PacingStats, elapsed_ms: number): string {
  const n = (value: number): string => value.toLocaleString('en-US')
  const seconds = (ms: number): string => (ms / 1000).toFixed(1)
  const count = (value: number, noun: string): string => `${n(value)} ${noun}${value === 1 ? '' : 's'}`
  // With ghes_rate_limit_factor above 1 the run's own budget is larger than GitHub.com's limits: the
  // line compares with that budget, so that a busy minute within it does not read as a breach.
  const raised = stats.budget.points_per_minute > GITHUB_LIMITS.points_per_minute
  const allowed = raised
    ? ` (within this run's budget of ${n(stats.budget.points_per_minute)} per endpoint, raised by ghes_rate_limit_factor; GitHub.com allows ${n(GITHUB_LIMITS.points_per_minute)})`
    : ` (GitHub allows ${n(GITHUB_LIMITS.points_per_minute)} per endpoint)`
  const allowedMs = raised
    ? ` (within this run's budget of ${seconds(stats.budget.response_ms_per_minute)} s; GitHub.com allows ${GITHUB_LIMITS.response_ms_per_minute / 1000} s)`
    : ` (GitHub allows ${GITHUB_LIMITS.response_ms_per_minute / 1000} s)`
  const busiest =
    stats.busiest_route === undefined
      ? ''
      : `; busiest minute: ${count(stats.busiest_minute_points, 'point')} on ${stats.busiest_route}${allowed}, ${seconds(stats.busiest_minute_response_ms)} s of response time${allowedMs}`
  const waits = Object.entries(stats.waited_s).map(([reason, seconds]) => `waited ${seconds} s: ${REASON_TEXT[reason as PauseReason]}`)
  const refused = Object.values(stats.refusals).reduce((sum, count) => sum + (count ?? 0), 0)
  const tail = [refused > 0 ? `${refused} refused by GitHub` : 'none refused by GitHub', ...waits].join('; ')
  return `Paced: ${count(stats.requests, 'request')} (${count(stats.points, 'point')}) in ${(elapsed_ms / 1000).toFixed(1)} s${busiest}; ${tail}.`
}

/** Logs {@link pacingLine} and appends it to the job summary, with the run's stop if GitHub stopped it. */
export async function writePacing(stats: PacingStats, elapsed_ms: number): Promise<void> {
  const line = pacingLine(stats, elapsed_ms)
  core.info(redact(line))
  if (!hasSummaryFile()) return
  const summary = core.summary.addRaw(`<p>⏱️ ${escape(line)}</p>`, true)
  if (stats.stopped) summary.addRaw(`<p>🛑 ${escape(stats.stopped)}</p>`, true)
  await writeRedacted(summary)
}

/**
 * Logs a line every `every_ms` MILLISECONDS in which nothing else was logged by `logResult`:
 * how far the run is, and the wait GitHub asked for if one is in force. Returns the function that
 * stops it.
 * @param status what to say: e.g. `120 of 1,000 repositories done, 131 requests sent`
 */
export function progressTicker(status: () => string, every_ms = 10_000): { stop: () => void; touch: () => void } {
  let last = Date.now()
  const timer = setInterval(() => {
    if (Date.now() - last < every_ms - 50) return
    last = Date.now()
    core.info(redact(`Still running: ${status()}`))
  }, every_ms / 10)
  timer.unref()
  return { stop: () => clearInterval(timer), touch: () => (last = Date.now()) }
}

/** A plan action in the job summary and the plan file. */
const PLAN_SIGNS: Record<PlanAction, string> = {
  create: '➕ create',
  'move-url': '➡️ move-url',
  update: '✏️ update',
  'write-secret': '🔑 write-secret',
  delete: '🗑️ delete',
  ambiguous: '⚠️ ambiguous',
  failed: '❌ failed',
  unchanged: '✅ unchanged'
}

/** GitHub's limit on a pull-request comment's body, in characters. */
export const COMMENT_LIMIT = 65_536

/** The most characters of the plan file (a pull-request comment): GitHub's limit with room for a sticky comment's marker and a header. */
export const PLAN_COMMENT_CAP = 60_000

/** The most characters of the plan in the job summary (GitHub's limit is 1 MiB per step, shared with the step's other summary lines). */
export const PLAN_SUMMARY_CAP = 800_000

/** Options of {@link planMarkdown}. */
export interface PlanMarkdownOptions {
  /** The most characters of the Markdown (default {@link PLAN_COMMENT_CAP}). */
  cap?: number
  /** Where the whole plan is, said when rows are left out (default: the job summary and the JSON output `plan`). */
  whole?: string
}

/** The rows of one entry that read the same: one action and one description of what it does. */
interface PlanGroup {
  action: PlanAction
  text: string
  items: PlanItem[]
}

/** What a plan row says besides its target: the changes, the URL deleted, why it could not be planned, the secret's note, a finding. */
function planRowText(item: PlanItem): string {
  const parts: string[] = []
  if (item.action === 'delete') parts.push(`${redactUrlHashed(item.url)} (${item.note ?? 'matches prune'})`)
  else if (item.error !== undefined) parts.push(item.error)
  else if (item.changes.length > 0) parts.push(item.changes.map((change) => changeLine(change)).join('; '))
  if (item.action === 'unchanged' && item.note?.startsWith('unproven: inactive'))
    parts.push('secret unproven: inactive (GitHub delivers nothing to it; written at creation and activation)')
  if (item.note === SECRET_NOT_CHECKED) parts.push(`secret ${SECRET_NOT_CHECKED}`)
  if (item.finding !== undefined) parts.push(`⚠️ finding: ${item.finding.replace(/ \(delivery \d+\)$/, '')}`)
  return parts.join('; ')
}

/** One changed field: `events: push → push, release`; a URL with its credential values hashed. */
function changeLine(change: Change): string {
  const value = (v: unknown): string => (change.field === 'url' && typeof v === 'string' ? redactUrlHashed(v) : changeText(v))
  return `${change.field}: ${value(change.from)} → ${value(change.to)}`
}

/** `repository octo-org/api (hook 12; delivery 34)`: a row's target and the live hook it touches. */
function planRowTarget(item: PlanItem): string {
  const ids = [
    ...(item.hook_id !== undefined ? [`hook ${item.hook_id}`] : []),
    ...(item.finding?.match(/\(delivery (\d+)\)$/) ? [`delivery ${/\(delivery (\d+)\)$/.exec(item.finding)?.[1]}`] : [])
  ]
  return `${describeTarget(item.target)}${ids.length > 0 ? ` (${ids.join('; ')})` : ''}`
}

/** `36 repositories`, `1 organization`: how many targets a group covers. */
function targetCount(items: readonly PlanItem[]): string {
  const scopes = new Set(items.map((item) => item.target.scope))
  const noun = scopes.size === 1 ? SCOPE_TRAITS[items[0].target.scope].noun : 'target'
  const plural = noun.endsWith('y') ? `${noun.slice(0, -1)}ies` : noun.endsWith('s') ? noun : `${noun}s`
  return `${items.length.toLocaleString('en-US')} ${items.length === 1 ? noun : plural}`
}

/**
 * The plan as Markdown, for the job summary and the plan file (a pull-request comment): the counts,
 * then per entry (entries with changes first) one line per change, the rows that read alike grouped
 * (`**✏️ update** 36 repositories: events: push → push, release`) with their targets under a
 * `<details>` fold, each with the hook id it touches; unchanged rows folded into a count (a row with
 * a finding is shown). URLs show a redacted credential with a short hash of it (`?v=***#3f2a`), a
 * secret only as `unproven → set`. At most `cap` characters: the rows beyond it are left out, and a
 * last line says how many and where the whole plan is.
 * @param file the webhooks file's path as the heading names it (relative to the workspace)
 */
export function planMarkdown(plan: readonly PlanItem[], file: string, options: PlanMarkdownOptions = {}): string {
  const cap = options.cap ?? PLAN_COMMENT_CAP
  const counts = planCounts(plan)
  const changing = plan.filter((item) => item.action !== 'unchanged').length
  const unchecked = plan.filter((item) => item.note === SECRET_NOT_CHECKED).length
  const head = [
    `### Webhooks plan: ${escape(file)}`,
    '',
    changing === 0
      ? `No changes: ${plan.length.toLocaleString('en-US')} ${plan.length === 1 ? 'hook matches' : 'hooks match'} the file, secrets proven where set (an inactive hook's cannot be).`
      : `${changing.toLocaleString('en-US')} of ${plan.length.toLocaleString('en-US')} to change: ${PLAN_ACTIONS.filter(
          (action) => counts[action] > 0
        )
          .map((action) => `${counts[action].toLocaleString('en-US')} ${action}`)
          .join(', ')}.`,
    ...(unchecked > 0
      ? [
          '',
          `🔒 ${unchecked.toLocaleString('en-US')} ${unchecked === 1 ? 'row has its' : 'rows have their'} secret ${SECRET_NOT_CHECKED}: this plan ran without the secret variables; apply proves or writes them.`
        ]
      : []),
    ''
  ]
  const names = [...new Set(plan.map((item) => item.name))]
  const rank = (name: string): number => (plan.some((item) => item.name === name && item.action !== 'unchanged') ? 0 : 1)
  const body: string[] = []
  let used = head.join('\n').length
  // Room kept for the last line that says what was left out.
  const reserve = 600
  let shown = 0
  let full = false
  const add = (line: string): boolean => {
    if (full || used + line.length + 1 > cap - reserve) {
      full = true
      return false
    }
    body.push(line)
    used += line.length + 1
    return true
  }
  for (const name of names.sort((a, b) => rank(a) - rank(b))) {
    const items = plan.filter((item) => item.name === name)
    const groups = new Map<string, PlanGroup>()
    // Unchanged rows without a finding: a count per description (a plain one, an inactive hook's, a secret not checked).
    const quiet = new Map<string, PlanItem[]>()
    for (const item of items) {
      const text = planRowText(item)
      if (item.action === 'unchanged' && item.finding === undefined) {
        quiet.set(text, [...(quiet.get(text) ?? []), item])
        continue
      }
      const key = `${item.action}\n${text}`
      const group = groups.get(key) ?? { action: item.action, text, items: [] }
      group.items.push(item)
      groups.set(key, group)
    }
    const ordered = [...groups.values()].sort((a, b) => PLAN_ACTIONS.indexOf(a.action) - PLAN_ACTIONS.indexOf(b.action))
    if (!add(`#### ${escape(name)}`) || !add('')) break
    for (const group of ordered) {
      const what = group.text === '' ? '' : `: ${escape(group.text)}`
      if (group.items.length === 1) {
        if (!add(`- **${PLAN_SIGNS[group.action]}** ${escape(planRowTarget(group.items[0]))}${what}`)) break
        shown++
        continue
      }
      if (!add(`- **${PLAN_SIGNS[group.action]}** ${targetCount(group.items)}${what}`)) break
      if (!add(`  <details><summary>${targetCount(group.items)}</summary>`) || !add('')) break
      for (const item of group.items) {
        if (!add(`  - ${escape(planRowTarget(item))}`)) break
        shown++
      }
      if (!add('') || !add('  </details>')) break
    }
    for (const [text, rows] of quiet) add(`- **${PLAN_SIGNS.unchanged}** ${targetCount(rows)}${text === '' ? '' : `: ${escape(text)}`}`)
    add('')
    if (full) break
  }
  const rows = plan.filter((item) => item.action !== 'unchanged' || item.finding !== undefined).length
  const lines = [...head, ...body]
  if (full) {
    // Close a fold left open by the cut.
    const opened = lines.filter((line) => line.startsWith('  <details>')).length
    if (opened > lines.filter((line) => line === '  </details>').length) lines.push('', '  </details>')
    const left = rows - shown
    lines.push(
      '',
      `> ⚠️ ${left.toLocaleString('en-US')} of ${rows.toLocaleString('en-US')} ${rows === 1 ? 'row is' : 'rows are'} left out here to keep this plan under ${cap.toLocaleString('en-US')} characters (GitHub's limit on a comment is ${COMMENT_LIMIT.toLocaleString('en-US')}). The whole plan: ${options.whole ?? "this run's job summary, and the step's JSON output `plan`"}.`,
      ''
    )
  }
  return lines.join('\n')
}

/** A changed value in a plan row: lists joined, null as `none`. */
function changeText(value: unknown): string {
  if (value === null || value === undefined) return 'none'
  return Array.isArray(value) ? value.join(', ') : String(value)
}

/**
 * Sets the plan's outputs — `plan` (JSON: one item per entry and target, `{ name, target, action,
 * changes, hook_id, and `note` (how the secret was or was not proven), `error` (why a target could
 * not be planned) and `finding` (a refused proof) when set }`), `plan_counts` (per action) and `plan_file` (the Markdown, written as
 * `webhooks-plan.md` in a new folder `webhooks-plan-XXXXXX` of `RUNNER_TEMP`, or of the system's
 * temporary folder, so that each plan step of a job has its own file; at most {@link PLAN_COMMENT_CAP}
 * characters, so that it fits a pull-request comment) — and appends the Markdown to the job summary
 * (at most {@link PLAN_SUMMARY_CAP} characters). Where rows are left out, the Markdown says where the whole plan is.
 * @returns the plan file's path
 */
export async function writePlan(plan: readonly PlanItem[], file: string): Promise<string> {
  const entries = plan.map((item) => ({
    name: item.name,
    target: targetName(item.target),
    action: item.action,
    changes: item.changes,
    hook_id: item.hook_id,
    ...(item.note !== undefined && item.action !== 'delete' ? { note: item.note } : {}),
    ...(item.error !== undefined ? { error: item.error } : {}),
    ...(item.finding !== undefined ? { finding: item.finding } : {})
  }))
  core.setOutput('plan', redact(JSON.stringify(entries)))
  core.setOutput('plan_counts', JSON.stringify(planCounts(plan)))
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: run } = process.env
  const summary =
    server && repository && run ? `the job summary of [this run](${server}/${repository}/actions/runs/${run})` : "this run's job summary"
  // The file is what a pull-request comment can hold; the job summary holds more; the JSON output all.
  const markdown = redact(planMarkdown(plan, file, { cap: PLAN_COMMENT_CAP, whole: `${summary}, and the step's JSON output \`plan\`` }))
  // A folder of its own per step: a second plan step in the same job keeps the first one's file.
  const path = join(mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'webhooks-plan-')), 'webhooks-plan.md')
  writeFileSync(path, markdown)
  core.setOutput('plan_file', path)
  if (hasSummaryFile()) {
    await core.summary.addRaw(redact(planMarkdown(plan, file, { cap: PLAN_SUMMARY_CAP, whole: "the step's JSON output `plan`" })), true).write()
  }
  return path
}

/**
 * `inventory`: sets the outputs — `inventory` (JSON, one item per hook: where, target, hook_id, url
 * with credentials redacted, events, settings, whether a secret is set, times, last response,
 * findings), `finding_counts`, `hooks_count` and `inventory_file` (the CSV, written to
 * `request.inventory_file`) — and writes the job summary ({@link writeInventorySummary}).
 * @returns the step's failure when a hook has a finding listed in `fail_on`, else undefined
 */
export async function writeInventory(request: WebhookRequest, results: readonly TargetResult[]): Promise<string | undefined> {
  const all = worstHooksFirst(results.flatMap((result) => result.operation?.inventory ?? []))
  const counts = findingCounts(all)
  core.setOutput('inventory', redact(JSON.stringify(all)))
  core.setOutput('finding_counts', JSON.stringify(counts))
  core.setOutput('hooks_count', String(all.length))
  // The URLs are redacted already (src/jobs/inventory.ts); redact() over CSV text would read past a URL's comma.
  writeFileSync(request.inventory_file, inventoryCsv(all))
  core.setOutput('inventory_file', request.inventory_file)
  const flagged = all.filter((hook) => hook.findings.length > 0)
  core.info(redact(`${count(all.length, 'webhook')}, ${flagged.length} with findings; the CSV is ${request.inventory_file}.`))
  if (hasSummaryFile()) await writeInventorySummary(request, all, counts)
  const failing = request.fail_on.filter((finding) => counts[finding] > 0)
  if (failing.length === 0) return undefined
  const which = all.filter((hook) => hook.findings.some((finding) => failing.includes(finding))).slice(0, FAILURES_LISTED)
  return [
    `${failing.map((finding) => `${counts[finding]} ${finding}`).join(', ')} (fail_on):`,
    ...which.map((hook) => {
      // A failing hook says what its receiver answered (e.g. "misconfigured: Invalid HTTP Response: 404").
      const last = hook.findings.includes('failing') ? ` (last response: ${lastResponseText(hook.last_response)})` : ''
      return `- ${hook.where} ${hook.target} hook ${hook.hook_id} (${hook.url || hostLabel(hook)}): ${hook.findings.join(', ')}${last}`
    })
  ].join('\n')
}

/**
 * Bytes of HTML the inventory's hooks table may take in the job summary. GitHub drops a step's job
 * summary over 1 MiB whole (docs "Workflow commands › Adding a job summary": "the maximum size is 1MiB
 * per step"), and the fleet table ({@link FLEET_ROWS_BYTES}) and the pacing line follow it in the same step.
 */
export const INVENTORY_ROWS_BYTES = 384 * 1024
/** Bytes of HTML the host list of the inventory may take in the job summary. */
const HOST_LINES_BYTES = 64 * 1024

/** The rows that fit in `budget` bytes (measured as their cells' UTF-8 length plus the tags), in order. */
function rowsWithin(rows: readonly SummaryTableRow[], budget: number): SummaryTableRow[] {
  let used = 0
  const kept: SummaryTableRow[] = []
  for (const row of rows) {
    used += row.reduce((sum, cell) => sum + Buffer.byteLength(typeof cell === 'string' ? cell : cell.data) + 9, 9)
    if (used > budget) break
    kept.push(row)
  }
  return kept
}

/**
 * The job summary of `inventory`: counts by finding, the hooks with findings first (worst first; rows
 * after {@link ROWS_SHOWN} folded in `<details>`, and rows past {@link INVENTORY_ROWS_BYTES} not
 * written at all but counted, with a pointer to the CSV, which has every hook), and one line per host
 * ({@link hostLabel}) with how many hooks point there (lines past {@link HOST_LINES_BYTES} counted, not
 * written). Stays well under GitHub's 1 MiB per step however many hooks there are.
 */
export async function writeInventorySummary(request: WebhookRequest, all: readonly InventoryHook[], counts: Record<string, number>): Promise<void> {
  const flagged = all.filter((hook) => hook.findings.length > 0)
  const row = (hook: InventoryHook): SummaryTableRow => [
    escape(`${hook.where} ${hook.target}`),
    String(hook.hook_id),
    hook.url === '' ? escape(hostLabel(hook)) : code(hook.url),
    escape(hook.findings.join(', ') || '—'),
    escape(lastResponseText(hook.last_response))
  ]
  const tableHeader = header('where', 'hook', 'url', 'findings', 'last response')
  const summary = core.summary
    .addHeading(
      `Webhooks: inventory of ${escape(describeTargets(request.targets))}${request.also_org ? ` and organization ${escape(request.also_org)}` : ''}`,
      3
    )
    .addRaw(`<p>${escape(count(all.length, 'webhook'))}, ${flagged.length} with findings.</p>`, true)
    .addTable([
      header('finding', 'hooks', 'what it means'),
      ...FINDINGS.map((finding) => [code(finding), String(counts[finding]), escape(FINDING_TEXT[finding])])
    ])
  const rows = rowsWithin(all.map(row), INVENTORY_ROWS_BYTES)
  summary.addTable([tableHeader, ...rows.slice(0, ROWS_SHOWN)])
  if (rows.length > ROWS_SHOWN) {
    summary
      .addRaw(`<details><summary>${escape(count(rows.length - ROWS_SHOWN, 'more webhook'))}</summary>`, true)
      .addTable([tableHeader, ...rows.slice(ROWS_SHOWN)])
      .addRaw('</details>', true)
  }
  if (rows.length < all.length) {
    const left = all.length - rows.length
    summary.addRaw(
      `<p>${escape(`${count(left, 'more webhook')} (the least bad) ${left === 1 ? 'is' : 'are'} not shown here, to keep the job summary under GitHub's 1 MiB: every hook is in the CSV, ${request.inventory_file} (output inventory_file), and in the output inventory.`)}</p>`,
      true
    )
  }
  const hosts = hostCounts(all)
  const lines = rowsWithin(
    hosts.map(({ host, hooks }) => [`${escape(host)}: ${escape(count(hooks, 'hook'))}`]),
    HOST_LINES_BYTES
  ).map(([line]) => line as string)
  summary.addList(lines)
  if (lines.length < hosts.length) summary.addRaw(`<p>${escape(count(hosts.length - lines.length, 'more host'))} in the CSV.</p>`, true)
  await writeRedacted(summary)
}
