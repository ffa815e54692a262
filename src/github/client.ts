/**
 * The Octokit client of `@actions/github`, with retries of 5xx answers and network errors (with
 * backoff: {@link withRetries}), a time limit on every HTTP request (each attempt: a hung connection
 * is cut after `request_timeout` seconds and retried like a network error), and the run's one pacing
 * layer (./pacing.ts) under it: every attempt of every client of a run waits its turn under GitHub's
 * documented rate limits there, and a refusal pauses the whole run.
 *
 * `@octokit/plugin-throttling` is not used: it paces only the first attempt of a request, keeps no
 * budget of points, CPU time or content creation, and waits out a secondary limit for the refused
 * request only while the others go on. `@octokit/plugin-retry` is not used either: it schedules its
 * retries through Bottleneck, whose last release was in 2019 (./pacing.ts replaced it); the retry of
 * a failed attempt is a dozen lines here.
 */
import * as core from '@actions/core'
import { getOctokit } from '@actions/github'
import { setTimeout as sleep } from 'node:timers/promises'
import { defaults as actionsDefaults, GitHub } from '@actions/github/lib/utils'
import type { createAppAuth } from '@octokit/auth-app'
import type { Connection, GitHubClient } from '../model.js'
import { Pacer, pacingBudget } from './pacing.js'
import { redact } from './redact.js'

/** Statuses never retried: client errors, and 429, which the pacer handles (./pacing.ts). */
const DO_NOT_RETRY = [400, 401, 403, 404, 410, 422, 429, 451]

/**
 * Retries a request that failed with a status of 400 or more outside {@link DO_NOT_RETRY} (5xx; a
 * network error or a timed-out attempt, which @octokit/request reports as status 500), after
 * (n + 1)² seconds × `timeScale` for the nth retry (1 s, 4 s, 9 s…: the backoff of
 * @octokit/plugin-retry), at most `retries` times; a request's own option `request.retries`
 * (e.g. 0 for a poll) overrides it. Errors that pass Octokit as they are (the pacer's stop, an abort)
 * have no status and are never retried. A retried request's options carry `request.retryCount`.
 * @param retries the retries of a request by default; 0 disables them
 * @param timeScale multiplies the backoff (tests: {@link ClientOptions.timeScale})
 */
function withRetries(client: GitHubClient, retries: number, timeScale: number): GitHubClient {
  client.hook.wrap('request', async (request, options) => {
    const own = (options.request as { retries?: number; signal?: AbortSignal } | undefined) ?? {}
    const most = own.retries ?? retries
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(options)
      } catch (error) {
        const status = (error as { status?: unknown }).status
        if (attempt >= most || typeof status !== 'number' || status < 400 || DO_NOT_RETRY.includes(status)) throw error
        await sleep((attempt + 1) ** 2 * 1000 * timeScale, undefined, { signal: own.signal })
        // Counted where ./api-error.ts `wasRetried` reads it (a copy: request options may be shared).
        options.request = { ...options.request, retryCount: attempt + 1 }
      }
    }
  })
  return client
}

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** Retries of a failed request (5xx, network error); 0 disables them. Rate-limit refusals are the pacer's. */
  retries: number
  /** Refuse to send anything but GET (a last guard that a dry run writes nothing). */
  dryRun?: boolean
  /**
   * Multiplies the retry backoff after a 5xx or a network error (1 s, 4 s, 9 s…), a wait the action
   * chooses for itself; tests run faster with less (see {@link timeScaleOf}). Never GitHub's waits.
   */
  timeScale?: number
  /** Told each wait that GitHub asked for (a sentence), e.g. to log it. */
  onWait?: (message: string) => void
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
  /**
   * Called right before each attempt of any request is sent, after every wait of the pacer; it throws
   * to refuse it (a fleet's `fail_fast`), which is then not sent.
   */
  beforeSend?: () => void
  /**
   * True once the client's target has written (a rotation between its write and its verification or
   * rollback): its requests may use the primary budget's reserve, and a stop of the run for GitHub's
   * limits does not refuse them (./pacing.ts `PacedRequest.finishing`).
   */
  finishing?: () => boolean
}

/**
 * Makes clients that share one {@link Pacer}: however many clients it makes (one per repository of
 * a fleet), the run stays inside one set of budgets.
 */
export interface ClientFactory {
  (options?: TargetClientOptions): GitHubClient
  /** The run's pacing layer: its statistics, its pause, its stop. */
  readonly pacer: Pacer
}

/**
 * The client factory for the API root, token and API version of the request: `X-GitHub-Api-Version`
 * on every request, retries and rate-limit waits bounded by `retries`, each attempt bounded by
 * `connection.request_timeout` (seconds).
 */
export function clientFactory(connection: Connection, options: ClientOptions): ClientFactory {
  const { retries, dryRun = false, timeScale = 1 } = options
  const pacer = new Pacer({
    api_url: connection.api_url,
    budget: pacingBudget(connection.ghes_rate_limit_factor),
    rate_limit_wait: connection.rate_limit_wait,
    onWait: options.onWait
  })
  const timed = fetchWithTimeout(connection.request_timeout)
  const make = ({ beforeWrite, beforeSend, finishing }: TargetClientOptions = {}): GitHubClient => {
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
      request: { fetch: pacer.fetch(timed, { beforeSend, finishing }) }
    }
    const client = withRetries(
      connection.app ? appClient(connection.app, octokitOptions, options.appAuth) : getOctokit(connection.token, octokitOptions),
      retries,
      timeScale
    )
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
  return Object.assign(make, { pacer })
}

/** `@octokit/auth-app`'s `createAppAuth`: the authentication strategy of scope `app`. */
export type AppAuthStrategy = typeof createAppAuth

/** Loads `@octokit/auth-app` (for scope `app` only: other runs need not load it). */
export async function appAuthStrategy(): Promise<AppAuthStrategy> {
  return (await import('@octokit/auth-app')).createAppAuth
}

/**
 * The Octokit client of `@actions/github` (its `GitHub` class, which `getOctokit` builds on) with the
 * same options, authenticated as the App by `@octokit/auth-app`: every request to `/app/…` carries
 * a JWT signed with the App's private key (RS256, `iss` = the app id, valid 10 minutes, renewed as
 * needed). `getOctokit` itself takes only a token, not an authentication strategy.
 * @throws Error when the strategy was not loaded ({@link appAuthStrategy})
 */
function appClient(app: NonNullable<Connection['app']>, options: object, strategy: AppAuthStrategy | undefined): GitHubClient {
  if (!strategy) throw new Error("internal error: scope 'app' without @octokit/auth-app loaded")
  return new GitHub({ ...options, authStrategy: strategy, auth: { appId: app.app_id, privateKey: app.private_key } }) as unknown as GitHubClient
}

/** One client of its own factory ({@link clientFactory}): for a run over one target. */
export function createClient(connection: Connection, options: ClientOptions): GitHubClient {
  return clientFactory(connection, options)()
}
