/**
 * Turns the raw action inputs (strings from `action.yml`) into one typed, validated
 * {@link WebhookRequest}. Every input is checked here, before the first API request; an invalid
 * input throws an {@link InputError} that names the input and what it accepts.
 */
import * as core from '@actions/core'
import { createPrivateKey } from 'node:crypto'
import { emitterEventNames } from '@octokit/webhooks'
import { closest, distance } from 'fastest-levenshtein'
import {
  deliveryRetentionDays,
  SECRET_MASK,
  type ConfigFields,
  type Connection,
  type HookFields,
  type HookRef,
  type RepositoryPattern,
  type RepositorySelection
} from './model.js'
import { mask, urlCredentials } from './redact.js'
import { SCOPE_TRAITS, type Scope, type Target } from './target.js'

export { SECRET_MASK } from './model.js'
export type { ConfigFields, Connection, HookFields, HookRef, RepositorySelection } from './model.js'

/** The operations of this action; each maps to one REST hooks endpoint (see README). */
export const OPERATIONS = [
  'list',
  'get',
  'create',
  'update',
  'delete',
  'get-config',
  'update-config',
  'list-deliveries',
  'get-delivery',
  'redeliver',
  'ping',
  'test',
  'ensure',
  'ensure-absent',
  'redeliver-failed',
  'audit-secret',
  'rotate-secret',
  'report'
] as const

/** One of {@link OPERATIONS}. */
export type Operation = (typeof OPERATIONS)[number]

/** Inputs every operation reads. */
const CONNECTION_INPUTS = [
  'operation',
  'scope',
  'repository',
  'org',
  'app_id',
  'private_key',
  'token',
  'api_url',
  'api_version',
  'retries',
  'request_timeout',
  'rate_limit_wait',
  'ghes_rate_limit_factor'
] as const

/**
 * What an operation needs of its target's hooks API ({@link SCOPE_TRAITS}): a GitHub App's webhook
 * (scope `app`) has no list, no id, no ping; only organization and repository hooks have those.
 */
const NEEDS_TRAIT: Partial<Record<Operation, 'hooks' | 'ping' | 'test'>> = {
  list: 'hooks',
  get: 'hooks',
  create: 'hooks',
  update: 'hooks',
  delete: 'hooks',
  'ensure-absent': 'hooks',
  ping: 'ping',
  test: 'test'
}

/**
 * Inputs of a fleet run (several repositories in one step): the selection and its filters, and how
 * the run goes on after a failure and how many repositories it may write. Without `repositories`
 * they are ignored with a warning.
 */
const FLEET_INPUTS = ['repositories', 'include_archived', 'include_forks', 'topics', 'repository_property', 'fail_fast', 'max_writes'] as const

/** A need that one of several inputs meets (`hook_id|url`), or `change`: at least one setting to change. */
type Need = 'url' | 'hook_id|url' | 'delivery_id' | 'change' | 'secret'

/**
 * What each operation needs (an error before any request when missing) and which inputs it reads
 * besides {@link CONNECTION_INPUTS}. A set input that the chosen operation does not read is ignored
 * with a warning.
 */
const OPERATION_INPUTS: Record<Operation, { needs: readonly Need[]; uses: readonly string[] }> = {
  list: { needs: [], uses: ['per_page', 'limit'] },
  get: { needs: ['hook_id|url'], uses: ['hook_id', 'url'] },
  create: { needs: ['url'], uses: ['url', 'events', 'secret', 'content_type', 'insecure_ssl', 'active', 'allow_unknown_events'] },
  update: {
    needs: ['hook_id|url', 'change'],
    uses: ['hook_id', 'url', 'events', 'add_events', 'remove_events', 'secret', 'content_type', 'insecure_ssl', 'active', 'allow_unknown_events']
  },
  delete: { needs: ['hook_id|url'], uses: ['hook_id', 'url'] },
  'get-config': { needs: ['hook_id|url'], uses: ['hook_id', 'url'] },
  'update-config': { needs: ['hook_id|url', 'change'], uses: ['hook_id', 'url', 'secret', 'content_type', 'insecure_ssl'] },
  'list-deliveries': { needs: ['hook_id|url'], uses: ['hook_id', 'url', 'status', 'per_page', 'limit', 'since'] },
  'get-delivery': { needs: ['hook_id|url', 'delivery_id'], uses: ['hook_id', 'url', 'delivery_id'] },
  redeliver: { needs: ['hook_id|url', 'delivery_id'], uses: ['hook_id', 'url', 'delivery_id'] },
  ping: { needs: ['hook_id|url'], uses: ['hook_id', 'url', 'wait', 'wait_timeout', 'fail_on_delivery_error'] },
  test: { needs: ['hook_id|url'], uses: ['hook_id', 'url', 'wait', 'wait_timeout', 'fail_on_delivery_error'] },
  ensure: {
    needs: ['hook_id|url'],
    uses: [
      'hook_id',
      'url',
      'events',
      'secret',
      'content_type',
      'insecure_ssl',
      'active',
      'dry_run',
      'verify',
      'wait_timeout',
      'fail_on_delivery_error',
      'allow_unknown_events'
    ]
  },
  'ensure-absent': { needs: ['hook_id|url'], uses: ['hook_id', 'url', 'dry_run'] },
  'redeliver-failed': { needs: ['hook_id|url'], uses: ['hook_id', 'url', 'since', 'max_redeliveries'] },
  // Without hook_id or url: every hook of the target.
  'audit-secret': { needs: ['secret'], uses: ['hook_id', 'url', 'secret', 'previous_secret', 'ping_if_needed', 'wait_timeout', 'fail_on_mismatch'] },
  'rotate-secret': {
    needs: ['secret'],
    uses: ['hook_id', 'url', 'secret', 'previous_secret', 'canary', 'batch_size', 'max_failures', 'rotate_unknown', 'wait_timeout', 'dry_run']
  },
  // Without hook_id or url: every hook of the target.
  report: { needs: [], uses: ['hook_id', 'url', 'since', 'fail_below', 'fail_on_quiet'] }
}

/** What a needed input accepts, for the error when it is missing. */
const ACCEPTS: Record<string, string> = {
  url: 'an absolute http(s) URL: the payload URL (config.url)',
  hook_id: "the hook's id",
  delivery_id: 'a delivery id (a positive integer)',
  secret: "the secret the hooks should sign with (for 'rotate-secret', the new one); 'previous_secret' alone cannot tell which secret is current"
}

