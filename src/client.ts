/**
 * The Octokit client of `@actions/github`, with Octokit's own plugins for retries
 * (`@octokit/plugin-retry`: 5xx and network errors, with backoff) and rate limits
 * (`@octokit/plugin-throttling`: primary and secondary limits waited out, each wait logged as a
 * warning; writes spaced one second apart, as GitHub asks of integrators), and a time limit on every
 * HTTP request (each attempt: a hung connection is cut after `request_timeout` seconds and retried
 * like a network error).
 */
import * as core from '@actions/core'
import { getOctokit } from '@actions/github'
import { defaults as actionsDefaults, GitHub } from '@actions/github/lib/utils'
import type { createAppAuth } from '@octokit/auth-app'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import Bottleneck from 'bottleneck/light.js'
import type { Connection, GitHubClient } from './model.js'
import { redact } from './redact.js'

/** Statuses never retried by plugin-retry: client errors, and 429, which the throttling plugin handles. */
const DO_NOT_RETRY = [400, 401, 403, 404, 410, 422, 429, 451]

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** Retries of a failed request (5xx, network error) and rate-limit waits per request; 0 disables them. */
  retries: number
  /** Refuse to send anything but GET (a last guard that a dry run writes nothing). */
  dryRun?: boolean
  /**
   * Multiplies the plugins' waits: the retry backoff (1 s, 4 s, 9 s…), rate-limit waits and the
   * one-second spacing of writes. 1 (the default) is the pace GitHub asks for; tests run faster
   * with less (see {@link timeScaleOf}).
   */
  timeScale?: number
  /** Scope `app`: `@octokit/auth-app`'s strategy ({@link appAuthStrategy}), which signs the JWTs. */
  appAuth?: AppAuthStrategy
}

/**
 * The `fetch` that `@actions/github` gives Octokit: its own undici `fetch` through the runner's proxy
 * settings (`HTTPS_PROXY`, `NO_PROXY`); Node's global `fetch` only if it has none.
 */
const actionsFetch: typeof fetch = (actionsDefaults.request as { fetch?: typeof fetch } | undefined)?.fetch ?? fetch

/**
 * `@actions/github`'s `fetch` ({@link actionsFetch}), giving up after `seconds` (an
 * `AbortSignal.timeout`, combined with the caller's own signal). Octokit calls it once per attempt,
 * so each retry gets the full time again. A timed-out request becomes Octokit's `RequestError` with
 * status 500, which plugin-retry retries.
 */
function fetchWithTimeout(seconds: number): typeof fetch {
  return (input, init = {}) => {
    const limit = AbortSignal.timeout(seconds * 1000)
    const signal = init.signal ? AbortSignal.any([init.signal, limit]) : limit
    return actionsFetch(input, { ...init, signal }).catch((error: unknown) => {
      if (limit.aborted) throw new Error(`no answer within request_timeout (${seconds} s)`, { cause: error })
      throw error
    })
  }
}

/** Options of one client made by a {@link ClientFactory}. */
export interface TargetClientOptions {
  /**
   * Called before every write (any method but GET) is sent, after the dry-run guard; it throws to
   * refuse the write, which is then not sent (a fleet's `max_writes`, `fail_fast`).
   */
  beforeWrite?: (request: { method: string; url: string }) => void
}

/**
 * Makes clients that share one set of rate limiters: the throttling plugin's limiters are keyed by
 * the factory's id, so however many clients it makes (one per repository of a fleet), at most 10
 * requests run at once and writes stay one second apart across all of them.
 */
export type ClientFactory = (options?: TargetClientOptions) => GitHubClient

/** Counter of the throttling ids: every factory's clients share limiters, other factories' do not. */
let factories = 0

/**
 * The client factory for the API root, token and API version of the request: `X-GitHub-Api-Version`
 * on every request, retries and rate-limit waits bounded by `retries`, each attempt bounded by
 * `connection.request_timeout` (seconds).
 */
