/**
 * The run of an operation over the request's targets, the same for every operation: one target (its
 * outputs and summary), or the repositories `repositories` selects, listed from the API first, run as
 * a fleet (each result logged as it finishes, progress while nothing else is logged, then `results`,
 * the counts, the fleet table, and a failed step listing what failed). An operation module says how
 * it runs on a target ({@link OperationModule}); one that takes the whole run (`plan`, `apply`) uses
 * {@link fleetProgress} and {@link failFleet} from here.
 */
import * as core from '@actions/core'
import {
  describeSelection,
  maskUrlCredentials,
  redact,
  selectRepositories,
  SCOPE_TRAITS,
  utcTime,
  type ClientFactory,
  type Target
} from '../github/index.js'
import { runFleet, type FleetOptions, type OperationResult, type TargetResult } from '../jobs/index.js'
import { realClock, type Clock, type GitHubClient, type WebhookRequest } from '../model.js'
import {
  fleetFailure,
  hookPresence,
  logResult,
  progressTicker,
  setFleetOutputs,
  setOutputs,
  writeFleetSummary,
  writeSummary,
  type Presentation
} from '../report/index.js'
import type { FleetRun, OperationModule, RunContext, TargetRequest } from './operation.js'

/** The results reported so far by the run in progress (for the guard of src/main.ts, {@link reportedSoFar}). */
let reported: TargetResult[] = []

/** The results the run in progress has reported so far, in the order they finished. */
export function reportedSoFar(): readonly TargetResult[] {
  return reported
}

/** Starts a run: no result reported yet. */
export function startRun(): void {
  reported = []
}

/**
 * Runs `operation` over the request's targets: the whole run when the operation takes it (`runAll`),
 * else one target (reported as a single run unless the operation is `fleetOnly`), else the
 * repositories `repositories` selects, with the organization `org` when the request adds it.
 */
export async function runRequest(operation: OperationModule, context: RunContext): Promise<void> {
  const { request } = context
  if (operation.runAll) return operation.runAll(context)
  if (request.targets.kind === 'one' && !operation.fleetOnly) return runOne(operation, context, request.targets.target)
  if (request.targets.kind === 'one') return runMany(operation, context, [request.targets.target], undefined)
  if (request.targets.kind !== 'repositories') throw new Error(`internal error: ${request.operation} has no run over ${request.targets.kind} targets`)
  const { targets, report } = await selectRepositories(context.makeClient(), request.targets.selection, { writes: request.writes })
  const selected = describeSelection(targets.length, report)
  core.info(redact(selected))
  // `export` and `inventory` read the organization's own hooks too when `org` is given.
  const org: Target[] = request.also_org ? [{ scope: 'org', org: request.also_org }] : []
  await runMany(operation, context, [...targets, ...org], selected)
}

/**
 * Runs `operation` on one target with the request bound to it. A target's one webhook (a GitHub
 * App's) has no id to report; a result that fails the step says so in its outcome word.
 * @param clock the clock of the pacing waits (polls for a delivery); the real one by default
 * @throws what the operation throws: HookLookupError, Octokit's `RequestError` on API errors
 */
export async function runOnTarget(
  operation: OperationModule,
  client: GitHubClient,
  target: Target,
  webhookRequest: WebhookRequest,
  clock: Clock = realClock
): Promise<OperationResult> {
  if (!operation.run) throw new Error(`internal error: ${webhookRequest.operation} does not run on one target at a time`)
  const request: TargetRequest = { ...webhookRequest, target }
  const ran = await operation.run(client, request, clock)
  const result = SCOPE_TRAITS[target.scope].hooks ? ran : { ...ran, hook_id: undefined }
  return result.failure && !FAILING_OUTCOMES.includes(result.outcome) ? { ...result, outcome: 'failed' } : result
}

/** Outcome words that already say the operation failed (`rotate-secret`'s rollback, an audit's mismatch). */
const FAILING_OUTCOMES: readonly string[] = ['failed', 'rolled-back', 'mismatch', 'unhealthy']