/** The inputs that only some operations read (a set one that the operation ignores gets a warning). */
const OPTIONAL_INPUTS = [...new Set(Object.values(OPERATION_INPUTS).flatMap((spec) => spec.uses))]

/** Every input of `action.yml`. */
export const INPUTS: readonly string[] = [...CONNECTION_INPUTS, ...FLEET_INPUTS, ...OPTIONAL_INPUTS]

/** Operations that only read, whatever their inputs (`ensure` and `ensure-absent` read only in a dry run). */
const READ_ONLY_OPERATIONS: readonly Operation[] = ['list', 'get', 'get-config', 'list-deliveries', 'get-delivery', 'report']

/** Default `canary` of `rotate-secret`: hooks rotated first, alone. */
export const DEFAULT_CANARY = 1
/** Default `batch_size` of `rotate-secret`. */
export const DEFAULT_BATCH_SIZE = 10
/** Default `max_failures` of `rotate-secret`. */
export const DEFAULT_MAX_FAILURES = 1

/** Operations that write a hook's config: `url` becomes `config.url` (for update/update-config only with `hook_id`). */
const CONFIG_WRITERS: readonly Operation[] = ['create', 'update', 'update-config', 'ensure']

/** Operations where `url` with `hook_id` is the hook's NEW url, not a second name of the hook. */
const URL_MOVERS: readonly Operation[] = ['update', 'update-config']

/**
 * GitHub's webhook event names (the event, without `.action`), from `@octokit/webhooks`, which
 * follows GitHub's webhooks OpenAPI description; `*` (all events) is allowed too.
 */
export const KNOWN_EVENTS: ReadonlySet<string> = new Set(emitterEventNames.filter((name) => !name.includes('.')))

/** API versions GitHub documents for the hooks endpoints (`X-GitHub-Api-Version`). */
export const KNOWN_API_VERSIONS = ['2022-11-28', '2026-03-10'] as const

/**
 * The targets a request names: one repository or organization (`repository` / `org`), or the
 * repositories that `repositories` selects, which are listed from the API before the operation runs.
 */
export type TargetSpec = { kind: 'one'; target: Target } | { kind: 'repositories'; selection: RepositorySelection }

