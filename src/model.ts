/**
 * The domain types every layer may import: the client, hooks and deliveries as the REST API returns
 * them, how an operation names a hook, the fields it writes, where the API is, and the clock that
 * waits are driven by. Nothing here imports another module of the action, so lower layers (hooks,
 * deliveries, ensure) never depend on the input layer.
 */
import type { getOctokit } from '@actions/github'
import type { components } from '@octokit/openapi-types'
import { setTimeout as sleep } from 'node:timers/promises'

/** The Octokit client of `@actions/github` (`getOctokit(token, options)`), with the retry plugin, its requests paced by ./pacing.ts. */
export type GitHubClient = ReturnType<typeof getOctokit>

/** A webhook as the API returns it: REST schema `hook` (repository) or `org-hook` (organization). */
export type Hook = components['schemas']['hook'] | components['schemas']['org-hook']
/** REST schema `webhook-config`; `secret` reads back as `********` when one is stored. */
export type HookConfig = components['schemas']['webhook-config']
/** A delivery in a list (REST schema `hook-delivery-item`). */
export type DeliveryItem = components['schemas']['hook-delivery-item']
/** One delivery with its request and response (REST schema `hook-delivery`). */
export type Delivery = components['schemas']['hook-delivery']

/**
 * How an operation names the hook it acts on: by id, by its `config.url` (looked up in the list),
 * or by both, which must then name the same hook (checked before any write).
 */
export type HookRef = { hook_id: number; url?: string } | { url: string }

/** Fields of `PATCH …/hooks/{hook_id}` / `POST …/hooks` outside `config`; only those the user set. */
export interface HookFields {
  events?: string[]
  add_events?: string[]
  remove_events?: string[]
  active?: boolean
}

/** The `config` object of a webhook (REST schema `webhook-config`); only the fields the user set. */
export interface ConfigFields {
  url?: string
  content_type?: 'json' | 'form'
  secret?: string
  insecure_ssl?: '0' | '1'
}

/**
 * One entry of the `repositories` input: `owner/name`, `owner/glob` (a glob over the owner's
 * repository names, e.g. `svc-*`), or either one after `!` (an exclusion).
 */
export interface RepositoryPattern {
  /** The entry as written, for messages (`!octo-org/svc-legacy`). */
  text: string
  /** The owner's login, literal (no glob). */
  owner: string
  /** A repository name, or a glob over names (`*`, `?`, `[…]`). */
  name: string
  /** True when `name` has glob characters: the owner's repositories are listed to match it. */
  glob: boolean
  /** True for `!pattern`: removes what the earlier entries selected. */
  exclude: boolean
}

/**
 * Which repositories a fleet run covers: the `repositories` entries in order, and the filters that
 * narrow the repositories a glob lists (a repository named exactly is always taken as named).
 */
export interface RepositorySelection {
  patterns: RepositoryPattern[]
  /** Keep archived repositories (read-only on GitHub) for operations that only read. Default false. */
  include_archived: boolean
  /** Keep forks. Default true. */
  include_forks: boolean
  /** Keep only repositories that carry every one of these topics (lower case). Empty: no filter. */
  topics: string[]
  /** Keep only repositories whose custom property `name` has `value` (organizations only). */
  property?: { name: string; value: string }
}

/** Where and how to reach the API. */
export interface Connection {
  /** The token of scopes `repo` and `org`; '' for scope `app`, which authenticates as the App. */
  token: string
  /** Scope `app`: the App's id (or client id) and its private key (PEM); requests carry a JWT signed with the key. */
  app?: { app_id: string; private_key: string }
  /** REST API root, e.g. `https://api.github.com` or `https://ghes.example.com/api/v3`. */
  api_url: string
  /** Sent as `X-GitHub-Api-Version`. */
  api_version: string
  /** Time limit of one HTTP request (each attempt of it), in SECONDS. */
  request_timeout: number
  /** Longest wait for the primary rate limit's reset, in SECONDS; past it the run stops (input `rate_limit_wait`). */
  rate_limit_wait: number
  /**
   * GitHub Enterprise Server only (input `ghes_rate_limit_factor`, refused for github.com and
   * GHE.com): multiplies the pacing budgets, for an instance whose administrator raised the limits. 1: GitHub's.
   */
  ghes_rate_limit_factor: number
}

/**
 * A request the run itself refused to send, before anything went out: a fleet's `max_writes` was
 * reached, or `fail_fast` stopped the run. The operation that meets it did not run to its end; what
 * it had not sent is to be done by a rerun.
 */
