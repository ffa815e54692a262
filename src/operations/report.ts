/**
 * `report`: the delivery health of each hook (the hook `hook_id` / `url` names, or every hook) over
 * the deliveries since `since` (../jobs/health.ts); nothing is written. Outputs `report`,
 * `success_rate` and `failing_hooks`; the job summary has the report table and charts.
 */
import { describeHook, describeTarget, hooks, redact, SCOPE_TRAITS } from '../github/index.js'
import {
  hookReport,
  overallSuccessRate,
  runSeries,
  worstReportsFirst,
  type HookReport,
  type OperationResult,
  type TargetResult
} from '../jobs/index.js'
import { code, count, deliveriesChart, durationChart, escape, header, percent, type Summary, type SummaryTableRow } from '../report/index.js'
import type { DeliveryItem, GitHubClient } from '../model.js'
import { required, type OperationModule, type TargetRequest } from './operation.js'

export const report: OperationModule = {
  inputs: {
    // Without hook_id or url: every hook of the target.
    needs: [],
    uses: ['hook_id', 'url', 'since', 'fail_below', 'fail_on_quiet'],
    writes: 'never',
    defaults: ['since']
  },
  run: (client, request) => reportOperation(client, request),
  fleetOutputs: (results) => reportOutputs(results),
  section: (summary, results) => addReports(summary, results)
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

/**
 * The outputs of `report`: `report` (JSON list, one entry per hook, worst first), `success_rate`
 * (over all guids of all hooks, 0–1; empty when there was no delivery) and `failing_hooks` (JSON list
 * of the hooks with guids that never got a 2xx: `target`, `hook_id`, `url`, `success_rate`,
 * `failed_guids`, `failing_streak`). Nothing when no result carries a report.
 */
function reportOutputs(results: readonly TargetResult[]): Record<string, string> {
  const reports = results.flatMap((result) => result.operation?.report?.hooks ?? [])
  if (!results.some((result) => result.operation?.report)) return {}
  const ordered = worstReportsFirst(reports)
  const rate = overallSuccessRate(reports)
  const failing = ordered.filter((report) => report.failed_guids > 0)
  const fields = failing.map(({ target, hook_id, url, success_rate, failed_guids, failing_streak }) => ({
    target,
    hook_id,
    url,
    success_rate,
    failed_guids,
    failing_streak
  }))
  return {
    report: redact(JSON.stringify(ordered)),
    success_rate: rate === null ? '' : String(Math.round(rate * 10000) / 10000),
    failing_hooks: redact(JSON.stringify(fields))
  }
}

/**
 * The report table, worst hook first, then the charts people read faster than tables: deliveries per
 * hour (succeeded vs failed) and the p95 duration per hour, over every hook reported (Mermaid, which
 * GitHub renders in job summaries). The charts span the window of the whole run and count each
 * target's deliveries within that target's window ({@link runSeries}), so a delivery in the table is
 * in the charts.
 */
function addReports(summary: Summary, results: readonly TargetResult[]): void {
  const reported = results.flatMap((result) => (result.operation?.report ? [result.operation.report] : []))
  if (reported.length === 0) return
  const reports = worstReportsFirst(reported.flatMap((report) => report.hooks))
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
