/**
 * The action's run: mask secrets → validate inputs → call the hooks endpoints → set outputs and
 * write the job summary. Any failure fails the step with an `::error::` that says what to fix.
 */
import * as core from '@actions/core'
import { getOctokit } from '@actions/github'
import { describeApiError, isApiError } from './api-error.js'
import type { GitHubClient } from './hooks.js'
import { getRequest, InputError, maskSecretInputs, type Connection, type WebhookRequest } from './input-helper.js'
import { runOperation } from './operations.js'
import { setOutputs, writeFailureSummary, writeSummary } from './outputs.js'

/**
 * Builds the Octokit client of `@actions/github` for the API root, token and API version of the
 * request. With `dryRun`, the client refuses to send anything but GET: a last guard that a dry run
 * writes nothing, whatever the operation code does.
 */
export function createClient(connection: Connection, dryRun = false): GitHubClient {
  const client = getOctokit(connection.token, { baseUrl: connection.api_url, userAgent: 'manage-webhooks' })
  client.hook.before('request', (options) => {
    options.headers['x-github-api-version'] = connection.api_version
    if (dryRun && options.method !== 'GET') {
      throw new Error(`internal error: dry run refused to send ${options.method} ${options.url}`)
    }
  })
  return client
}

/** Runs the action once; never throws (failures go to `core.setFailed`). */
export async function run(): Promise<void> {
  let request: WebhookRequest | undefined
  try {
    maskSecretInputs()
    request = getRequest()
    for (const warning of request.warnings) core.warning(warning)
    const result = await runOperation(createClient(request.connection, request.dry_run), request)
    core.info(result.message)
    if (result.warning) core.warning(result.warning)
    setOutputs(result)
    await writeSummary(request, result)
    if (result.failure) core.setFailed(result.failure)
  } catch (error) {
    const problems = describeFailure(error, request)
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
