/**
 * The domain types every layer may import: the client, hooks and deliveries as the REST API returns
 * them, how an operation names a hook, the fields it writes, where the API is, and the clock that
 * waits are driven by. Nothing here imports another module of the action, so lower layers (hooks,
 * deliveries, ensure) never depend on the input layer.
 */
import type { getOctokit } from '@actions/github'
import type { components } from '@octokit/openapi-types'
import { setTimeout as sleep } from 'node:timers/promises'

/** The Octokit client of `@actions/github` (`getOctokit(token, options)`), with the retry plugin, its requests paced by ./github/pacing.ts. */
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
 * retry backoff after a 5xx. Never GitHub's limits or waits (./github/pacing.ts). Unset or invalid: 1.
 */
export function timeScaleOf(env: NodeJS.ProcessEnv): number {
  const scale = Number(env.MANAGE_WEBHOOKS_TIME_SCALE ?? '1')
  return scale > 0 && scale <= 1 ? scale : 1
}

/**
 * One hook declared in a webhooks file (`hooks:` item of `.github/webhooks.yml`, see
 * src/inputs/webhooks-file.ts), validated, with its defaults applied and its secret read from the
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

/**
 * Why `glob` is not a glob over hook URLs, or undefined when it is one: no white space; `http://` or
 * `https://`, written out; a host with at least one literal label (`*.example.com`, not `*` or
 * `*.*`: a prune owning every host would delete hooks of every receiver); and, with its wildcards
 * replaced, a URL that parses. `*` matches any characters but `/`, `**` any characters; every other
 * character (`?` included) stands for itself ({@link urlGlobMatches}).
 */
