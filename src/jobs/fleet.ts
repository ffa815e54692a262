/**
 * The one place that runs an operation over several targets and gathers one result per target: a
 * repository that fails does not stop the others (unless `fail_fast`), `max_writes` bounds how many
 * repositories are written, and each target reports as it finishes. Requests are paced by the run's
 * one pacer (../github/pacing.ts), which the clients of one factory share; `p-limit` only bounds how many
 * targets are in progress. Once GitHub stopped the run (the pacer's {@link RateLimitStop}), targets
 * not started are `skipped`, and so is one the stop cut short before it wrote anything.
 */
import pLimit from 'p-limit'
import {
  describeApiError,
  isApiError,
  type ClientFactory,
  HookLookupError,
  RateLimitStop,
  SCOPE_TRAITS,
  targetName,
  type Target
} from '../github/index.js'
import { RunLimit, type GitHubClient, type Hook } from '../model.js'
import type { OperationResult } from './result.js'

/**
 * How many targets are in progress at once. Above the pacer's 10 requests in flight, so
 * that targets waiting for their turn to write (one write per second) do not leave it idle.
 */
export const FLEET_CONCURRENCY = 20

/** What the fleet runs an operation on: a target, or one hook of a target (`rotate-secret`). */
export interface FleetItem {
  target: Target
  hook?: Hook
}