export class RunLimit extends Error {
  constructor(message: string) {
    super(message)
    passesOctokitAsIs(this)
  }
}

/**
 * Makes an error thrown from under Octokit (the `fetch` it calls) reach the caller as it is: named
 * `AbortError`, which @octokit/request rethrows instead of wrapping it into a `RequestError` with
 * status 500 (which the client would retry); and with no `status` (the one @octokit/request
 * sets is dropped), so nothing takes it for an answer of GitHub's.
 */
export function passesOctokitAsIs(error: Error): void {
  error.name = 'AbortError'
  Object.defineProperty(error, 'status', { get: () => undefined, set: () => undefined, enumerable: false })
}

/**
 * The literal GitHub returns instead of a stored secret (`config.secret: "********"`). Sending it
 * back would store eight asterisks as the secret.
 */
export const SECRET_MASK = '********'

/**
 * How long GitHub keeps a hook's deliveries (and lets them be redelivered), in days: 3 on
 * github.com and GHE.com, 7 on GitHub Enterprise Server (REST docs "Redeliver a delivery …",
 * "Handling failed webhook deliveries"). A GHES API root ends in `/api/v3`; api.github.com and
 * `api.SUBDOMAIN.ghe.com` do not.
 */
export function deliveryRetentionDays(api_url: string): number {
  return /\/api\/v3\/?$/.test(URL.parse(api_url)?.pathname ?? '') ? 7 : 3
}

/**
 * The clock that every wait of the action goes through (poll intervals, the pause before a
 * verifying ping), so that tests may drive it; `now` in milliseconds since the epoch, `sleep` in
 * milliseconds.
 */
export interface Clock {
  now(): number
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

/** The real clock: `Date.now` and `node:timers/promises`' `setTimeout`. */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal })
}

/**
 * The real clock with every sleep multiplied by `scale` (0 < scale ≤ 1): polls come sooner. Only
 * pacing waits go through it; a wait that GitHub's whole-second timestamps require does not.
 */
export function scaledClock(scale: number): Clock {
  return scale === 1 ? realClock : { now: realClock.now, sleep: (ms, signal) => realClock.sleep(ms * scale, signal) }
}

/**
 * The pace of the action's own waits from the environment variable `MANAGE_WEBHOOKS_TIME_SCALE`,
 * FOR TESTS against the local emulator: a number in (0, 1] that multiplies poll intervals and the
 * retry backoff after a 5xx. Never GitHub's limits or waits (./pacing.ts). Unset or invalid: 1.
 */
export function timeScaleOf(env: NodeJS.ProcessEnv): number {
  const scale = Number(env.MANAGE_WEBHOOKS_TIME_SCALE ?? '1')
  return scale > 0 && scale <= 1 ? scale : 1
}

/**
 * One hook declared in a webhooks file (`hooks:` item of `.github/webhooks.yml`, see
 * src/webhooks-file.ts), validated, with its defaults applied and its secret read from the
 * environment. It covers either the repositories its `repositories` rules select, or the
 * organization `org` (its own hooks).
 */
export interface WebhookEntry {
  /** Unique in the file; names the entry in plans. */
  name: string
  /** 1-based line of the entry in the file, for messages. */
  line: number
  url: string
  events: string[]
  content_type: 'json' | 'form'
  insecure_ssl: '0' | '1'
  active: boolean
  /** The NAME of the environment variable that holds the secret; undefined: the entry manages no secret. */
  secret_env?: string
  /** The secret, read from `secret_env` (never from the file); masked by the caller before anything runs. */
  secret?: string
  /** The organization whose own hook this is; absent for an entry over repositories. */
  org?: string
  /** The repositories the entry covers (the rules of the `repositories` input, and its filters); absent for an organization entry. */
  repositories?: RepositorySelection
  /** Former URLs of this hook: a hook found at one of them is moved to `url` (updated), not recreated. */
  previous_urls: string[]
}

/** A webhooks file, validated: its entries, and the URL globs (`prune`) whose undeclared hooks a plan deletes. */
export interface WebhooksFile {
  /** The file's path, as given (input `file`). */
  path: string
  hooks: WebhookEntry[]
  /** Globs over hook URLs (`https://*.example.com/**`) that this file owns on the targets it covers. */
  prune: string[]
}

/**
 * A URL as compared across entries and hooks of one target: WHATWG-serialized (host lower-cased,
 * `https://h?x` and `https://h/?x` alike); a value that is no URL as it is.
 */
export function sameUrl(url: string): string {
  return URL.parse(url)?.href ?? url
}
