/**
 * The one module that turns the raw action inputs (strings from `action.yml`) into one typed,
 * validated {@link WebhookRequest} ({@link getRequest}). Every input is checked here, before the
 * first API request; an invalid input throws an {@link InputError} that names the input and what it
 * accepts. Along the flow: ./credentials.ts masks the secrets first (`maskSecretInputs`, called
 * by main.ts before anything else), then `getRequest` parses each value (./values.ts), resolves
 * the target or the repository selection (./targets.ts), checks the connection and its
 * credentials (./credentials.ts) and what the chosen operation declares it needs and reads (its
 * `inputs` in the operation table it is given, checked by ./operation-inputs.ts), and fills in the
 * defaults. It knows no operation by name.
 */
import * as core from '@actions/core'
import { existsSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import {
  deliveryRetentionDays,
  type ConfigFields,
  type HookFields,
  type OperationInputTable,
  type TargetSpec,
  type WebhookRequest,
  type WebhooksFile
} from '../model.js'
import { SCOPE_TRAITS } from '../github/index.js'
import {
  apiVersion,
  boolean,
  eventList,
  findingIds,
  factor,
  fraction,
  httpUrl,
  integerIn,
  KNOWN_API_VERSIONS,
  KNOWN_EVENTS,
  list,
  oneOf,
  pointInTime,
  positiveInteger,
  seconds,
  secondsOrZero,
  unknownEvents,
  type InputReader,
  type ParseInput,
  type ReadInput
} from './values.js'
import { checkOperation, FLEET_INPUTS, mayWrite, dryRunProblem, warnUnsafe } from './operation-inputs.js'
import { checkFleet, oneTarget, organizationLogin, parseSelection, repositoryPatterns } from './targets.js'
import { checkConnection, hookSecrets } from './credentials.js'

export type { InputReader } from './values.js'

/** Invalid input: `problems` names each bad input and what it accepts. */
export class InputError extends Error {
  readonly problems: string[]
  /** Where each problem is in a file (same order as `problems`), for annotations on it; absent for inputs. */
  readonly places?: { file: string; line: number; column: number }[]
  constructor(problems: string[], places?: { file: string; line: number; column: number }[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} invalid inputs:\n- ${problems.join('\n- ')}`)
    this.name = 'InputError'
    this.problems = problems
    if (places) this.places = places
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
/** Default `file`: the webhooks file of `plan`, `apply` and `export`. */
export const DEFAULT_FILE = '.github/webhooks.yml'

/**
 * Accepts a path whose folder exists and that is not itself a folder (input `inventory_file`): the
 * file is written there, after every request (a folder would fail that write with EISDIR).
 * @throws Error naming the input and what it accepts
 */
function fileInExistingFolder(raw: string, name: string): string {
  const folder = dirname(raw)
  if (existsSync(raw) && statSync(raw).isDirectory()) {
    throw new Error(
      `Input '${name}' is '${raw}', which is a folder; it accepts the path of a file to write, in an existing folder (default: RUNNER_TEMP/webhooks-inventory.csv).`
    )
  }
  if (existsSync(folder) && statSync(folder).isDirectory()) return raw
  throw new Error(
    `Input '${name}' is '${raw}', in a folder that does not exist (${folder}); it accepts the path of a file to write, in an existing folder (default: RUNNER_TEMP/webhooks-inventory.csv).`
  )
}

/** True when `path` (input `file`) is a file; else records the problem. */
function isFile(path: string, problems: string[]): boolean {
  if (existsSync(path) && statSync(path).isFile()) return true
  problems.push(
    `Input 'file' is '${path}', which is not a file; it accepts the path of a webhooks file (YAML, see docs/webhooks-as-code.md), relative to the workspace, default ${DEFAULT_FILE}.`
  )
  return false
}

/**
 * Reads and validates the webhooks file of a `plan` / `apply` request (src/inputs/webhooks-file.ts, loaded
 * here: `yaml` and `ajv` are bundled in a chunk of their own) and masks its secrets, before any
 * request. With `secrets_optional` (`plan`), an unset `secret_env` variable is no problem: that
 * entry's secret is not checked.
 * @throws InputError with the file's problems, each naming the file (relative to `GITHUB_WORKSPACE`),
 *   the line and the key, and their places for annotations
 */
export async function loadWebhooksFile(
  spec: { path: string; allow_unknown_events: boolean; secrets_optional?: boolean },
  env: NodeJS.ProcessEnv = process.env
): Promise<WebhooksFile> {
  const { maskWebhooksFileSecrets, readWebhooksFile, WebhooksFileError } = await import('./webhooks-file.js')
  try {
    const file = readWebhooksFile(spec.path, env, undefined, {
      allow_unknown_events: spec.allow_unknown_events,
      secrets_optional: spec.secrets_optional === true
    })
    maskWebhooksFileSecrets(file, env)
    return file
  } catch (error) {
    if (error instanceof WebhooksFileError)
      throw new InputError(
        error.problems,
        error.details.map(({ file, line, column }) => ({ file, line, column }))
      )
    throw error
  }
}

/** Default `rate_limit_wait`: seconds the run may wait for the primary rate limit's reset (10 minutes). */
export const DEFAULT_RATE_LIMIT_WAIT = 600
/** Default `canary` of `rotate-secret`: hooks rotated first, alone. */
export const DEFAULT_CANARY = 1
/** Default `batch_size` of `rotate-secret`. */
export const DEFAULT_BATCH_SIZE = 10
/** Default `max_failures` of `rotate-secret`. */
export const DEFAULT_MAX_FAILURES = 1

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
  file: DEFAULT_FILE,
  fail_on_drift: 'false',
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

/**
 * Builds the validated request from the inputs.
 *
 * Defaults that depend on the workflow: `repository` falls back to `GITHUB_REPOSITORY`, `org` to the
 * repository owner, `api_url` to `GITHUB_API_URL` then `https://api.github.com`. An input equal to its
 * fixed default in action.yml ({@link ACTION_DEFAULTS}) counts as unset.
 *
 * @param operations the operation table (src/operations.ts): the operations `operation` accepts, in
 *   its order, and what each needs of the inputs
 * @param read input reader, `core.getInput` by default (tests pass their own)
 * @param env environment for the workflow fallbacks, `process.env` by default
 * @throws InputError listing every invalid input; nothing has been requested from GitHub then.
 */
export function getRequest(operations: OperationInputTable, read: InputReader = core.getInput, env: NodeJS.ProcessEnv = process.env): WebhookRequest {
  const started_at = new Date()
  const problems: string[] = []
  const warnings: string[] = []
  // Unset, or set to its action.yml default (which the runner always sets): undefined.
  const input: ReadInput = (name) => {
    const value = read(name)
    return value === '' || (Object.hasOwn(ACTION_DEFAULTS, name) && value === ACTION_DEFAULTS[name]) ? undefined : value
  }
  /** Runs a parser and records its error as a problem; undefined when the input is unset or invalid. */
  const parse: ParseInput = (name, parser) => {
    const raw = input(name)
    if (raw === undefined) return undefined
    try {
      return parser(raw, name)
    } catch (error) {
      problems.push((error as Error).message)
      return undefined
    }
  }

  const names = Object.keys(operations)
  const operation = parse('operation', oneOf(names))
  if (input('operation') === undefined) problems.push(`Input 'operation' is required; it accepts ${list(names)}.`)
  const spec = operation === undefined ? undefined : operations[operation].inputs
  const scope = parse('scope', oneOf(['repo', 'org', 'app'] as const)) ?? 'repo'

  const file_path = input('file') ?? DEFAULT_FILE
  const allowUnknown = parse('allow_unknown_events', boolean) === true
  const webhooksFile = spec?.file !== undefined && isFile(file_path, problems) ? file_path : undefined
  const repositories = parse('repositories', repositoryPatterns)
  const target = repositories || webhooksFile || spec?.file !== undefined ? undefined : oneTarget(scope, input, env, problems)
  const targets: TargetSpec | undefined = webhooksFile
    ? { kind: 'file', path: webhooksFile, allow_unknown_events: allowUnknown, secrets_optional: spec?.file === 'without-secrets' }
    : repositories
      ? { kind: 'repositories', selection: parseSelection(repositories, scope, parse, input, problems) }
      : target && { kind: 'one', target }

  const hookId = parse('hook_id', positiveInteger)
  const url = parse('url', httpUrl)
  const secrets = hookSecrets(read, problems)
  const config: ConfigFields = {
    content_type: parse('content_type', oneOf(['json', 'form'] as const)),
    insecure_ssl: parse('insecure_ssl', oneOf(['0', '1'] as const)),
    secret: secrets.secret
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
    previous_secret: secrets.previous_secret,
    ping_if_needed: parse('ping_if_needed', boolean) ?? true,
    fail_on_mismatch: parse('fail_on_mismatch', boolean) ?? true,
    canary: parse('canary', integerIn(0, 1000)) ?? DEFAULT_CANARY,
    batch_size: parse('batch_size', positiveInteger) ?? DEFAULT_BATCH_SIZE,
    max_failures: parse('max_failures', positiveInteger) ?? DEFAULT_MAX_FAILURES,
    rotate_unknown: parse('rotate_unknown', boolean) ?? false,
    fail_below: parse('fail_below', fraction),
    fail_on_quiet: parse('fail_on_quiet', boolean) ?? false,
    file: file_path,
    also_org: spec?.coversOrg && repositories ? parse('org', organizationLogin) : undefined,
    inventory_file: parse('inventory_file', fileInExistingFolder) ?? join(env.RUNNER_TEMP || tmpdir(), 'webhooks-inventory.csv'),
    fail_on: parse('fail_on', findingIds) ?? [],
    fail_on_drift: parse('fail_on_drift', boolean) ?? false,
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
  checkConnection(scope, request.connection, input, problems, warnings)
  if (parse('allow_unknown_events', boolean) !== true) {
    // Only for an operation that sends them; an ignored input gets its warning below instead.
    const sent = spec?.uses ?? []
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
  if (operation !== undefined && spec !== undefined) {
    checkOperation(operation, operations, scope, request, problems, warnings, input)
    const dryRun = dryRunProblem(operation, spec, request)
    if (dryRun !== undefined) problems.push(dryRun)
    if (targets?.kind === 'repositories') checkFleet(operation, spec, targets.selection, request, problems, warnings, input)
  }
  if (targets?.kind !== 'repositories') {
    // A file's entries are a fleet too: fail_fast and max_writes apply to them.
    const fleetWide = targets?.kind === 'file' ? ['fail_fast', 'max_writes'] : []
    for (const name of FLEET_INPUTS.filter((name) => name !== 'repositories' && !fleetWide.includes(name) && input(name) !== undefined)) {
      warnings.push(`Input '${name}' is ignored without 'repositories' (it applies to a run over several repositories).`)
    }
  }
  if (problems.length > 0 || operation === undefined || spec === undefined || targets === undefined) throw new InputError(problems)

  const { uses } = spec
  // `url` is the new hook's URL for `create`, the hook's new URL with `hook_id` for update/update-config,
  // and otherwise the hook's name: with `hook_id` too, both must name the same hook (checked before any write).
  // A GitHub App's one webhook is never named: url is always the url to write.
  const single = targets.kind === 'one' && !SCOPE_TRAITS[targets.target.scope].hooks
  const moves = (hookId !== undefined || single) && spec.url === 'moves'
  if (url !== undefined && (spec.url === 'new' || moves)) config.url = url
  if (spec.writesConfig) warnUnsafe(config, warnings)
  if (uses.includes('hook_id') && !single) {
    request.hook =
      hookId !== undefined ? { hook_id: hookId, ...(url !== undefined && !moves ? { url } : {}) } : url !== undefined ? { url } : undefined
  }
  if (spec.defaults?.includes('limit')) request.limit ??= DEFAULT_DELIVERIES_LIMIT
  if (!uses.includes('dry_run')) request.dry_run = false
  request.writes = mayWrite(spec, request)
  if (spec.defaults?.includes('since')) request.since ??= new Date(started_at.getTime() - DEFAULT_REDELIVER_SINCE_MS)
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