/** One fully validated request: what the action will do, built from the inputs. */
export interface WebhookRequest {
  operation: Operation
  targets: TargetSpec
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

/** Reads one raw input, like `core.getInput`: '' when unset. */
export type InputReader = (name: string, options?: core.InputOptions) => string

/** Invalid input: `problems` names each bad input and what it accepts. */
export class InputError extends Error {
  readonly problems: string[]
  constructor(problems: string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} invalid inputs:\n- ${problems.join('\n- ')}`)
    this.name = 'InputError'
    this.problems = problems
  }
}

/** Default `per_page`: the API's maximum, so that lookups and lists take the fewest requests. */
export const DEFAULT_PER_PAGE = 100
/** Default `retries` of every request. */
export const DEFAULT_RETRIES = 3
/** Default `wait_timeout` of `ping` / `test`, in seconds. */
export const DEFAULT_WAIT_TIMEOUT = 60
/** Default `max_redeliveries` of `redeliver-failed`. */
export const DEFAULT_MAX_REDELIVERIES = 50
/** Default `since` of `redeliver-failed`: 24 hours back, in milliseconds. */
export const DEFAULT_REDELIVER_SINCE_MS = 24 * 3600_000
/** Default `limit` of `list-deliveries` (GitHub keeps deliveries for a few days; there may be thousands). */
export const DEFAULT_DELIVERIES_LIMIT = 100
/** Default `request_timeout`: seconds one HTTP request (each attempt) may take. */
export const DEFAULT_REQUEST_TIMEOUT = 30
/** Default `rate_limit_wait`: seconds the run may wait for the primary rate limit's reset (10 minutes). */
export const DEFAULT_RATE_LIMIT_WAIT = 600

/**
 * The fixed defaults that `action.yml` declares (`default:`), as the runner passes them. The runner
 * sets an input with a default on EVERY run, so a value equal to its default counts as unset: it gets
 * no "ignored" warning and does not count as given (e.g. as a change for `update`). An input whose
 * being set changes what happens (`repository`, `since`, `limit`, `events`…) has no default there.
 * Each value is the one the code takes when the input is unset; __tests__/reference.test.ts checks
 * that this map and action.yml agree and that setting each default changes nothing. `api_url`'s
 * default, `${{ github.api_url }}`, is not fixed: the code falls back to `GITHUB_API_URL` itself.
 */
export const ACTION_DEFAULTS: Readonly<Record<string, string>> = {
  scope: 'repo',
  include_archived: 'false',
  include_forks: 'true',
  fail_fast: 'false',
  allow_unknown_events: 'false',
  fail_on_quiet: 'false',
  ping_if_needed: 'true',
  fail_on_mismatch: 'true',
  canary: String(DEFAULT_CANARY),
  batch_size: String(DEFAULT_BATCH_SIZE),
  max_failures: String(DEFAULT_MAX_FAILURES),
  rotate_unknown: 'false',
  dry_run: 'false',
  max_redeliveries: String(DEFAULT_MAX_REDELIVERIES),
  wait: 'true',
  wait_timeout: String(DEFAULT_WAIT_TIMEOUT),
  fail_on_delivery_error: 'true',
  verify: 'true',
  per_page: String(DEFAULT_PER_PAGE),
  retries: String(DEFAULT_RETRIES),
  request_timeout: String(DEFAULT_REQUEST_TIMEOUT),
  rate_limit_wait: String(DEFAULT_RATE_LIMIT_WAIT),
  ghes_rate_limit_factor: '1',
  api_version: KNOWN_API_VERSIONS[0]
}

/** What `token` must be, for the error when it is missing. */
const TOKEN_HELP =
  "it accepts a token allowed to manage webhooks, stored as a secret: a fine-grained personal access token or GitHub App installation token with the \"Webhooks\" repository permission (read and write) for scope 'repo' or the \"Webhooks\" organization permission for scope 'org', or a classic personal access token with the admin:repo_hook / admin:org_hook scope. The workflow's GITHUB_TOKEN can never manage webhooks."

/**
 * Masks the secret, the previous secret, the token, the App's private key and the credentials of the
 * `url` input in the log (`core.setSecret`) and for {@link redact}. Call it before anything else runs.
 */
export function maskSecretInputs(read: InputReader = core.getInput): void {
  for (const name of ['secret', 'previous_secret', 'token']) {
    const raw = read(name, { trimWhitespace: false })
    if (raw.trim() === SECRET_MASK) continue // refused later; it is no secret
    mask(raw)
    if (raw.trim() !== raw) mask(raw.trim())
  }
  // The App's private key: whole, as given and with \n escapes resolved, and line by line (a log may
  // show one line of it); its BEGIN/END lines are no secret.
  const key = read('private_key')
  if (key !== '') {
    for (const value of new Set([key, appPrivateKey(key)])) mask(value)
    for (const line of appPrivateKey(key).split('\n')) if (!/^-----(BEGIN|END) /.test(line.trim())) mask(line.trim())
  }
  const url = read('url')
  // A url that does not parse (a forgotten scheme, an unencoded `/` in a password) is masked whole.
  if (url !== '' && !URL.canParse(url)) mask(url)
  urlCredentials(url).forEach(mask)
}

/**
 * Builds the validated request from the inputs.
 *
 * Defaults that depend on the workflow: `repository` falls back to `GITHUB_REPOSITORY`, `org` to the
 * repository owner, `api_url` to `GITHUB_API_URL` then `https://api.github.com`. An input equal to its
 * fixed default in action.yml ({@link ACTION_DEFAULTS}) counts as unset.
 *
 * @param read input reader, `core.getInput` by default (tests pass their own)
 * @param env environment for the workflow fallbacks, `process.env` by default
 * @throws InputError listing every invalid input; nothing has been requested from GitHub then.
 */
export function getRequest(read: InputReader = core.getInput, env: NodeJS.ProcessEnv = process.env): WebhookRequest {
  const started_at = new Date()
  const problems: string[] = []
  const warnings: string[] = []
  // Unset, or set to its action.yml default (which the runner always sets): undefined.
  const input = (name: string): string | undefined => {
    const value = read(name)
    return value === '' || (Object.hasOwn(ACTION_DEFAULTS, name) && value === ACTION_DEFAULTS[name]) ? undefined : value
  }
  /** Runs a parser and records its error as a problem; undefined when the input is unset or invalid. */
  const parse = <T>(name: string, parser: (raw: string, name: string) => T): T | undefined => {
    const raw = input(name)
    if (raw === undefined) return undefined
    try {
      return parser(raw, name)
    } catch (error) {
      problems.push((error as Error).message)
      return undefined
    }
  }

  const operation = parse('operation', oneOf(OPERATIONS))
  if (input('operation') === undefined) problems.push(`Input 'operation' is required; it accepts ${list(OPERATIONS)}.`)
  const scope = parse('scope', oneOf(['repo', 'org', 'app'] as const)) ?? 'repo'

  const repositories = parse('repositories', repositoryPatterns)
  const targets = repositories ? selectionSpec(repositories, scope, parse, input, problems) : oneTarget(scope, input, env, problems)

  const hookId = parse('hook_id', positiveInteger)
  const url = parse('url', httpUrl)
  const secret = read('secret') // trimmed, like every input: surrounding whitespace is a paste accident
  if (secret === SECRET_MASK) {
    problems.push(
      `Input 'secret' is '${SECRET_MASK}', the mask GitHub returns in place of a stored secret; it accepts the real secret (or leave it unset to keep the stored one).`
    )
  }
  const previous = read('previous_secret')
  if (previous === SECRET_MASK) {
    problems.push(
      `Input 'previous_secret' is '${SECRET_MASK}', the mask GitHub returns in place of a stored secret; it accepts the secret receivers knew before the rotation.`
    )
  } else if (previous !== '' && previous === secret) {
    problems.push("Input 'previous_secret' is the same as 'secret'; it accepts the OLD secret (the one to go back to), 'secret' the new one.")
  }
  const config: ConfigFields = {
    content_type: parse('content_type', oneOf(['json', 'form'] as const)),
    insecure_ssl: parse('insecure_ssl', oneOf(['0', '1'] as const)),
    secret: secret === '' || secret === SECRET_MASK ? undefined : secret
  }
  const hook_fields: HookFields = {
    events: parse('events', eventList),
    add_events: parse('add_events', eventList),
    remove_events: parse('remove_events', eventList),
    active: parse('active', boolean)
  }
  const request: Omit<WebhookRequest, 'operation' | 'targets'> = {
    writes: false,
    fail_fast: parse('fail_fast', boolean) ?? false,
    max_writes: parse('max_writes', positiveInteger),
    hook_fields,
    config,
    delivery_id: parse('delivery_id', positiveInteger),
    status: parse('status', oneOf(['success', 'failure'] as const)),
    per_page: parse('per_page', integerIn(1, 100)) ?? DEFAULT_PER_PAGE,
    limit: parse('limit', positiveInteger),
    dry_run: parse('dry_run', boolean) ?? false,
    wait: parse('wait', boolean) ?? true,
    wait_timeout: parse('wait_timeout', seconds(600)) ?? DEFAULT_WAIT_TIMEOUT,
    fail_on_delivery_error: parse('fail_on_delivery_error', boolean) ?? true,
    verify: parse('verify', boolean) ?? true,
    since: parse('since', pointInTime),
    max_redeliveries: parse('max_redeliveries', positiveInteger) ?? DEFAULT_MAX_REDELIVERIES,
    previous_secret: previous === '' || previous === SECRET_MASK ? undefined : previous,
    ping_if_needed: parse('ping_if_needed', boolean) ?? true,
    fail_on_mismatch: parse('fail_on_mismatch', boolean) ?? true,
    canary: parse('canary', integerIn(0, 1000)) ?? DEFAULT_CANARY,
    batch_size: parse('batch_size', positiveInteger) ?? DEFAULT_BATCH_SIZE,
    max_failures: parse('max_failures', positiveInteger) ?? DEFAULT_MAX_FAILURES,
    rotate_unknown: parse('rotate_unknown', boolean) ?? false,
    fail_below: parse('fail_below', fraction),
    fail_on_quiet: parse('fail_on_quiet', boolean) ?? false,
    retries: parse('retries', integerIn(0, 10)) ?? DEFAULT_RETRIES,
    started_at,
    connection: {
      token: read('token'),
      api_url: parse('api_url', httpUrl)?.replace(/\/+$/, '') ?? env.GITHUB_API_URL ?? 'https://api.github.com',
      api_version: parse('api_version', apiVersion) ?? KNOWN_API_VERSIONS[0],
      request_timeout: parse('request_timeout', seconds(600)) ?? DEFAULT_REQUEST_TIMEOUT,
      rate_limit_wait: parse('rate_limit_wait', secondsOrZero(3600)) ?? DEFAULT_RATE_LIMIT_WAIT,
      ghes_rate_limit_factor: parse('ghes_rate_limit_factor', factor) ?? 1
    },
    warnings
  }
  if (request.connection.ghes_rate_limit_factor !== 1 && isGitHubCloud(request.connection.api_url)) {
    problems.push(
      `Input 'ghes_rate_limit_factor' is set, but api_url is GitHub's own service (${request.connection.api_url}), whose rate limits the action always keeps; it accepts a factor only for a GitHub Enterprise Server whose administrator changed its limits.`
    )
  }
  if (!(KNOWN_API_VERSIONS as readonly string[]).includes(request.connection.api_version)) {
    warnings.push(
      `Input 'api_version' is '${request.connection.api_version}', which this action does not know (it knows ${list(KNOWN_API_VERSIONS)}); GitHub answers 400 if it does not support it.`
    )
  }
  if (scope === 'app') {
    request.connection.app = appCredentials(input, problems)
    if (request.connection.token !== '')
      warnings.push("Input 'token' is ignored with scope 'app': the action authenticates as the App (app_id, private_key).")
    request.connection.token = ''
  } else if (request.connection.token === '') {
    problems.push(`Input 'token' is required; ${TOKEN_HELP}`)
  }
  if (parse('allow_unknown_events', boolean) !== true) {
    // Only for an operation that sends them; an ignored input gets its warning below instead.
    const sent = operation === undefined ? [] : OPERATION_INPUTS[operation].uses
    for (const name of (['events', 'add_events', 'remove_events'] as const).filter((input) => sent.includes(input))) {
      const unknown = (hook_fields[name] ?? []).filter((event) => event !== '*' && !KNOWN_EVENTS.has(event))
      if (unknown.length > 0) problems.push(unknownEvents(name, unknown))
    }
  }

  if (request.since !== undefined && request.since > started_at) {
    problems.push(
      `Input 'since' is ${request.since.toISOString()}, in the future; it accepts a time in the past or a duration back from now (30m, 6h, 3d).`
    )
  }
  if (operation !== undefined) {
    checkOperation(operation, scope, request, problems, warnings, input)
    if (targets?.kind === 'repositories') checkFleet(operation, targets.selection, request, problems, warnings, input)
  }
  if (targets?.kind !== 'repositories') {
    for (const name of FLEET_INPUTS.filter((name) => name !== 'repositories' && input(name) !== undefined)) {
      warnings.push(`Input '${name}' is ignored without 'repositories' (it applies to a run over several repositories).`)
    }
  }
  if (problems.length > 0 || operation === undefined || targets === undefined) throw new InputError(problems)

  const { uses } = OPERATION_INPUTS[operation]
  // `url` is the new hook's URL for `create`, the hook's new URL with `hook_id` for update/update-config,
  // and otherwise the hook's name: with `hook_id` too, both must name the same hook (checked before any write).
  // A GitHub App's one webhook is never named: url is always the url to write.
  const single = targets.kind === 'one' && !SCOPE_TRAITS[targets.target.scope].hooks
  const moves = (hookId !== undefined || single) && URL_MOVERS.includes(operation)
  if (url !== undefined && (operation === 'create' || operation === 'ensure' || moves)) config.url = url
  if (CONFIG_WRITERS.includes(operation)) warnUnsafe(config, warnings)
  if (uses.includes('hook_id') && !single) {
    request.hook =
      hookId !== undefined ? { hook_id: hookId, ...(url !== undefined && !moves ? { url } : {}) } : url !== undefined ? { url } : undefined
  }
  if (operation === 'list-deliveries') request.limit ??= DEFAULT_DELIVERIES_LIMIT
  if (!uses.includes('dry_run')) request.dry_run = false
  request.writes = mayWrite(operation, request)
  if (operation === 'redeliver-failed' || operation === 'report') request.since ??= new Date(started_at.getTime() - DEFAULT_REDELIVER_SINCE_MS)
  if (request.since !== undefined) request.since = clampSince(request.since, request.connection.api_url, started_at, warnings)
  return { operation, targets, ...request }
}

/**
 * GitHub keeps deliveries for {@link deliveryRetentionDays} days (3 on github.com, 7 on GHES): an
 * older `since` is clamped to that bound, with a warning.
 */
function clampSince(since: Date, api_url: string, now: Date, warnings: string[]): Date {
  const days = deliveryRetentionDays(api_url)
  const oldest = new Date(now.getTime() - days * 86400_000)
  if (since >= oldest) return since
  warnings.push(
    `Input 'since' (${since.toISOString()}) is older than GitHub keeps deliveries (${days} days for this API); using ${oldest.toISOString()} instead.`
  )
  return oldest
}

/** The error for event names GitHub does not know, with the closest known name for each. */
function unknownEvents(name: string, events: string[]): string {
  const known = [...KNOWN_EVENTS]
  const named = events.map((event) => {
    const typed = event.toLowerCase().replace(/-/g, '_')
    const near = closest(typed, known)
    return distance(typed, near) <= Math.max(2, Math.floor(typed.length / 3)) ? `'${event}' (did you mean '${near}'?)` : `'${event}'`
  })
  return (
    `Input '${name}' has ${events.length === 1 ? 'an unknown webhook event' : 'unknown webhook events'}: ${named.join(', ')}; ` +
    `it accepts GitHub's webhook event names (push, pull_request, issues, … or * for all). ` +
    `Set 'allow_unknown_events: true' for an event newer than this action knows (e.g. on GitHub Enterprise Server).`
  )
}

/** Resolves `scope`, `repository` and `org` into one target; records problems. */
function oneTarget(scope: Scope, input: (name: string) => string | undefined, env: NodeJS.ProcessEnv, problems: string[]): TargetSpec | undefined {
  if (scope === 'app') {
    const app_id = input('app_id')
    return app_id !== undefined && APP_ID.test(app_id) ? { kind: 'one', target: { scope, app_id } } : undefined
  }
  const target = parseTarget(scope, input, env, problems)
  return target && { kind: 'one', target }
}

/**
 * The selection of `repositories` with its filters; records problems: `repository` set too, a scope
 * other than `repo`, a malformed `topics` or `repository_property`.
 */
function selectionSpec(
  patterns: RepositoryPattern[],
  scope: Scope,
  parse: <T>(name: string, parser: (raw: string, name: string) => T) => T | undefined,
  input: (name: string) => string | undefined,
  problems: string[]
): TargetSpec {
  if (input('repository') !== undefined) {
    problems.push(
      "Inputs 'repository' and 'repositories' are both set; set one: 'repository' names one repository, 'repositories' several (owner/name, owner/glob such as owner/svc-*, !entry to exclude)."
    )
  }
  if (scope !== 'repo') {
    problems.push(`Input 'repositories' selects repositories, so it works with scope 'repo' only; with scope '${scope}' use 'org'.`)
  }
  const selection: RepositorySelection = {
    patterns,
    include_archived: parse('include_archived', boolean) ?? false,
    include_forks: parse('include_forks', boolean) ?? true,
    topics: parse('topics', topicList) ?? [],
    property: parse('repository_property', propertyFilter)
  }
  return { kind: 'repositories', selection }
}

/**
 * Checks a fleet run: ids name one hook or delivery in ONE repository, so `hook_id` and
 * `delivery_id` need `repositories` to be one `owner/name`; warns about filters that cannot apply.
 */
function checkFleet(
  operation: Operation,
  selection: RepositorySelection,
  request: Omit<WebhookRequest, 'operation' | 'targets'>,
  problems: string[],
  warnings: string[],
  input: (name: string) => string | undefined
): void {
  const one = selection.patterns.length === 1 && !selection.patterns[0].glob && !selection.patterns[0].exclude
  for (const name of ['hook_id', 'delivery_id']) {
    if (!one && input(name) !== undefined && OPERATION_INPUTS[operation].uses.includes(name)) {
      problems.push(
        `Input '${name}' names ${name === 'hook_id' ? 'a hook' : 'a delivery'} of one repository (ids differ per repository), but 'repositories' may select several; ` +
          (name === 'hook_id' ? "name the hook by 'url' instead, or set 'repositories' to one owner/name." : "set 'repositories' to one owner/name.")
      )
    }
  }
  const filters = ['include_archived', 'include_forks', 'topics', 'repository_property'].filter((name) => input(name) !== undefined)
  if (filters.length > 0 && !selection.patterns.some((pattern) => pattern.glob && !pattern.exclude)) {
    warnings.push(
      `${filters.map((name) => `'${name}'`).join(', ')} narrow only the repositories a glob entry lists (owner/svc-*); every entry of 'repositories' names one repository exactly, so they change nothing.`
    )
  }
  if (selection.include_archived && mayWrite(operation, request)) {
    warnings.push(
      `Input 'include_archived' keeps archived repositories for operations that only read; '${operation}' writes (GitHub makes an archived repository's hooks read-only), so they are left out.`
    )
  }
}

/** Whether the operation may send a POST, PATCH or DELETE: not a read, not a dry run, not an audit without pings. */
function mayWrite(operation: Operation, request: Pick<WebhookRequest, 'dry_run' | 'ping_if_needed'>): boolean {
  if (READ_ONLY_OPERATIONS.includes(operation) || request.dry_run) return false
  return operation !== 'audit-secret' || request.ping_if_needed
}

/** Resolves `scope`, `repository` and `org` into a target; records problems. */
function parseTarget(
  scope: 'repo' | 'org',
  input: (name: string) => string | undefined,
  env: NodeJS.ProcessEnv,
  problems: string[]
): Target | undefined {
  const repository = input('repository') ?? env.GITHUB_REPOSITORY
  // The owner: a login (letters, digits, hyphens; `_` in an Enterprise Managed User's), never a dot
  // segment; the name: one GitHub can give a repository, never `.` or `..` (`octo-org/.` would request
  // /repos/octo-org/hooks).
  const parts = repository === undefined ? null : /^([A-Za-z0-9_-]+)\/([^/]+)$/.exec(repository)
  const match = parts !== null && isRepositoryName(parts[2]) ? parts : null
  if (repository !== undefined && match === null) {
    problems.push(`Input 'repository' is '${repository}'; it accepts 'owner/name', e.g. 'octo-org/hello-world': ${NAME_RULE}.`)
  }
  if (scope === 'repo') {
    if (repository === undefined) {
      problems.push("Input 'repository' is required with scope 'repo' (outside a workflow); it accepts 'owner/name'.")
    }
    return match ? { scope, owner: match[1], repo: match[2] } : undefined
  }
  const org = input('org') ?? match?.[1]
  if (org === undefined) {
    problems.push("Input 'org' is required with scope 'org' when no repository is known; it accepts an organization login.")
    return undefined
  }
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(org)) {
    problems.push(`Input 'org' is '${org}'; it accepts an organization login (letters, digits and inner hyphens).`)
    return undefined
  }
  return { scope, org }
}

/** Warns about config values to be written that expose the payloads: `insecure_ssl: 1`, a plain `http://` payload URL. */
function warnUnsafe(config: ConfigFields, warnings: string[]): void {
  if (config.insecure_ssl === '1') {
    warnings.push(
      "Input 'insecure_ssl' is 1: GitHub will not verify the receiver's TLS certificate, so anyone between GitHub and the receiver can read and forge the payloads (man-in-the-middle). Use 0 with a valid certificate."
    )
  }
  if (config.url !== undefined && new URL(config.url).protocol === 'http:') {
    warnings.push(
      "Input 'url' uses plain http://: payloads (and their signature) travel unencrypted and can be read on the way. Use https:// for anything but a local test."
    )
  }
}

/** Checks what the chosen operation needs, and warns about set inputs it ignores. */
function checkOperation(
  operation: Operation,
  scope: Scope,
  request: Omit<WebhookRequest, 'operation' | 'targets'>,
  problems: string[],
  warnings: string[],
  input: (name: string) => string | undefined
): void {
  const { needs, uses } = OPERATION_INPUTS[operation]
  const traits = SCOPE_TRAITS[scope]
  const needed = NEEDS_TRAIT[operation]
  if (operation === 'test' && scope === 'org') {
    problems.push(
      "Input 'operation' is 'test', which exists for repository webhooks only (POST /repos/{owner}/{repo}/hooks/{hook_id}/tests); with scope 'org' use 'ping'."
    )
  } else if (needed !== undefined && !traits[needed]) {
    const works = OPERATIONS.filter((name) => NEEDS_TRAIT[name] === undefined || traits[NEEDS_TRAIT[name]])
    problems.push(
      `Input 'operation' is '${operation}', which does not work on the webhook of a ${traits.noun} (scope '${scope}'); it takes ${list(works)}.`
    )
  }
  if (!traits.hooks) {
    // A GitHub App's one webhook: no id to name it by, no events or active state of its own.
    for (const name of ['events', 'active', 'add_events', 'remove_events'].filter((name) => input(name) !== undefined && uses.includes(name))) {
      problems.push(
        `Input '${name}' cannot be set with scope '${scope}': a ${traits.noun}'s events and active state are set in its settings on GitHub, not through its webhook.`
      )
    }
    if (input('hook_id') !== undefined) warnings.push(`Input 'hook_id' is ignored with scope '${scope}': a ${traits.noun} has one webhook.`)
  }
  // Presence is judged on the raw inputs: an invalid value is already reported by its parser.
  for (const need of needs) {
    if (need === 'hook_id|url' && !traits.hooks) continue // the target's one webhook
    if (need === 'change') {
      const changes = uses.filter((name) => name !== 'hook_id' && (name !== 'url' || input('hook_id') !== undefined || !traits.hooks))
      if (changes.every((name) => input(name) === undefined)) {
        problems.push(`'${operation}' has nothing to change: set at least one of ${list(changes)} (url with hook_id moves the hook).`)
      }
      continue
    }
    const names = need.split('|')
    if (names.some((name) => input(name) !== undefined)) continue
    const accepts = names.map((name) => (names.length > 1 ? `'${name}' accepts ${ACCEPTS[name]}` : `it accepts ${ACCEPTS[name]}`))
    problems.push(`Input ${names.map((name) => `'${name}'`).join(' or ')} is required for '${operation}'; ${accepts.join(', ')}.`)
  }
  const { events, add_events, remove_events } = request.hook_fields
  if (events !== undefined && (add_events !== undefined || remove_events !== undefined)) {
    problems.push("Input 'events' replaces the whole list; it cannot be combined with 'add_events' or 'remove_events'.")
  }
  for (const name of OPTIONAL_INPUTS) {
    if (!uses.includes(name) && input(name) !== undefined) {
      warnings.push(`Input '${name}' is ignored by operation '${operation}'.`)
    }
  }
  if (scope === 'repo' && input('org') !== undefined) warnings.push("Input 'org' is ignored with scope 'repo'.")
}

// ---- parsers: each takes the raw (trimmed) value and the input name, and throws a message naming both

/** Accepts one of the given words. */
function oneOf<T extends string>(values: readonly T[]): (raw: string, name: string) => T {
  return (raw, name) => {
    if ((values as readonly string[]).includes(raw)) return raw as T
    throw new Error(`Input '${name}' is '${raw}'; it accepts ${list(values)}.`)
  }
}

/** Accepts a positive integer (ids, limits). */
function positiveInteger(raw: string, name: string): number {
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN
  if (Number.isSafeInteger(value) && value > 0) return value
  throw new Error(`Input '${name}' is '${raw}'; it accepts a positive integer.`)
}

/** Accepts an integer within [min, max]. */
function integerIn(min: number, max: number): (raw: string, name: string) => number {
  return (raw, name) => {
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN
    if (value >= min && value <= max) return value
    throw new Error(`Input '${name}' is '${raw}'; it accepts an integer from ${min} to ${max}.`)
  }
}

/** Accepts a fraction from 0 to 1 (`0.95`), e.g. a success rate. */
function fraction(raw: string, name: string): number {
  const value = /^(0|1)?(\.\d+)?$/.test(raw) && raw !== '' && raw !== '.' ? Number(raw) : NaN
  if (value >= 0 && value <= 1) return value
  throw new Error(`Input '${name}' is '${raw}'; it accepts a number from 0 to 1, e.g. 0.95 for 95 %.`)
}

/** Accepts a positive number of seconds up to `max` (fractions allowed). */
function seconds(max: number): (raw: string, name: string) => number {
  return (raw, name) => {
    const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN
    if (value > 0 && value <= max) return value
    throw new Error(`Input '${name}' is '${raw}'; it accepts a positive number of seconds up to ${max}.`)
  }
}

const DURATION_UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000, d: 86400_000, w: 7 * 86400_000 }

