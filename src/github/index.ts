/**
 * GitHub, as the jobs see it: the paced Octokit client (./client.ts, ./pacing.ts, ./etags.ts), the
 * hooks endpoints (./endpoints.ts), the scopes (./scopes.ts, the one module that knows them), the
 * repositories a selection names (./selection.ts), what an API error means (./api-error.ts), and
 * what must never be printed (./redact.ts). The rest of this folder stays inside.
 */
export { describeApiError, errorText, isApiError, isHookAlreadyExists, tokenHint, withContext } from './api-error.js'
export { appAuthStrategy, clientFactory, type ClientFactory } from './client.js'
export * as hooks from './endpoints.js'
export { HookLookupError, type ResolvedHook } from './endpoints.js'
export { withEtags } from './etags.js'
export { GITHUB_LIMITS, RateLimitStop, RateLimitWait, REASON_TEXT, utcTime, withDeadline, type PacingStats, type PauseReason } from './pacing.js'
export { mask, maskUrlCredentials, redact, redactUrlHashed, trustApiRoot, urlCredentials } from './redact.js'
export { describeHook, describeTarget, SCOPE_TRAITS, targetFields, targetName, type Scope, type Target } from './scopes.js'
export { describeSelection, selectRepositories, SelectionError, selectsRepository } from './selection.js'
