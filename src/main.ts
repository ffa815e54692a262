/**
 * The action's run: mask secrets → validate inputs → call the hooks endpoints → set outputs and
 * write the job summary. Any failure fails the step with an `::error::` that says what to fix.
 * Every message passes through `redact`, so no secret, token or URL credential is printed even
 * where the runner's masking does not reach (a local run, a copied log).
 */
import * as core from '@actions/core'
import { describeApiError, isApiError } from './github/api-error.js'
import { appAuthStrategy, clientFactory, type ClientFactory } from './github/client.js'
import { runFleet, type FleetOptions } from './jobs/fleet.js'
import { scaledClock, timeScaleOf, type Clock } from './model.js'
import { getRequest, InputError, loadWebhooksFile, type WebhookRequest } from './inputs/input-helper.js'
import { maskSecretInputs } from './inputs/credentials.js'
import { runOperation } from './jobs/operations.js'
import { rotateSecrets, type RotationOptions, type RotationPlan } from './jobs/rotate.js'
import {
  fleetFailure,
  hookPresence,
  logResult,
  progressTicker,
  setFleetOutputs,
  setOutputs,
  writeFailureSummary,
  writeFleetSummary,
  writeInventory,
  writePacing,
  writePlan,
  writeSummary
} from './report/outputs.js'
import { utcTime } from './github/pacing.js'
import { withEtags } from './github/etags.js'
import { applyPlan, computePlan, exportEntries, PLAN_ACTIONS, planCounts, SECRET_NOT_CHECKED } from './jobs/plan.js'
import type { WebhooksFile } from './model.js'
import { countResults, type FleetCounts, type TargetResult } from './jobs/fleet.js'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import webhooksSchema from './webhooks.schema.json' with { type: 'json' }
import { maskUrlCredentials, redact, trustApiRoot } from './github/redact.js'
import { describeSelection, selectRepositories, SelectionError } from './github/selection.js'
import { describeTarget, type Target } from './github/scopes.js'

/** The results reported so far by the run in progress (for {@link unfinishedRunGuard}). */
let reported: TargetResult[] = []

/**
 * Runs the action once; never throws (failures go to `core.setFailed`). Should the process be about to
 * exit while the run is still waiting for something that can never come (a defect), the step fails
 * with an internal error that names what was waiting, with the results so far: never an exit code
 * without a message.
 */
export async function run(): Promise<void> {
  let request: WebhookRequest | undefined
  let makeClient: ClientFactory | undefined
  const started = Date.now()
  reported = []
  const guard = (): void => void unfinishedRunGuard(request, makeClient, started)
  process.once('beforeExit', guard)
  try {
    maskSecretInputs()
    request = getRequest()
    // The webhooks file is read and validated, and its secrets masked, before anything else is printed.
    const file = request.targets.kind === 'file' ? await loadWebhooksFile(request.targets) : undefined
    trustApiRoot(request.connection.api_url)
    for (const warning of request.warnings) core.warning(redact(warning))
    const timeScale = timeScaleOf(process.env)
    const appAuth = request.connection.app ? await appAuthStrategy() : undefined
    const onWait = (message: string): void => core.warning(redact(message))
    makeClient = clientFactory(request.connection, { retries: request.retries, dryRun: request.dry_run, timeScale, appAuth, onWait })
    const clock = scaledClock(timeScale)
    if (file) await runFile(request, file, makeClient, clock)
    else if (request.targets.kind === 'one' && request.operation !== 'export' && request.operation !== 'inventory')
      await runOne(request, request.targets.target, makeClient, clock)
    else if (request.targets.kind === 'one') await runMany(request, [request.targets.target], undefined, makeClient, clock)
    else await runSelection(request, makeClient, clock)
  } catch (error) {
    const problems = describeFailure(error, request).map(redact)
    const places = error instanceof InputError ? error.places : undefined
    if (places && places.length === problems.length) {
      // A webhooks file's problems: annotations on the file's lines, which GitHub shows on a pull request's diff.
      problems.forEach((problem, k) => core.error(problem, { file: places[k].file, startLine: places[k].line, startColumn: places[k].column }))
      process.exitCode = 1
    } else {
      problems.slice(0, -1).forEach((problem) => core.error(problem))
      core.setFailed(problems[problems.length - 1])
    }
    await writeFailureSummary(request, problems)
  } finally {
    process.off('beforeExit', guard)
    if (makeClient) {
      await writePacing(makeClient.pacer.stats(), Date.now() - started)
      await makeClient.pacer.close()
    }
  }
}