/**
 * Accepts an ISO 8601 time (`2026-11-20T06:00:00Z`, `2026-11-20`) or a duration back from now
 * (`90s`, `30m`, `6h`, `7d`, `1w`), and returns the point in time.
 */
export function pointInTime(raw: string, name: string): Date {
  const duration = /^(\d+)\s*([smhdw])$/.exec(raw)
  if (duration) return new Date(Date.now() - Number(duration[1]) * DURATION_UNITS_MS[duration[2]])
  const time = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw) ? Date.parse(raw) : NaN
  if (!Number.isNaN(time)) return new Date(time)
  throw new Error(`Input '${name}' is '${raw}'; it accepts an ISO 8601 time such as 2026-11-20T06:00:00Z or a duration such as 30m, 6h or 7d.`)
}

/** Accepts an absolute http:// or https:// URL (returned as given). */
/** Seconds from 0 (no wait) up to `max`. */
function secondsOrZero(max: number): (raw: string, name: string) => number {
  return (raw, name) => (raw === '0' ? 0 : seconds(max)(raw, name))
}

/** `ghes_rate_limit_factor`: a number above 0, up to 1000. */
function factor(raw: string, name: string): number {
  const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN
  if (value > 0 && value <= 1000) return value
  throw new Error(`Input '${name}' is '${raw}'; it accepts a number above 0 and up to 1000 that multiplies GitHub's rate limits (1: GitHub's own).`)
}