/** One repository or organization: its outputs and summary; an error fails the step as GitHub answered it. */
async function runOne(operation: OperationModule, context: RunContext, target: Target): Promise<void> {
  const { request, makeClient } = context
  const fleet = await runFleet([{ target }], makeClient, (client, item) => runOnTarget(operation, client, item.target, request, context.clock), {
    fail_fast: true
  })
  const [{ operation: result, thrown }] = fleet.results
  if (!result) throw thrown
  maskUrlCredentials(result) // hooks from the API may carry credentials in their URLs
  core.info(redact(result.message))
  if (result.warning) core.warning(redact(result.warning))
  if (result.notice) core.notice(redact(result.notice))
  setOutputs(result, operation)
  setFleetOutputs(fleet.results, fleet.counts, operation)
  await writeSummary(request, target, result, operation)
  if (result.failure) core.setFailed(redact(result.failure))
}

/**
 * Several targets (or the hooks of one, for an operation that runs over all targets at once): each
 * result logged as it finishes, then what the operation makes of all results (`finish`), the
 * `results` output and counts, the summary table, and a failed step listing what failed. With
 * exactly one result per target and one target, the outputs of a single run are set too.
 * @param selected the line that says what `repositories` selected, for the summary
 */
async function runMany(operation: OperationModule, context: RunContext, targets: Target[], selected: string | undefined): Promise<void> {
  const { request, makeClient } = context
  const { options, ticker } = fleetProgress(context, targets.length)
  const log = (line: string): void => (core.info(redact(line)), ticker.touch())
  const fleet = await (
    operation.runTargets
      ? operation.runTargets(targets, context, options, log)
      : runFleet(
          targets.map((target) => ({ target })),
          makeClient,
          (client, item) => runOnTarget(operation, client, item.target, request, context.clock),
          options
        )
  ).finally(() => ticker.stop())
  const failure = await operation.finish?.(request, fleet.results)
  if (failure) core.setFailed(redact(failure))
  const having = hookPresence(fleet.results)
  if (having) core.info(redact(having))
  const only = operation.resultsPer !== 'hook' && fleet.results.length === 1 ? fleet.results[0].operation : undefined
  if (only) setOutputs(only, operation)
  setFleetOutputs(fleet.results, fleet.counts, operation)
  await writeFleetSummary(request, selected, fleet.results, fleet.counts, operation)
  failFleet(fleet, makeClient, 'not done', operation)
}

/**
 * The fleet options of a run over several targets (`fail_fast`, `max_writes`, `absent_ok` over
 * `repositories`) that log each result as it finishes, and the ticker that logs a progress line when
 * nothing else was logged for 10 s (how far the run is, and the wait GitHub asked for if any). Stop
 * the ticker when the run ends.
 * @param total how many results the run expects
 */
export function fleetProgress(
  { request, makeClient }: Pick<RunContext, 'request' | 'makeClient'>,
  total: number
): { options: FleetOptions; ticker: ReturnType<typeof progressTicker> } {
  let progress = { done: 0, total }
  const ticker = progressTicker(() => {
    const pause = makeClient.pacer.pausedUntil()
    const waiting = pause ? `; waiting until ${utcTime(new Date(pause.until))} for ${pause.reason}` : ''
    return `${progress.done} of ${progress.total} done, ${makeClient.pacer.requests.toLocaleString('en-US')} requests sent${waiting}.`
  })
  const options: FleetOptions = {
    fail_fast: request.fail_fast,
    max_writes: request.max_writes,
    // Over many repositories, some lack the hook: a result of its own, not a failure.
    absent_ok: request.targets.kind === 'repositories',
    onResult(result, done, total) {
      if (result.operation) maskUrlCredentials(result.operation)
      reported.push(result)
      logResult(result, done, total)
      progress = { done, total }
      ticker.touch()
    }
  }
  return { options, ticker }
}

/**
 * Fails the step when targets of the run failed (listing them), or when GitHub's rate limits stopped
 * the run, or stopped hook creations with work left undone (saying how many were `undone`, e.g.
 * `not done`, and when to run again).
 */
export function failFleet(fleet: FleetRun, makeClient: ClientFactory, undone: string, presentation: Presentation = {}): void {
  // The run's stop, or else hook creations' (a content-creation block, the hourly budget) when it left work undone.
  const creations = fleet.counts.skipped > 0 ? makeClient.pacer.creationStop() : undefined
  const stop = makeClient.pacer.stop() ?? creations
  if (fleet.counts.failed > 0) core.setFailed(redact([fleetFailure(fleet.results, presentation), ...(stop ? [stop.message] : [])].join('\n')))
  else if (stop) core.setFailed(redact(`${fleet.counts.skipped} of ${fleet.results.length} ${undone}: ${stop.message}`))
}
