/**
 * The action's run: mask secrets → validate the inputs into one request (./inputs) → the paced
 * client (./github) → the operation's module, from the operation table (./operations.ts), run over
 * the request's targets (./operations/run.ts), which sets the outputs and writes the job summary
 * (./report) → how the run was paced. It knows no operation by name. Any failure fails the step
 * with an `::error::` that says what to fix.
 * Every message passes through `redact`, so no secret, token or URL credential is printed even
 * where the runner's masking does not reach (a local run, a copied log).
 */
import * as core from '@actions/core'
import {
  appAuthStrategy,
  clientFactory,
  describeApiError,
  isApiError,
  redact,
  SelectionError,
  trustApiRoot,
  type ClientFactory
} from './github/index.js'
import { countResults } from './jobs/index.js'
import { getRequest, InputError, loadWebhooksFile, maskSecretInputs } from './inputs/index.js'
import { scaledClock, timeScaleOf, type WebhookRequest } from './model.js'
import { OPERATION_TABLE, operationModule } from './operations.js'
import { reportedSoFar, runRequest, startRun } from './operations/run.js'
import { setFleetOutputs, writeFailureSummary, writePacing } from './report/index.js'

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
  startRun()
  const guard = (): void => void unfinishedRunGuard(request, makeClient, started)
  process.once('beforeExit', guard)
  try {
    maskSecretInputs()
    request = getRequest(OPERATION_TABLE)
    // The webhooks file is read and validated, and its secrets masked, before anything else is printed.
    const file = request.targets.kind === 'file' ? await loadWebhooksFile(request.targets) : undefined
    trustApiRoot(request.connection.api_url)
    for (const warning of request.warnings) core.warning(redact(warning))
    const timeScale = timeScaleOf(process.env)
    const appAuth = request.connection.app ? await appAuthStrategy() : undefined
    const onWait = (message: string): void => core.warning(redact(message))
    makeClient = clientFactory(request.connection, { retries: request.retries, dryRun: request.dry_run, timeScale, appAuth, onWait })
    await runRequest(operationModule(request.operation), { request, makeClient, clock: scaledClock(timeScale), file })
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
  const reported = reportedSoFar()
  const problem = `internal error: the run stopped waiting with work unfinished (${holding}); ${reported.length} result${reported.length === 1 ? ' was' : 's were'} reported before it (above). Run again; please report this.`
  core.setFailed(redact(problem))
  if (reported.length > 0) setFleetOutputs(reported, countResults(reported), request && operationModule(request.operation))
  await writeFailureSummary(
    request,
    [problem, ...reported.map((result) => `${result.name}: ${result.result}${result.error ? ` (${result.error})` : ''}`)].map(redact)
  )
  if (makeClient) await writePacing(makeClient.pacer.stats(), Date.now() - started)
}

/** The error messages of a failure: one per invalid input, or one for an API or lookup error. */
function describeFailure(error: unknown, request: WebhookRequest | undefined): string[] {
  if (error instanceof InputError || error instanceof SelectionError) return error.problems
  // An API error outside a target's run: listing the repositories of `repositories`.
  const scope = request?.targets.kind === 'one' ? request.targets.target.scope : 'repo'
  if (isApiError(error)) return [describeApiError(error, scope)]
  return [error instanceof Error ? error.message : String(error)]
}