/**
 * True for an API root of GitHub's own service: api.github.com, or `api.SUBDOMAIN.ghe.com` (GitHub
 * Enterprise Cloud with data residency), whose limits are GitHub's documented ones.
 */
export function isGitHubCloud(api_url: string): boolean {
  const host = URL.parse(api_url)?.hostname.toLowerCase() ?? ''
  return host === 'api.github.com' || host === 'github.com' || host.endsWith('.github.com') || host.endsWith('.ghe.com')
}

function httpUrl(raw: string, name: string): string {
  let protocol: string | undefined
  try {
    protocol = new URL(raw).protocol
  } catch {
    protocol = undefined
  }
  if (protocol === 'http:' || protocol === 'https:') return raw
  // Not repeated: a URL that does not parse may still carry a credential the redaction cannot find.
  throw new Error(
    `Input '${name}' is not an absolute http:// or https:// URL (its value is not shown: it may hold a credential); it accepts an absolute http:// or https:// URL.`
  )
}

/** Accepts the YAML 1.2 core booleans, as `core.getBooleanInput` does. */
function boolean(raw: string, name: string): boolean {
  if (['true', 'True', 'TRUE'].includes(raw)) return true
  if (['false', 'False', 'FALSE'].includes(raw)) return false
  throw new Error(`Input '${name}' is '${raw}'; it accepts true or false.`)
}