export function urlGlobProblem(glob: string): string | undefined {
  if (/\s/.test(glob)) return 'holds white space'
  const match = /^(https?):\/\/([^/?#]*)/i.exec(glob)
  if (match === null) return 'does not start with http:// or https:// (the scheme is written out, no wildcard)'
  const authority = match[2].slice(match[2].lastIndexOf('@') + 1)
  const port = /:[0-9*]*$/.exec(authority)?.[0] ?? ''
  const host = authority.slice(0, authority.length - port.length)
  if (!host.split('.').some((label) => label !== '' && !label.includes('*'))) {
    return 'has no literal label in its host (a glob such as https://*/** would own the hooks of every receiver)'
  }
  // Wildcards replaced by a letter, or by a digit in the port (`http://127.0.0.1:*/**`).
  const probe = `${glob.slice(0, match[0].length - port.length)}${port.replace(/\*+/g, '1')}${glob.slice(match[0].length)}`
  if (!URL.canParse(probe.replace(/\*+/g, 'x'))) return 'is not a URL once its wildcards are replaced'
  return undefined
}

/**
 * True when `url` matches the glob over URLs `glob` (see {@link urlGlobProblem}). In the part up to
 * the path (scheme, host, port), compared case-insensitively, `*` and `**` match any characters but
 * `/`, `?`, `#` and `@` (so `https://*.example.com` never matches `https://evil.com?.example.com`); in
 * the rest, compared exactly, `*` matches any characters but `/` and `**` any characters (a final
 * `/**` matches no path too: `https://example.com/**` matches `https://example.com`). Every other
 * character stands for itself.
 */
export function urlGlobMatches(glob: string, url: string): boolean {
  const split = (text: string): [string, string] => {
    const start = text.indexOf('://') + 3
    const end = text.slice(start).search(/[/?#]/)
    return end === -1 ? [text.toLowerCase(), ''] : [text.slice(0, start + end).toLowerCase(), text.slice(start + end)]
  }
  const toRegExp = (part: string, star: string, stars: string): string =>
    part
      .split(/(\*\*|\*)/)
      .map((piece) => (piece === '**' ? stars : piece === '*' ? star : piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('')
  const [globStart, globRest] = split(glob)
  const [urlStart, urlRest] = split(url)
  const rest = globRest.endsWith('/**') ? `${toRegExp(globRest.slice(0, -3), '[^/]*', '.*')}(?:/.*)?` : toRegExp(globRest, '[^/]*', '.*')
  return new RegExp(`^${toRegExp(globStart, '[^/?#@]*', '[^/?#@]*')}$`).test(urlStart) && new RegExp(`^${rest}$`, 's').test(urlRest)
}

/** Every finding the inventory reports, by id (the values input `fail_on` accepts). */
export const FINDINGS = ['no-secret', 'insecure-ssl', 'plain-http', 'url-credentials', 'inactive', 'failing', 'duplicate-url', 'all-events'] as const

/** One finding id of {@link FINDINGS}. */
export type Finding = (typeof FINDINGS)[number]

/** One hook configuration, as `export` found it on GitHub, for {@link renderWebhooksFile}. */
export interface ExportEntry {
  /** The entry's name; unique among the entries. */
  name: string
  url: string
  events: string[]
  content_type: 'json' | 'form'
  insecure_ssl: '0' | '1'
  active: boolean
  /** The organization whose own hook this is; set this or `repositories`. */
  org?: string
  /** The repositories that carry this hook, as literal `owner/name`; set this or `org`. */
  repositories?: string[]
  /** True when GitHub has a secret set on these hooks (it returns `********` for it). */
  secret_set: boolean
  /** The name of the environment variable the file should read the secret from (e.g. `DEPLOY_SECRET`). */
  secret_env: string
}

/** Which kind of webhook: `repo` (repository webhooks), `org` (organization webhooks), `app` (a GitHub App's webhook). */
export type Scope = 'repo' | 'org' | 'app'

/** The repository, organization or GitHub App whose webhooks an operation works on. */
export type Target = { scope: 'repo'; owner: string; repo: string } | { scope: 'org'; org: string } | { scope: 'app'; app_id: string }

/** A need that one of several inputs meets (`hook_id|url`), or `change`: at least one setting to change. */
export type InputNeed = 'url' | 'hook_id|url' | 'delivery_id' | 'change' | 'secret'

/**
 * What an operation needs of the inputs, declared by its module (src/operations/) and checked by
 * src/inputs/ before the first request.
 */
export interface OperationInputs {
  /** What it needs: an error before any request when missing. */
  needs: readonly InputNeed[]
  /** The inputs it reads besides the connection's and the fleet's; a set input it does not read is ignored with a warning. */
  uses: readonly string[]
  /** What it needs of the target's hooks API (a scope's trait, src/github/scopes.ts): several hooks with ids, pings, test pushes. */
  trait?: 'hooks' | 'ping' | 'test'
  /** Whether it may send a POST, PATCH or DELETE: never (it only reads), always (unless a dry run), or only with `ping_if_needed`. */
  writes: 'never' | 'always' | 'with-pings'
  /** Its targets are a webhooks file's entries (input `file`); `without-secrets`: the file's secret variables may be unset (`plan`). */
  file?: 'with-secrets' | 'without-secrets'
  /** What `url` is besides the hook's name: the new hook's URL (`new`), or with `hook_id` the hook's new URL (`moves`). */
  url?: 'new' | 'moves'
  /** It writes a hook's config: values that expose the payloads (`insecure_ssl: 1`, plain http) get a warning. */
  writesConfig?: boolean
  /** Over `repositories`, it also covers the organization `org`'s own hooks. */
  coversOrg?: boolean
  /** Inputs it gives a default of its own when unset: `limit` (100 deliveries), `since` (24 hours back). */
  defaults?: readonly ('limit' | 'since')[]
  /** What to use instead when `dry_run` is set on it and it has no dry run, for the error that refuses the step. */
  dryRunInstead?: string
  /** The error for a scope the operation does not exist on, where the scope's traits alone would not say why. */
  scopeProblems?: Partial<Record<Scope, string>>
}

/** The operations the inputs are checked against: each one's {@link OperationInputs}, by its name (the operation table, src/operations.ts). */
export type OperationInputTable = Readonly<Record<string, { readonly inputs: OperationInputs }>>

/**
 * The targets a request names: one repository or organization (`repository` / `org`), or the
 * repositories that `repositories` selects, which are listed from the API before the operation runs.
 */
export type TargetSpec =
  | { kind: 'one'; target: Target }
  | { kind: 'repositories'; selection: RepositorySelection }
  /**
   * `plan` / `apply`: the targets the webhooks file's entries cover. The file is read and validated
   * by {@link loadWebhooksFile} (its parser and schema validator are loaded only for these operations),
   * still before any request.
   */
  | { kind: 'file'; path: string; allow_unknown_events: boolean; secrets_optional: boolean }

/** One fully validated request: what the action will do, built from the inputs. */
export interface WebhookRequest {
  /** The operation, one of the operation table's names (src/operations.ts). */
  operation: string
  targets: TargetSpec
  /** `plan`, `apply`, `export`: the webhooks file's path (input `file`, default `.github/webhooks.yml`). */
  file: string
  /** `plan`: fail the step when the plan would change anything (the scheduled drift check; default false). */
  fail_on_drift: boolean
  /** `export` / `inventory` over `repositories`: also the hooks of this organization (input `org`). */
  also_org?: string
  /** `inventory`: where the CSV goes (input `inventory_file`; default `RUNNER_TEMP/webhooks-inventory.csv`). */
  inventory_file: string
  /** `inventory`: findings that fail the step when any hook has one (input `fail_on`; default none). */
  fail_on: Finding[]
  /** True when the operation may write (POST, PATCH, DELETE); false for reads and dry runs. */
  writes: boolean
  /** Several repositories: stop starting new ones after the first failure (default false: go on, fail at the end). */
  fail_fast: boolean
  /** Several repositories: most repositories written in one run; the rest are reported `skipped`. Undefined: no limit. */
  max_writes?: number
  /** The hook the operation acts on; absent for `list` and `create`. */
  hook?: HookRef
  hook_fields: HookFields
  config: ConfigFields
  /** `delivery_id` for `get-delivery` and `redeliver`. */
  delivery_id?: number
  /** Server-side deliveries filter of `list-deliveries`: `success` (status code 200–399) or `failure` (400–599). */
  status?: 'success' | 'failure'
  /** Items asked per page, 1–100. */
  per_page: number
  /** Most items gathered across pages; undefined = all. */
  limit?: number
  /** `ensure` / `ensure-absent`: compute everything, send no POST, PATCH or DELETE. */
  dry_run: boolean
  /** `ping` / `test`: wait for the delivery and report it (default true). */
  wait: boolean
  /** How long `ping` / `test` / the verifying ping of `ensure` wait for the delivery, in SECONDS (default 60, at most 600). */
  wait_timeout: number
  /** `ping` / `test` / `ensure` (its verifying ping): fail the step when the receiver did not answer 2xx (default true). */
  fail_on_delivery_error: boolean
  /** `ensure`: after creating the hook or writing its secret, ping it and wait for the receiver's answer (default true). */
  verify: boolean
  /** `audit-secret` / `rotate-secret`: the secret receivers knew before (`previous_secret`); masked like `secret`. */
  previous_secret?: string
  /** `audit-secret`: ping a hook that has no delivery to check (default true). */
  ping_if_needed: boolean
  /** `audit-secret`: fail the step when a hook does not sign with `secret` (default true). */
  fail_on_mismatch: boolean
  /** `rotate-secret`: hooks rotated first, alone (default 1; 0: no canary). */
  canary: number
  /** `rotate-secret`: hooks rotated together after the canary (default 10). */
  batch_size: number
  /** `rotate-secret`: stop starting batches once this many hooks failed or were rolled back (default 1). */
  max_failures: number
  /** `rotate-secret`: also rotate hooks proven on neither secret, or not proven at all (default false); no rollback is possible for them. */
  rotate_unknown: boolean
  /** `report`: fail the step when a hook's success rate (over guids) is below this fraction (0–1); undefined: never. */
  fail_below?: number
  /** `report`: fail the step when a hook had no delivery in the window (default false). */
  fail_on_quiet: boolean
  /** Oldest delivery considered by `list-deliveries` (default: no bound) and `redeliver-failed` (default: 24 h ago). */
  since?: Date
  /** Most redeliveries one `redeliver-failed` run asks for (default 50). */
  max_redeliveries: number
  /** Retries of a request after a 5xx, a network error or a rate limit (default 3, 0–10). */
  retries: number
  /** When the step began (before the first request): a retried create adopts only a hook created since. */
  started_at: Date
  connection: Connection
  /** Warnings about the inputs (e.g. an input the operation ignores), to log before running. */
  warnings: string[]
}
