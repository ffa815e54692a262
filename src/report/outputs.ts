/**
 * The step outputs every operation sets: those a single run's result carries, and over a fleet
 * `results` and the counts; an operation adds its own through its {@link Presentation}. The secret
 * never appears: GitHub returns it as `********`, and every value is redacted.
 */
import * as core from '@actions/core'
import { redact, targetFields } from '../github/index.js'
import type { FleetCounts, OperationResult, TargetResult } from '../jobs/index.js'
import type { Presentation } from './summary.js'

/**
 * Sets the outputs the result carries: `hook_id`, `hook`, `hooks`, `config`, `deliveries` (JSON),
 * and for one delivery `delivery_id`, `delivery_guid`, `delivery_status` (GitHub's text, e.g. `OK`),
 * `status_code` (the receiver's HTTP status), `duration` (seconds, as GitHub reports it) and
 * `delivery` (JSON); for `list` / `list-deliveries` `truncated` (true when `limit` left items out);
 * then the operation's own (`presentation.outputs`, e.g. `ensure`'s `result`), before the delivery's.
 */
export function setOutputs(result: OperationResult, presentation: Presentation = {}): void {
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
  Object.assign(outputs, presentation.outputs?.(result))
  if (result.delivery) {
    outputs.delivery_guid = result.delivery.guid
    outputs.delivery_status = result.delivery.status
    outputs.status_code = result.delivery.status_code
    outputs.duration = result.delivery.duration
  }
  for (const [name, value] of Object.entries(outputs)) {
    if (value !== undefined) core.setOutput(name, redact(typeof value === 'string' ? value : JSON.stringify(value)))
  }
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
 * outcome word); then the operation's own (`presentation.fleetOutputs`, e.g. `audit-secret`'s `audit`).
 */
export function setFleetOutputs(results: readonly TargetResult[], counts: FleetCounts, presentation: Presentation = {}): void {
  core.setOutput('results', redact(JSON.stringify(results.map(resultEntry))))
  for (const [name, value] of Object.entries(counts)) core.setOutput(name, String(value))
  const tally: Record<string, number> = {}
  for (const result of results) tally[result.result] = (tally[result.result] ?? 0) + 1
  core.setOutput('result_counts', JSON.stringify(tally))
  for (const [name, value] of Object.entries(presentation.fleetOutputs?.(results) ?? {})) core.setOutput(name, value)
}