/**
 * Node's event loop emptied while {@link run} had not finished: nothing (no timer, no socket) would
 * ever settle what it waits for. Fails the step saying so, with what the pacer still held and the
 * results reported so far (output `results`, counts, the job summary).
 */
async function unfinishedRunGuard(request: WebhookRequest | undefined, makeClient: ClientFactory | undefined, started: number): Promise<void> {
  const holding = makeClient ? makeClient.pacer.describeQueue() : 'nothing queued in the pacer'
  const problem = `internal error: the run stopped waiting with work unfinished (${holding}); ${reported.length} result${reported.length === 1 ? ' was' : 's were'} reported before it (above). Run again; please report this.`
  core.setFailed(redact(problem))
  if (reported.length > 0) setFleetOutputs(reported, countResults(reported))
  await writeFailureSummary(
    request,
    [problem, ...reported.map((result) => `${result.name}: ${result.result}${result.error ? ` (${result.error})` : ''}`)].map(redact)
  )
  if (makeClient) await writePacing(makeClient.pacer.stats(), Date.now() - started)
}

/** One repository or organization: its outputs and summary; an error fails the step as GitHub answered it. */
async function runOne(request: WebhookRequest, target: Target, makeClient: ClientFactory, clock: Clock): Promise<void> {
  if (request.operation === 'rotate-secret') return runMany(request, [target], undefined, makeClient, clock)
  const fleet = await runFleet([{ target }], makeClient, (client, item) => runOperation(client, item.target, request, clock), { fail_fast: true })
  const [{ operation: result, thrown }] = fleet.results
  if (!result) throw thrown
  maskUrlCredentials(result) // hooks from the API may carry credentials in their URLs
  core.info(redact(result.message))
  if (result.warning) core.warning(redact(result.warning))
  if (result.notice) core.notice(redact(result.notice))
  setOutputs(result)
  setFleetOutputs(fleet.results, fleet.counts)
  await writeSummary(request, target, result)
  if (result.failure) core.setFailed(redact(result.failure))
}

/** The repositories `repositories` selects, listed from the API, then {@link runMany}. */
async function runSelection(request: WebhookRequest, makeClient: ClientFactory, clock: Clock): Promise<void> {
  if (request.targets.kind !== 'repositories') return
  const { targets, report } = await selectRepositories(makeClient(), request.targets.selection, { writes: request.writes })
  const selected = describeSelection(targets.length, report)
  core.info(redact(selected))
  // `export` and `inventory` read the organization's own hooks too when `org` is given.
  const org: Target[] = request.also_org ? [{ scope: 'org', org: request.also_org }] : []
  await runMany(request, [...targets, ...org], selected, makeClient, clock)
}

/**
 * Several targets (or the hooks of one, for `rotate-secret`): each result logged as it finishes,
 * then the `results` output and counts, the summary table, and a failed step listing what failed.
 * With exactly one result of a plain operation, the outputs of a single run are set too.
 * @param selected the line that says what `repositories` selected, for the summary
 */
async function runMany(
  request: WebhookRequest,
  targets: Target[],
  selected: string | undefined,
  makeClient: ClientFactory,
  clock: Clock
): Promise<void> {
  const { options, ticker } = fleetProgress(request, makeClient, targets.length)
  const fleet = await (
    request.operation === 'rotate-secret'
      ? rotateSecrets(
          targets,
          makeClient,
          request.hook,
          { ...rotation(request), onSurveyed: (line) => (core.info(redact(line)), ticker.touch()) },
          options,
          clock
        )
      : runFleet(
          targets.map((target) => ({ target })),
          makeClient,
          (client, item) => runOperation(client, item.target, request, clock),
          options
        )
  ).finally(() => ticker.stop())
  if (request.operation === 'export') await writeExport(request, fleet.results)
  if (request.operation === 'inventory') {
    const failure = await writeInventory(request, fleet.results)
    if (failure) core.setFailed(redact(failure))
  }
  const having = hookPresence(fleet.results)
  if (having) core.info(redact(having))
  const only = request.operation !== 'rotate-secret' && fleet.results.length === 1 ? fleet.results[0].operation : undefined
  if (only) setOutputs(only)
  setFleetOutputs(fleet.results, fleet.counts)
  await writeFleetSummary(request, selected, fleet.results, fleet.counts)
  failFleet(request, fleet, makeClient, 'not done')
}