/** Accepts a date-shaped API version (`YYYY-MM-DD`); versions outside {@link KNOWN_API_VERSIONS} get a warning. */
function apiVersion(raw: string, name: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(raw)) return raw
  throw new Error(`Input '${name}' is '${raw}'; it accepts a REST API version date such as ${list(KNOWN_API_VERSIONS)}.`)
}

/**
 * Accepts event names as a JSON array of strings, or separated by commas and/or new lines
 * (`push, pull_request` or one per line). `*` stands for all events. Duplicates are dropped.
 */
export function eventList(raw: string, name: string): string[] {
  const accepts = `it accepts webhook event names such as push, pull_request or * (all events), separated by commas or new lines, or a JSON array of them`
  let names: unknown
  if (raw.startsWith('[')) {
    try {
      names = JSON.parse(raw)
    } catch {
      names = undefined
    }
    if (!Array.isArray(names) || !names.every((item) => typeof item === 'string')) {
      throw new Error(`Input '${name}' starts with '[' but is not a JSON array of strings; ${accepts}.`)
    }
  } else {
    names = raw
      .split(/\r?\n/)
      .map((line) => line.trim().replace(/,$/, ''))
      .filter((line) => line !== '')
      .flatMap((line) => line.split(','))
  }
  const events = (names as string[]).map((event) => event.trim())
  const bad = events.filter((event) => !/^(\*|[A-Za-z][A-Za-z0-9_.-]*)$/.test(event))
  if (bad.length > 0 || events.length === 0) {
    const shown = bad.map((event) => (event === '' ? 'an empty name' : `'${event}'`)).join(', ') || 'no event'
    throw new Error(`Input '${name}' has ${shown}; ${accepts}.`)
  }
  return [...new Set(events)]
}

