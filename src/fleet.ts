/**
 * The one place that runs an operation over several targets and gathers one result per target: a
 * repository that fails does not stop the others (unless `fail_fast`), `max_writes` bounds how many
 * repositories are written, and each target reports as it finishes. Requests are paced by the
 * throttling plugin's limiters, which the clients of one factory share (at most 10 requests at once,
 * writes one second apart); `p-limit` only bounds how many targets are in progress.
 */
import pLimit from 'p-limit'
import { describeApiError, isApiError } from './api-error.js'
import type { ClientFactory } from './client.js'
import type { GitHubClient } from './model.js'
import type { OperationResult } from './operations.js'
import { targetName, type Target } from './target.js'

/**
 * How many targets are in progress at once. Above the throttling plugin's 10 concurrent requests, so
 * that targets waiting for their turn to write (one write per second) do not leave it idle.
 */
export const FLEET_CONCURRENCY = 20

/** What happened on one target. */
export interface TargetResult {
  target: Target
  /** `owner/name`, or the organization's login. */
  name: string
  /** The operation's outcome word ({@link OperationResult.outcome}), or `failed` / `skipped`. */
  result: string
  hook_id?: number
  /** Why it failed or was skipped: GitHub's answer, the receiver's, or the run's limit. */
  error?: string
  /** True when the hook was created, changed or deleted (in a dry run: would be). */
  changed: boolean
  /** The operation's own result; absent when it threw or did not run. */
  operation?: OperationResult
  /** What the operation threw, as thrown; absent otherwise. */
  thrown?: unknown
}

/** Totals over the targets: `succeeded` + `failed` + `skipped` = the number of targets. */
export interface FleetCounts {
  succeeded: number
  failed: number
  /** Targets whose hook was created, changed or deleted (in a dry run: would be); part of `succeeded`. */
  changed: number
  skipped: number
}

/** Options of {@link runFleet}. */
export interface FleetOptions {
  /** Start no further target after the first failure; those not started are `skipped`. */
  fail_fast: boolean
  /**
   * Most targets written: a target's first write (POST, PATCH, DELETE) takes one unit, its further
   * writes are free; once none is left, a target about to write is refused before anything is sent
   * and reported `skipped`. Undefined: no limit.
   */
  max_writes?: number
  /** Targets in progress at once (default {@link FLEET_CONCURRENCY}). */
  concurrency?: number
  /** Told each result as its target finishes, with its position: `done` of `total`. */
  onResult?: (result: TargetResult, done: number, total: number) => void
}

/** A target that was not run, or refused its first write, because of a limit of the run. */
class NotRun extends Error {}

/**
 * Runs `operation` on every target, each with a client of its own from `makeClient` (clients of one
 * factory share the rate limiters), and gathers the results in the order of `targets`.
 * Never throws for a target's failure: it becomes that target's result.
 * @param operation the operation bound to the request, as a function of a client and a target
 * @returns one result per target, and the totals
 */
export async function runFleet(
  targets: readonly Target[],
  makeClient: ClientFactory,
  operation: (client: GitHubClient, target: Target) => Promise<OperationResult>,
  options: FleetOptions
): Promise<{ results: TargetResult[]; counts: FleetCounts }> {
  const limit = pLimit(options.concurrency ?? FLEET_CONCURRENCY)
  let writes = 0
  let done = 0
  let stoppedBy: string | undefined

  const runOne = async (target: Target): Promise<TargetResult> => {
    const name = targetName(target)
    if (stoppedBy !== undefined)
      return { target, name, result: 'skipped', changed: false, error: `not run: fail_fast stopped the run after ${stoppedBy} failed` }
    let writing = false
    const client = makeClient({
      beforeWrite: () => {
        if (writing) return
        if (options.max_writes !== undefined && writes >= options.max_writes) {
          throw new NotRun(`not written: max_writes (${options.max_writes}) was reached; run again to continue`)
        }
        writes++
        writing = true
      }
    })
    try {
      const result = await operation(client, target)
      const base = { target, name, hook_id: result.hook_id, operation: result }
      if (result.failure) return { ...base, result: 'failed', changed: result.changed ?? false, error: result.failure }
      return { ...base, result: result.outcome, changed: result.changed ?? false }
    } catch (error) {
      if (error instanceof NotRun) return { target, name, result: 'skipped', changed: false, error: error.message }
      return { target, name, result: 'failed', changed: false, error: errorText(error, target), thrown: error }
    }
  }

  const results = await Promise.all(
    targets.map((target) =>
      limit(async () => {
        const result = await runOne(target)
        if (result.result === 'failed' && options.fail_fast) stoppedBy ??= result.name
        options.onResult?.(result, ++done, targets.length)
        return result
      })
    )
  )
  return { results, counts: countResults(results) }
}

/** The totals of a list of results. */
export function countResults(results: readonly TargetResult[]): FleetCounts {
  const failed = results.filter((result) => result.result === 'failed').length
  const skipped = results.filter((result) => result.result === 'skipped').length
  const changed = results.filter((result) => result.changed && result.result !== 'skipped').length
  return { succeeded: results.length - failed - skipped, failed, changed, skipped }
}

/** An error as the text of a target's result: GitHub's answer (without the token hint, given once for the run) or the message. */
function errorText(error: unknown, target: Target): string {
  if (isApiError(error)) return describeApiError(error, target.scope, { hint: false })
  return error instanceof Error ? error.message : String(error)
}