/**
 * The fleet options of a run over several targets (`fail_fast`, `max_writes`, `absent_ok` over
 * `repositories`) that log each result as it finishes, and the ticker that logs a progress line when
 * nothing else was logged for 10 s (how far the run is, and the wait GitHub asked for if any). Stop
 * the ticker when the run ends.
 * @param total how many results the run expects
 */
function fleetProgress(
  request: WebhookRequest,
  makeClient: ClientFactory,
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
function failFleet(
  request: WebhookRequest,
  fleet: { results: TargetResult[]; counts: FleetCounts },
  makeClient: ClientFactory,
  undone: string
): void {
  // The run's stop, or else hook creations' (a content-creation block, the hourly budget) when it left work undone.
  const creations = fleet.counts.skipped > 0 ? makeClient.pacer.creationStop() : undefined
  const stop = makeClient.pacer.stop() ?? creations
  if (fleet.counts.failed > 0) core.setFailed(redact([fleetFailure(request, fleet.results), ...(stop ? [stop.message] : [])].join('\n')))
  else if (stop) core.setFailed(redact(`${fleet.counts.skipped} of ${fleet.results.length} ${undone}: ${stop.message}`))
}

/**
 * `plan` / `apply` of a webhooks file: the plan (outputs `plan`, `plan_counts`, `plan_file`, and the
 * job summary), failing the step with `fail_on_drift` when it would change anything (targets that
 * could not be planned, `ambiguous` or `failed`, count as drift); `apply` then carries it out as a
 * fleet (`results`, counts, the fleet summary). `apply` with `dry_run` stops after the plan: it is
 * what apply would do, and nothing is written.
 */
async function runFile(request: WebhookRequest, file: WebhooksFile, factory: ClientFactory, clock: Clock): Promise<void> {
  // The plan's hooks lists are read again by apply right before it writes: with their ETags
  // (src/github/etags.ts, this run only) those reads are answered 304 when nothing changed, free of the
  // primary budget.
  const makeClient = withEtags(factory)
  const plan = await computePlan(makeClient(), file, { warn: (message) => core.warning(redact(message)) })
  const counts = planCounts(plan)
  core.info(redact(`Plan of ${file.path}: ${PLAN_ACTIONS.map((action) => `${counts[action]} ${action}`).join(', ')}.`))
  for (const item of plan.filter((item) => item.error !== undefined)) {
    core.warning(redact(`${item.name} on ${describeTarget(item.target)}: ${item.action}: ${item.error}`))
  }
  // A refused proof writes nothing (GitHub holds the wanted secret), but the hook does not work: said, never green in silence.
  for (const item of plan.filter((item) => item.finding !== undefined)) {
    core.warning(redact(`${item.name} on ${describeTarget(item.target)} (webhook ${item.hook_id}): ${item.finding}`))
  }
  await writePlan(plan, file.path)
  const drift = plan.length - counts.unchanged
  if (request.operation === 'plan') {
    // A secret not checked (its variable unset in this run) cannot be vouched for: said, and with
    // fail_on_drift a failure, so that a drift check missing one env line does not pass green.
    const unchecked = plan.filter((item) => item.note === SECRET_NOT_CHECKED).map((item) => `${item.name} on ${describeTarget(item.target)}`)
    if (unchecked.length > 0) {
      const which = `${unchecked.slice(0, 10).join(', ')}${unchecked.length > 10 ? ` and ${unchecked.length - 10} more` : ''}`
      const said = `${unchecked.length} of ${plan.length} planned without checking the secret (its secret_env variable is not set in this run): ${which}.`
      if (request.fail_on_drift) core.setFailed(redact(`${said} fail_on_drift cannot vouch for them: set the variables in the step's env.`))
      else core.warning(redact(said))
    }
    if (request.fail_on_drift && drift > 0)
      core.setFailed(redact(`Drift: ${drift} of ${plan.length} would change (fail_on_drift): see the plan in the job summary.`))
    return
  }
  if (request.dry_run) {
    core.info(redact(`Dry run: nothing was written; apply would carry out this plan (${drift} of ${plan.length} to change).`))
    return
  }
  const { options, ticker } = fleetProgress(request, makeClient, plan.length)
  const applied = await applyPlan(plan, file, makeClient, { timeout_ms: request.wait_timeout * 1000, clock }, options).finally(() => ticker.stop())
  const { conditional, notModified } = makeClient.etags
  if (conditional > 0)
    core.info(
      `${notModified} of ${conditional} ${conditional === 1 ? 'hooks list' : 'hooks lists'} read again ${conditional === 1 ? 'was' : 'were'} answered 304 Not Modified (free of the primary budget).`
    )
  setFleetOutputs(applied.results, applied.counts)
  await writeFleetSummary(request, `Applied the plan of ${file.path}.`, applied.results, applied.counts)
  failFleet(request, applied, makeClient, 'not applied')
}

/**
 * `export`: the hooks read from every target, grouped into a webhooks file written to `file` (output
 * `file`); with no hook to write as an entry, no file (a file without entries is one `plan` refuses), and a warning.
 */
async function writeExport(request: WebhookRequest, results: readonly TargetResult[]): Promise<void> {
  const read = results.flatMap((result) => (result.operation?.hooks ? [{ target: result.target, hooks: result.operation.hooks }] : []))
  const { entries, left_out, shared_url, no_url } = exportEntries(read)
  if (no_url.length > 0) {
    core.warning(
      redact(
        `Not exported, because they have no URL (legacy service hooks, which a webhooks file cannot declare): ${no_url.join(', ')}. They are left as they are.`
      )
    )
  }
  if (shared_url.length > 0) {
    core.warning(
      redact(
        `Not exported, because they share their URL with another webhook of the same repository or organization (different events, or duplicates): ${shared_url.join('; ')}. A webhooks file holds one hook per URL and target; these are left as they are. To manage them as code, keep one webhook per URL (merge their events into one, or delete the duplicate with operation: delete and hook_id), then export again.`
      )
    )
  }
  if (left_out.length > 0) {
    core.warning(
      `Not exported, because their URLs carry credentials that do not belong in a committed file: ${left_out.join(', ')}. Move the credential out of the URL (a receiver can check X-Hub-Signature-256 instead), then export again.`
    )
  }
  if (entries.length === 0) {
    // A file with no entry is one plan refuses (hooks: is empty): none is written, and the step says so.
    core.warning(redact(`Nothing to export: no webhook to write as an entry was found, so ${request.file} was not written (output 'file' is empty).`))
    return
  }
  mkdirSync(dirname(request.file), { recursive: true })
  const { renderWebhooksFile, schemaUrl, WEBHOOKS_SCHEMA_REFERENCE } = await import('./inputs/webhooks-file.js')
  // The schema of the action's own release; without one (uses: ./, a local run), a copy next to the file.
  const schema = schemaUrl(process.env)
  if (schema === undefined) writeFileSync(join(dirname(request.file), 'webhooks.schema.json'), `${JSON.stringify(webhooksSchema, null, 2)}\n`)
  writeFileSync(request.file, renderWebhooksFile(entries, undefined, schema ?? WEBHOOKS_SCHEMA_REFERENCE))
  core.setOutput('file', request.file)
  const secrets = entries.filter((entry) => entry.secret_set).map((entry) => entry.secret_env)
  core.info(
    redact(
      `Exported ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} to ${request.file}${secrets.length > 0 ? `; set ${secrets.join(', ')} from your secrets before a plan` : ''}.`
    )
  )
}

/** The options of `rotate-secret` from the request. */
function rotation(request: WebhookRequest): RotationOptions & RotationPlan {
  const { secret } = request.config
  if (secret === undefined) throw new Error('internal error: rotate-secret without a secret')
  return {
    secret,
    previous_secret: request.previous_secret,
    timeout_ms: request.wait_timeout * 1000,
    dryRun: request.dry_run,
    canary: request.canary,
    batch_size: request.batch_size,
    max_failures: request.max_failures,
    rotate_unknown: request.rotate_unknown
  }
}

/** The error messages of a failure: one per invalid input, or one for an API or lookup error. */
function describeFailure(error: unknown, request: WebhookRequest | undefined): string[] {
  if (error instanceof InputError || error instanceof SelectionError) return error.problems
  // An API error outside a target's run: listing the repositories of `repositories`.
  const scope = request?.targets.kind === 'one' ? request.targets.target.scope : 'repo'
  if (isApiError(error)) return [describeApiError(error, scope)]
  return [error instanceof Error ? error.message : String(error)]
}