export function clientFactory(connection: Connection, options: ClientOptions): ClientFactory {
  const { retries, dryRun = false, timeScale = 1 } = options
  const second = 1000 * timeScale
  // A key of its own: the plugin's limiter groups are shared per process, keyed by id.
  const id = `manage-webhooks-${++factories}`
  // The plugin's own write limiter spaces writes one second apart; scaled, a group of our own (shared by the factory's clients).
  const write = timeScale === 1 ? undefined : new Bottleneck.Group({ maxConcurrent: 1, minTime: second })
  const wait =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string; request?: { signal?: unknown } }, _client: unknown, retryCount: number) => {
      if (request.request?.signal !== undefined) {
        core.warning(
          `GitHub's ${kind} rate limit was hit on ${request.method} ${request.url}; not waiting ${retryAfter} s: this request is bounded by a deadline (a poll for a delivery).`
        )
        return false
      }
      if (retryCount >= retries) {
        core.warning(`GitHub's ${kind} rate limit was hit on ${request.method} ${request.url}; giving up after ${retries} retries.`)
        return false
      }
      core.warning(
        `GitHub's ${kind} rate limit was hit on ${request.method} ${request.url}; waiting ${retryAfter} s before retry ${retryCount + 1} of ${retries}.`
      )
      return true
    }
  return ({ beforeWrite } = {}) => {
    const octokitOptions = {
      baseUrl: connection.api_url,
      userAgent: 'manage-webhooks',
      // Octokit's own messages (e.g. @octokit/auth-app's "GitHub API time and system time are
      // different") go to the step's log as workflow commands, not to the console.
      log: {
        debug: (message: string) => core.debug(redact(message)),
        info: (message: string) => core.debug(redact(message)),
        warn: (message: string) => core.warning(redact(message)),
        error: (message: string) => core.error(redact(message))
      },
      request: { fetch: fetchWithTimeout(connection.request_timeout) },
      retry: { enabled: retries > 0, retries, doNotRetry: DO_NOT_RETRY, retryAfterBaseValue: second },
      throttle: {
        id,
        retryAfterBaseValue: second,
        ...(write ? { write } : {}),
        onRateLimit: wait('primary'),
        onSecondaryRateLimit: wait('secondary')
      }
    }
    const client = connection.app
      ? appClient(connection.app, octokitOptions, options.appAuth)
      : getOctokit(connection.token, octokitOptions, retry, throttling)
    client.hook.after('request', (response, request) => core.debug(redact(`${request.method} ${response.url} → ${response.status}`)))
    client.hook.error('request', (error, request) => {
      const failed = error as { status?: number; request?: { url?: string } }
      core.debug(redact(`${request.method} ${failed.request?.url ?? request.url} → ${failed.status ?? error.message}`))
      throw error
    })
    client.hook.before('request', (request) => {
      request.headers['x-github-api-version'] = connection.api_version
      if (request.method === 'GET') return
      if (dryRun) throw new Error(`internal error: dry run refused to send ${request.method} ${request.url}`)
      beforeWrite?.(request)
    })
    return client
  }
}

/** `@octokit/auth-app`'s `createAppAuth`: the authentication strategy of scope `app`. */
export type AppAuthStrategy = typeof createAppAuth

/** Loads `@octokit/auth-app` (for scope `app` only: other runs need not load it). */
export async function appAuthStrategy(): Promise<AppAuthStrategy> {
  return (await import('@octokit/auth-app')).createAppAuth
}

/**
 * The Octokit client of `@actions/github` (its `GitHub` class, which `getOctokit` builds on) with the
 * same plugins, authenticated as the App by `@octokit/auth-app`: every request to `/app/…` carries
 * a JWT signed with the App's private key (RS256, `iss` = the app id, valid 10 minutes, renewed as
 * needed). `getOctokit` itself takes only a token, not an authentication strategy.
 * @throws Error when the strategy was not loaded ({@link appAuthStrategy})
 */
function appClient(app: NonNullable<Connection['app']>, options: object, strategy: AppAuthStrategy | undefined): GitHubClient {
  if (!strategy) throw new Error("internal error: scope 'app' without @octokit/auth-app loaded")
  const AppOctokit = GitHub.plugin(retry, throttling)
  return new AppOctokit({ ...options, authStrategy: strategy, auth: { appId: app.app_id, privateKey: app.private_key } }) as unknown as GitHubClient
}

/** One client of its own factory ({@link clientFactory}): for a run over one target. */
export function createClient(connection: Connection, options: ClientOptions): GitHubClient {
  return clientFactory(connection, options)()
}
