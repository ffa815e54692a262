/**
 * The job summary: the frame every operation shares (a heading, the result's message and tables for
 * one target; the totals and one row per target for a fleet; the problems of a failed step), with
 * the operation's own tables and section where its {@link Presentation} gives them, and the step's
 * error when targets of a fleet failed. Every summary is redacted as a whole before it is written.
 */
import * as core from '@actions/core'
import { describeTarget, SCOPE_TRAITS, tokenHint } from '../github/index.js'
import { isFailure, type FleetCounts, type OperationResult, type TargetResult } from '../jobs/index.js'
import type { Target, TargetSpec, WebhookRequest } from '../model.js'
import { code, count, escape, hasSummaryFile, header, rowsWithin, writeRedacted, type Summary, type SummaryTableRow } from './markup.js'
import { commonTables } from './tables.js'

/**
 * How an operation presents its results beyond what every operation shows (the `results` output,
 * the counts, the fleet table, the hooks, config and deliveries a result carries).
 */
export interface Presentation {
  /** Outputs of a single run's result besides the common ones, set after them (values not strings are written as JSON; all are redacted). */
  outputs?: (result: OperationResult) => Record<string, unknown>
  /** Outputs over all results besides `results` and the counts, set after them, as written (redact what needs it). */
  fleetOutputs?: (results: readonly TargetResult[]) => Record<string, string>
  /** The tables of a single run's result in the job summary, in place of {@link commonTables} (which it may call). */
  tables?: (summary: Summary, result: OperationResult, target: Target) => void
  /** A section after the results, of a single run and of a fleet alike (the audit tables, the health report). */
  section?: (summary: Summary, results: readonly TargetResult[]) => void
  /** `hook` when the results are one per hook, not per target (`rotate-secret`): they are counted as webhooks. */
  resultsPer?: 'hook'
}

/**
 * Writes the job summary of a single run: a heading with the operation and target, the result's
 * message, then its tables (`presentation.tables`, by default a table of hooks, of config, of
 * deliveries, or of one delivery — whichever the result carries), then the operation's section.
 */
export async function writeSummary(request: WebhookRequest, target: Target, result: OperationResult, presentation: Presentation = {}): Promise<void> {
  if (!hasSummaryFile()) return
  const summary = core.summary
    .addHeading(`Webhooks: ${request.operation} on ${escape(describeTarget(target))}`, 3)
    .addRaw(`<p>${escape(result.message)}</p>`, true)
  if (result.failure) summary.addRaw(`<p>❌ ${escape(result.failure)}</p>`, true)
  if (result.warning) summary.addRaw(`<p>⚠️ ${escape(result.warning)}</p>`, true)
  if (result.notice) summary.addRaw(`<p>ℹ️ ${escape(result.notice)}</p>`, true)
  ;(presentation.tables ?? commonTables)(summary, result, target)
  const asResult: TargetResult = { target, name: '', result: result.outcome, ok: !result.failure, changed: false, operation: result }
  presentation.section?.(summary, [asResult])
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
export function describeTargets(targets: TargetSpec): string {
  if (targets.kind === 'one') return describeTarget(targets.target)
  if (targets.kind === 'file') return `the targets of ${targets.path}`
  // A heading, not a list: thousands of names given one by one would fill the job summary.
  const patterns = targets.selection.patterns.map((p) => p.text)
  const shown = patterns.slice(0, 10).join(', ')
  return `repositories ${patterns.length > 10 ? `${shown} and ${patterns.length - 10} more` : shown}`
}

/**
 * The error of a run over several targets where some failed: how many, then each failed target with
 * the first line of its error, and once the token hint that the errors call for (401, 403, 404).
 */
export function fleetFailure(results: readonly TargetResult[], presentation: Presentation = {}): string {
  const failed = results.filter(isFailure)
  const shown = failed.slice(0, FAILURES_LISTED).map((result) => `- ${result.name}: ${(result.error ?? '').split('\n')[0]}`)
  const more = failed.length > FAILURES_LISTED ? [`- … and ${failed.length - FAILURES_LISTED} more (see the results output and the job summary)`] : []
  const hints = new Set(failed.map((result) => tokenHint(result.thrown, result.target.scope)).filter((hint) => hint !== undefined))
  return [`${failed.length} of ${itemCount(results, presentation)} failed:`, ...shown, ...more, ...hints].join('\n')
}

/**
 * What the results are about, counted: `3 repositories`, `1 organization`, `12 webhooks`
 * (`rotate-secret` reports per hook; a repository without the hook is no webhook, and not counted).
 */
function itemCount(results: readonly TargetResult[], presentation: Presentation): string {
  const perHook = presentation.resultsPer === 'hook'
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
export const FAILURES_LISTED = 20

/** Rows of the fleet table shown before the rest is folded into a `<details>` block. */
export const ROWS_SHOWN = 50

/** Bytes of HTML the fleet table may take in the job summary (rows past it counted, not written); see `INVENTORY_ROWS_BYTES` (src/operations/inventory.ts). */
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
  counts: FleetCounts,
  presentation: Presentation = {}
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
      [escape(itemCount(results, presentation)), String(counts.succeeded), String(counts.changed), String(counts.failed), String(counts.skipped)]
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
  presentation.section?.(summary, results)
  await writeRedacted(summary)
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
