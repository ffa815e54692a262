/**
 * The action's run: mask secrets → validate inputs → call the hooks endpoints → set outputs and
 * write the job summary. Any failure fails the step with an `::error::` that says what to fix.
 * Every message passes through `redact`, so no secret, token or URL credential is printed even
 * where the runner's masking does not reach (a local run, a copied log).
 */
import * as core from '@actions/core'
import { describeApiError, isApiError } from './api-error.js'
import { createClient } from './client.js'
import { scaledClock, timeScaleOf } from './model.js'
import { getRequest, InputError, maskSecretInputs, type WebhookRequest } from './input-helper.js'
import { runOperation } from './operations.js'
import { setOutputs, writeFailureSummary, writeSummary } from './outputs.js'
import { maskUrlCredentials, redact, trustApiRoot } from './redact.js'

/** Runs the action once; never throws (failures go to `core.setFailed`). */
export async function run(): Promise<void> {
  let request: WebhookRequest | undefined
  try {
    maskSecretInputs()
    request = getRequest()
    trustApiRoot(request.connection.api_url)
    for (const warning of request.warnings) core.warning(redact(warning))
    const timeScale = timeScaleOf(process.env)
    const client = createClient(request.connection, { retries: request.retries, dryRun: request.dry_run, timeScale })
    const result = await runOperation(client, request, scaledClock(timeScale))
    maskUrlCredentials(result) // hooks from the API may carry credentials in their URLs
    core.info(redact(result.message))
    if (result.warning) core.warning(redact(result.warning))
    if (result.notice) core.notice(redact(result.notice))
    setOutputs(result)
    await writeSummary(request, result)
    if (result.failure) core.setFailed(redact(result.failure))
  } catch (error) {
    const problems = describeFailure(error, request).map(redact)
    problems.slice(0, -1).forEach((problem) => core.error(problem))
    core.setFailed(problems[problems.length - 1])
    await writeFailureSummary(request, problems)
  }
}

/** The error messages of a failure: one per invalid input, or one for an API or lookup error. */
function describeFailure(error: unknown, request: WebhookRequest | undefined): string[] {
  if (error instanceof InputError) return error.problems
  if (isApiError(error) && request) return [describeApiError(error, request)]
  return [error instanceof Error ? error.message : String(error)]
}