/** A GitHub App's id (digits) or client id (`Iv1.…`, `Iv23…`), which GitHub takes as the JWT's issuer. */
const APP_ID = /^(\d+|Iv[0-9A-Za-z.]+)$/

/**
 * The App's credentials for scope `app`: `app_id` and `private_key` (PEM, also with literal `\n`
 * escapes as secrets often hold it), checked before any request: the key must parse as a private key
 * (node:crypto `createPrivateKey`) and be an RSA one (`asymmetricKeyType` `rsa`, PKCS#1 `BEGIN RSA
 * PRIVATE KEY` or PKCS#8 `BEGIN PRIVATE KEY`), since GitHub signs App JWTs with RS256 only (REST docs
 * "Generating a JSON Web Token (JWT) for a GitHub App"). Records a problem for each one missing or
 * malformed; the key is never repeated.
 */
function appCredentials(input: (name: string) => string | undefined, problems: string[]): { app_id: string; private_key: string } | undefined {
  const app_id = input('app_id')
  const raw = input('private_key')
  if (app_id === undefined)
    problems.push("Input 'app_id' is required with scope 'app'; it accepts the App's id (a number, on its settings page) or its client id.")
  else if (!APP_ID.test(app_id)) problems.push(`Input 'app_id' is '${app_id}'; it accepts the App's id (a number) or its client id (Iv…).`)
  if (raw === undefined) {
    problems.push(
      "Input 'private_key' is required with scope 'app'; it accepts the App's private key (the .pem file GitHub generates), from a secret."
    )
    return undefined
  }
  const private_key = appPrivateKey(raw)
  const accepts =
    "it accepts the PEM the App's settings page generates, -----BEGIN RSA PRIVATE KEY----- to its END line (or the same RSA key as PKCS#8, -----BEGIN PRIVATE KEY-----), with real line breaks or literal \\n"
  let type: string | undefined
  try {
    type = createPrivateKey(private_key).asymmetricKeyType
  } catch {
    problems.push(`Input 'private_key' is not a private key (its value is not shown); ${accepts}.`)
    return undefined
  }
  // GitHub App keys are RSA and the JWT is signed RS256 (RSASSA-PKCS1-v1_5): an EC, Ed25519 or RSA-PSS
  // key would only fail at the first request ("Invalid key type").
  if (type !== 'rsa') {
    problems.push(
      `Input 'private_key' is a private key of type ${type?.toUpperCase() ?? 'unknown'} (its value is not shown), but GitHub App keys are RSA (the App's JWT is signed RS256); ${accepts}.`
    )
    return undefined
  }
  return app_id === undefined ? undefined : { app_id, private_key }
}

/** A private key as given: trimmed, and literal `\n` escapes (a key pasted into a one-line secret) turned into line breaks. */
export function appPrivateKey(raw: string): string {
  return raw.trim().replace(/\\n/g, '\n')
}

/** Owner logins: letters, digits and inner hyphens (GitHub's rule for user and organization names). */
const LOGIN = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?'

/** What a repository name holds, for the errors of `repository` and `repositories`. */
const NAME_RULE = "a repository name holds only letters, digits, '.', '-' and '_', and is never '.' or '..'"

/** What a glob over repository names may use, for the error of `repositories`. */
const GLOB_RULE =
  'a glob adds only *, ? and [...] classes of those characters (e.g. [a-f0-9]; no [!...] or [^...]); !, {}, () and extglobs are refused: an exclusion is a whole entry, !owner/pattern (e.g. !octo-org/svc-legacy)'

