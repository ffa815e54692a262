/**
 * Turns a failed API request into a message users can act on: GitHub's own message and validation
 * errors, plus a hint on the token for 401/403/404 (REST docs, "Fine-grained access tokens" and
 * "OAuth app tokens and personal access tokens (classic)" of each hooks endpoint).
 */
import { scopeNoun, type Scope } from './scopes.js'

/** The parts of Octokit's `RequestError` (`@octokit/request-error`) this module reads. */
interface ApiError {
  status: number
  message: string
  /** The request options; `request.retryCount` is set by the client's retries (./client.ts) when the request was retried. */
  request?: { method?: string; url?: string; request?: { retryCount?: number } }
  response?: { data?: unknown }
  /** What this action adds to GitHub's answer ({@link withContext}), one sentence each. */
  context?: string[]
}

/** True for an error thrown by Octokit for an HTTP error status (it carries `status` and `response`). */
export function isApiError(error: unknown): error is ApiError {
  return error instanceof Error && typeof (error as Partial<ApiError>).status === 'number'
}

/** True for GitHub's 422 "Hook already exists on this repository/organization". */
export function isHookAlreadyExists(error: unknown): boolean {
  return isApiError(error) && error.status === 422 && JSON.stringify(error.response?.data ?? '').includes('already exists')
}

/**
 * Adds a sentence about what this step had already done, or could not tell, to an error on its way
 * up: shown as its own line under GitHub's answer ({@link describeApiError}), or appended to the
 * message of any other error.
 * @returns the same error, for `throw withContext(error, …)`
 */
export function withContext(error: unknown, sentence: string): unknown {
  if (isApiError(error)) (error.context ??= []).push(sentence)
  else if (error instanceof Error) error.message += ` (${sentence})`
  return error
}

/**
 * An error as one sentence for a message that goes on: its status and message, then the context
 * this action added ({@link withContext}).
 */
export function errorText(error: unknown): string {
  if (!isApiError(error)) return error instanceof Error ? error.message : String(error)
  return [`${error.status} ${error.message}`, ...(error.context ?? [])].join('. ')
}

/** True when the failed request had been retried (the client's retries count them in `request.retryCount`). */
export function wasRetried(error: unknown): boolean {
  return isApiError(error) && (error.request?.request?.retryCount ?? 0) > 0
}

/** GitHub's error body (REST schemas `basic-error` and `validation-error`). */
interface ErrorBody {
  message?: string
  errors?: Array<{ message?: string; code?: string; field?: string; resource?: string } | string>
  documentation_url?: string
}

/**
 * The token permissions each scope needs to manage webhooks.
 * @returns one sentence naming the classic scope, the fine-grained / GitHub App permission, and
 *   that `GITHUB_TOKEN` cannot do it.
 */
export function permissionHint(scope: Scope): string {
  if (scope === 'app') {
    return (
      "A GitHub App's webhook is managed as the App itself: a JWT signed with its private key ('app_id', 'private_key'), no installation token. " +
      'A 404 means the App has no webhook set up (give it a webhook URL on its settings page), or app_id names another App.'
    )
  }
  const noun = scopeNoun(scope)
  const classic = scope === 'repo' ? 'admin:repo_hook' : 'admin:org_hook'
  const app = scope === 'repo' ? 'repository_hooks' : 'organization_hooks'
  const owner = scope === 'org' ? ' (and the user must be an organization owner)' : ''
  return (
    `The token needs permission to manage ${noun} webhooks: a classic personal access token with the '${classic}' scope${owner}, ` +
    `or a fine-grained token / GitHub App token with the "Webhooks" ${noun} permission (GitHub App: '${app}'; read to list and inspect, write to change). ` +
    `The workflow's default GITHUB_TOKEN cannot manage webhooks. A 404 also means the ${noun} or the hook does not exist, or the token cannot see it.`
  )
}

/**
 * Describes an API error for `core.setFailed`: `GitHub answered <status> to <METHOD path>: <message>`,
 * GitHub's validation errors (422) one per line, and a hint for 401, 403 and 404.
 * @param scope the scope of the target the request was for: the hint names its permission
 * @param options.hint false to leave out the hint on the token (a run over many repositories gives it once)
 * @returns lines joined by `\n`; the first one says what GitHub answered
 */
export function describeApiError(error: ApiError, scope: Scope, options: { hint?: boolean } = {}): string {
  const body = (error.response?.data ?? {}) as ErrorBody
  const where = error.request?.method && error.request.url ? ` to ${error.request.method} ${pathOf(error.request.url)}` : ''
  // Octokit reports a request that got no answer (a timeout, a dropped connection) as status 500 with no response.
  const answered = error.response !== undefined
  const lines = [
    answered ? `GitHub answered ${error.status}${where}: ${body.message ?? error.message}` : `No answer from GitHub${where}: ${error.message}`
  ]
  for (const item of body.errors ?? []) {
    lines.push(`- ${typeof item === 'string' ? item : (item.message ?? [item.resource, item.field, item.code].filter(Boolean).join(' '))}`)
  }
  lines.push(...(error.context ?? []))
  const hint = options.hint === false ? undefined : tokenHint(error, scope)
  return [...lines, ...(hint ? [hint] : [])].join('\n')
}

/**
 * What to check about the token after an error: for 401 that it is valid and meant for `api_url`;
 * for 403 and 404 the permission the scope needs ({@link permissionHint}); otherwise (and for the
 * 403 on an archived repository, which no token can lift) nothing.
 */
export function tokenHint(error: unknown, scope: Scope): string | undefined {
  if (!isApiError(error)) return undefined
  if (error.status === 401 && scope === 'app') {
    return "GitHub refused the App's JWT: check that 'app_id' is the App's id (or client id), that 'private_key' is one of its current keys (not revoked), and that the runner's clock is right (a JWT is valid for 10 minutes)."
  }
  if (error.status === 401) return "The token in 'token' is invalid or expired, or it is not a token for this API ('api_url')."
  if ((error.status === 403 && !isReadOnlyRepository(error)) || error.status === 404) return permissionHint(scope)
  return undefined
}

/** GitHub's 403 for a write to an archived repository: no token can help, so no permission hint. */
function isReadOnlyRepository(error: ApiError): boolean {
  return /archived so is read-only/i.test(((error.response?.data ?? {}) as ErrorBody).message ?? '')
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname
  } catch {
    return url
  }
}