/** What happened on one target (or one hook of it). */
export interface TargetResult {
  target: Target
  /** `owner/name`, or the organization's login. */
  name: string
  /**
   * The operation's outcome word ({@link OperationResult.outcome}; a failing one is `failed`,
   * `rolled-back` or `mismatch`), or `failed` when it threw, or `skipped`.
   */
  result: string
  /** False when the operation threw or reported a failure, or did not run (`skipped`). */
  ok: boolean
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

/** Totals over the results: `succeeded` + `failed` + `skipped` = the number of results. */
export interface FleetCounts {
  /** Results that did what was asked, `absent` ones included (a repository without the hook). */
  succeeded: number
  /** Targets without the hook the operation names (`absent`); part of `succeeded`. */
  absent: number
  failed: number
  /** Results whose hook was created, changed or deleted (in a dry run: would be); part of `succeeded` or `failed`. */
  changed: number
  skipped: number
}

/** Options of {@link runFleet}. */
export interface FleetOptions {
  /** Start no further item after the first failure; those not started are `skipped`. */
  fail_fast: boolean
  /**
   * Most items written: an item's first write (POST, PATCH, DELETE) takes one unit, its further
   * writes are free; once none is left, an item about to write is refused before anything is sent
   * and reported `skipped`. Undefined: no limit.
   */
  max_writes?: number
  /** Items in progress at once (default {@link FLEET_CONCURRENCY}). */
  concurrency?: number
  /** Told each result as its item finishes, with its position: `done` of `total`. */
  onResult?: (result: TargetResult, done: number, total: number) => void
  /** Shared by the calls of one run (the phases of `rotate-secret`): writes, positions, the fail_fast stop. */
  state?: FleetState
  /**
   * A target without the hook the operation names by `url` is a result of its own, `absent` (not a
   * failure), instead of an error: for runs over many repositories, where some lack the hook.
   */
  absent_ok?: boolean
}

/** The counters of one run, across its calls of {@link runFleet}. */
export interface FleetState {
  /** Items written so far (see {@link FleetOptions.max_writes}). */
  writes: number
  /** Results reported so far. */
  done: number
  /** How many results the run reports, for `[done/total]`. */
  total: number
  /** The name of the first item that failed, once `fail_fast` stopped the run. */
  stoppedBy?: string
}

/** Fresh counters for a run that will report `total` results. */
export function fleetState(total: number): FleetState {
  return { writes: 0, done: 0, total }
}

/** Reports a result decided without running the operation (a hook already rotated, one not started). */
export function report(result: TargetResult, options: FleetOptions, state: FleetState): TargetResult {
  options.onResult?.(result, ++state.done, state.total)
  return result
}

/**
 * Runs `operation` on every item (a target, or a hook of one), each with a client of its own from
 * `makeClient` (clients of one factory share the rate limiters), and gathers the results in the
 * order of `items`. Never throws for an item's failure: it becomes that item's result.
 * @param operation the operation bound to the request, as a function of a client and an item
 * @returns one result per item, and the totals
 */
export async function runFleet<T extends FleetItem>(
  items: readonly T[],
  makeClient: ClientFactory,
  operation: (client: GitHubClient, item: T) => Promise<OperationResult>,
  options: FleetOptions
): Promise<{ results: TargetResult[]; counts: FleetCounts }> {
  const limit = pLimit(options.concurrency ?? FLEET_CONCURRENCY)
  const state = options.state ?? fleetState(items.length)

  const runOne = async (item: T): Promise<TargetResult> => {
    const { target } = item
    // A target's one webhook (a GitHub App's) has no id to report.
    const base = {
      target,
      name: targetName(target),
      hook_id: SCOPE_TRAITS[target.scope].hooks ? item.hook?.id : undefined,
      changed: false,
      ok: false
    }
    if (state.stoppedBy !== undefined)
      return { ...base, result: 'skipped', error: `not run: fail_fast stopped the run after ${state.stoppedBy} failed` }
    const stop = makeClient.pacer.stop()
    if (stop) return { ...base, result: 'skipped', error: `not run: ${stop.message}` }
    let writing = false
    let wrote = false
    const client = makeClient({
      beforeWrite: () => {
        if (writing) return
        if (state.stoppedBy !== undefined) throw new RunLimit(`not written: fail_fast stopped the run after ${state.stoppedBy} failed`)
        if (options.max_writes !== undefined && state.writes >= options.max_writes) {
          throw new RunLimit(`not written: max_writes (${options.max_writes}) was reached; run again to continue`)
        }
        state.writes++
        writing = true
      },
      beforeSend: () => {
        // Once fail_fast stopped the run, nothing more goes out for a target that has written nothing
        // (its writes and reads waiting in the pacer included); one that has written (a rotation
        // between its write and its rollback) finishes what it began.
        if (state.stoppedBy !== undefined && !wrote)
          throw new RunLimit(`not run to its end: fail_fast stopped the run after ${state.stoppedBy} failed`)
      },
      // A target that has written finishes what it began (verification, rollback) even once GitHub's limits stopped the run.
      finishing: () => wrote
    })
    client.hook.after('request', (_response, request) => {
      if (request.method !== 'GET') wrote = true
    })
    try {
      const result = await operation(client, item)
      const hook_id = SCOPE_TRAITS[target.scope].hooks ? (result.hook_id ?? base.hook_id) : undefined
      const done = { ...base, hook_id, result: result.outcome, changed: result.changed ?? false, operation: result }
      return result.failure ? { ...done, error: result.failure } : { ...done, ok: true }
    } catch (error) {
      return thrownResult(base, error, { wrote, absent_ok: options.absent_ok })
    }
  }

  const results = await Promise.all(
    items.map((item) =>
      limit(async () => {
        const result = await runOne(item)
        if (isFailure(result) && options.fail_fast) state.stoppedBy ??= result.name
        return report(result, options, state)
      })
    )
  )
  return { results, counts: countResults(results) }
}

/**
 * The result of an item whose operation threw `error`: `skipped` for the run's own limit
 * ({@link RunLimit}: `max_writes`, `fail_fast`) and for GitHub's stop ({@link RateLimitStop}) before
 * the item wrote anything; `absent` (ok) for a hook not found when `absent_ok`; otherwise `failed`
 * with GitHub's answer or the message.
 * @param base the result's fields but `result` (`ok` and `changed` false)
 * @param state.wrote whether the item sent a write before the error
 */
export function thrownResult(base: Omit<TargetResult, 'result'>, error: unknown, state: { wrote: boolean; absent_ok?: boolean }): TargetResult {
  if (error instanceof RunLimit) return { ...base, result: 'skipped', error: error.message }
  if (state.absent_ok && error instanceof HookLookupError && error.matches === 0) {
    return { ...base, result: 'absent', ok: true, error: undefined, operation: { message: `${base.name}: ${error.message}`, outcome: 'absent' } }
  }
  // GitHub stopped the run (or hook creations): nothing written here is skipped, to be continued by a rerun.
  if (error instanceof RateLimitStop && !state.wrote) return { ...base, result: 'skipped', error: `not run: ${error.message}`, thrown: error }
  if (error instanceof RateLimitStop) return { ...base, result: 'failed', error: `stopped after a write: ${error.message}`, thrown: error }
  return { ...base, result: 'failed', error: errorText(error, base.target), thrown: error }
}

/** True for a result that counts as failed: not ok, and not skipped. */
export function isFailure(result: TargetResult): boolean {
  return !result.ok && result.result !== 'skipped'
}

/** The totals of a list of results. */
export function countResults(results: readonly TargetResult[]): FleetCounts {
  const failed = results.filter(isFailure).length
  const skipped = results.filter((result) => result.result === 'skipped').length
  const changed = results.filter((result) => result.changed && result.result !== 'skipped').length
  const absent = results.filter((result) => result.result === 'absent').length
  return { succeeded: results.length - failed - skipped, absent, failed, changed, skipped }
}

/** An error as the text of an item's result: GitHub's answer (without the token hint, given once for the run) or the message. */
function errorText(error: unknown, target: Target): string {
  if (isApiError(error)) return describeApiError(error, target.scope, { hint: false })
  return error instanceof Error ? error.message : String(error)
}