/**
 * True for a name GitHub can give a repository: letters, digits, `.`, `-` and `_` only, and neither
 * `.` nor `..` (which a URL would resolve as a path segment: `/repos/octo-org/.` is `/repos/octo-org`).
 */
export function isRepositoryName(name: string): boolean {
  return /^[A-Za-z0-9._-]+$/.test(name) && name !== '.' && name !== '..'
}

/** A character of a repository name (see {@link isRepositoryName}). */
const NAME_CHAR = /^[A-Za-z0-9._-]$/

/** Both ends of a `[a-f]` range are digits, lower-case or upper-case letters, the first not after the second. */
function isRange(from: string, to: string): boolean {
  return ['0-9', 'a-z', 'A-Z'].some((kind) => new RegExp(`^[${kind}]$`).test(from) && new RegExp(`^[${kind}]$`).test(to)) && from <= to
}

/** True when the `[...]` class's inside (between the brackets) holds name characters and ascending ranges; `-` is literal only first or last. */
function isNameClass(inside: string): boolean {
  if (inside === '') return false
  for (let at = 0; at < inside.length;) {
    if (inside[at + 1] === '-' && at + 2 < inside.length) {
      if (!isRange(inside[at], inside[at + 2])) return false
      at += 3
    } else {
      if (!NAME_CHAR.test(inside[at]) || (inside[at] === '-' && at !== 0 && at !== inside.length - 1)) return false
      at += 1
    }
  }
  return true
}

/**
 * True for a glob over repository names that picomatch reads with no surprise: name characters
 * ({@link isRepositoryName}), `*`, `?`, and `[...]` classes of name characters or ascending ranges
 * (`[a-f]`, `[0-9]`). Refused: a negation (`!svc-*`, which picomatch reads as "every name but"),
 * negated classes (`[!a]`, `[^a]`), braces, parentheses and extglobs (`@(a|b)`), POSIX classes,
 * escapes, unbalanced brackets.
 */
export function isNameGlob(glob: string): boolean {
  for (let at = 0; at < glob.length;) {
    if (glob[at] === '[') {
      const end = glob.indexOf(']', at + 1)
      if (end === -1 || !isNameClass(glob.slice(at + 1, end))) return false
      at = end + 1
    } else if (NAME_CHAR.test(glob[at]) || glob[at] === '*' || glob[at] === '?') {
      at += 1
    } else {
      return false
    }
  }
  return glob !== ''
}

/**
 * Accepts the `repositories` entries, separated by new lines or commas (blank lines and `#` comment
 * lines are skipped): `owner/name`; `owner/glob` with `*`, `?` or `[…]` over the owner's repository
 * names (`owner/*`, `owner/svc-*`); `!owner/name` or `!owner/glob` to exclude what the earlier entries
 * selected. The owner is always written out. Duplicates are dropped.
 *
 * A name must be one GitHub can give a repository ({@link isRepositoryName}), a glob one of
 * {@link isNameGlob}: a `!` anywhere but before the owner (`octo-org/!svc-*`, which picomatch would
 * read as "every name but svc-*", a write to the wrong repositories) is refused, and so are braces,
 * parentheses, extglobs and negated classes.
 * @throws Error naming the input, each entry at fault and what the input accepts
 */
export function repositoryPatterns(raw: string, name: string): RepositoryPattern[] {
  const accepts =
    'it accepts entries separated by new lines or commas: owner/name, owner/glob over names (owner/*, owner/svc-*), or !owner/name, !owner/glob to exclude what earlier entries selected'
  const entries = raw
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
  if (entries.length === 0) throw new Error(`Input '${name}' has no entry; ${accepts}.`)
  const problems: string[] = []
  const patterns: RepositoryPattern[] = []
  for (const text of new Set(entries)) {
    const exclude = text.startsWith('!')
    const body = exclude ? text.slice(1).trim() : text
    const match = new RegExp(`^(${LOGIN})/(.*)$`).exec(body)
    const glob = match !== null && /[*?[\]]/.test(match[2])
    if (body === '') problems.push("a bare '!' (it excludes nothing: write !owner/name or !owner/glob)")
    else if (match === null) problems.push(`'${text}'`)
    else if (glob ? !isNameGlob(match[2]) : !isRepositoryName(match[2])) problems.push(`'${text}' (${NAME_RULE}; ${GLOB_RULE})`)
    else if (exclude && patterns.length === 0) problems.push(`'${text}' first (an exclusion removes what EARLIER entries selected)`)
    else patterns.push({ text, owner: match[1], name: match[2], glob, exclude })
  }
  if (problems.length > 0) throw new Error(`Input '${name}' has ${problems.join(', ')}; ${accepts}.`)
  return patterns
}

/** Accepts repository topics separated by commas or new lines (GitHub's topic format: lower case, digits, hyphens). */
function topicList(raw: string, name: string): string[] {
  const topics = raw
    .split(/[\r\n,]+/)
    .map((topic) => topic.trim().toLowerCase())
    .filter((topic) => topic !== '')
  const bad = topics.filter((topic) => !/^[a-z0-9][a-z0-9-]{0,49}$/.test(topic))
  if (bad.length > 0 || topics.length === 0) {
    throw new Error(
      `Input '${name}' has ${bad.map((topic) => `'${topic}'`).join(', ') || 'no topic'}; it accepts repository topics (lower-case letters, digits and hyphens, at most 50 characters), separated by commas or new lines.`
    )
  }
  return [...new Set(topics)]
}

/** Accepts `name=value`: a custom property of the organization and the value a repository must have. */
function propertyFilter(raw: string, name: string): { name: string; value: string } {
  const at = raw.indexOf('=')
  const property = raw.slice(0, at).trim()
  const value = raw.slice(at + 1).trim()
  if (at > 0 && property !== '' && value !== '' && !/\s/.test(property)) return { name: property, value }
  throw new Error(
    `Input '${name}' is '${raw}'; it accepts name=value: a custom property of the organization and the value a repository must have, e.g. team=platform.`
  )
}

/** `'a', 'b' or 'c'` */
function list(values: readonly string[]): string {
  const quoted = values.map((value) => `'${value}'`)
  return quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}` : quoted.join('')
}
