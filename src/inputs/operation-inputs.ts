/**
 * The operation table of the input flow (see ./input-helper.ts): the operations of this action,
 * which inputs each needs and reads, which may write, and the checks of a request against the
 * chosen operation and scope ({@link checkOperation}, {@link mayWrite}, {@link warnUnsafe}).
 * {@link INPUTS} is every input of `action.yml`; __tests__/inputs.test.ts keeps the two in step.
 */
import { OPERATIONS, type ConfigFields, type HookFields, type Operation } from '../model.js'
import { SCOPE_TRAITS, type Scope } from '../github/index.js'
import { list, type ReadInput } from './values.js'

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
  test: 'test',
  // Webhooks as code manages repository and organization hooks (a GitHub App's is set in its settings).
  plan: 'hooks',
  apply: 'hooks',
  export: 'hooks',
  inventory: 'hooks'
}

/**
 * Inputs of a fleet run (several repositories in one step): the selection and its filters, and how
 * the run goes on after a failure and how many repositories it may write. Without `repositories`
 * they are ignored with a warning.
 */
export const FLEET_INPUTS = ['repositories', 'include_archived', 'include_forks', 'topics', 'repository_property', 'fail_fast', 'max_writes'] as const

/** A need that one of several inputs meets (`hook_id|url`), or `change`: at least one setting to change. */
type Need = 'url' | 'hook_id|url' | 'delivery_id' | 'change' | 'secret'

/**
 * What each operation needs (an error before any request when missing) and which inputs it reads
 * besides {@link CONNECTION_INPUTS}. A set input that the chosen operation does not read is ignored
 * with a warning.
 */
export const OPERATION_INPUTS: Record<Operation, { needs: readonly Need[]; uses: readonly string[] }> = {
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
  report: { needs: [], uses: ['hook_id', 'url', 'since', 'fail_below', 'fail_on_quiet'] },
  // Webhooks as code: the targets and hooks come from the file (input `file`), not from these inputs.
  plan: { needs: [], uses: ['file', 'fail_on_drift', 'allow_unknown_events'] },
  apply: { needs: [], uses: ['file', 'wait_timeout', 'allow_unknown_events', 'dry_run'] },
  export: { needs: [], uses: ['file'] },
  // Every hook of each target, with what is wrong with each; reads only.
  inventory: { needs: [], uses: ['inventory_file', 'fail_on'] }
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
const READ_ONLY_OPERATIONS: readonly Operation[] = [
  'list',
  'get',
  'get-config',
  'list-deliveries',
  'get-delivery',
  'report',
  'plan',
  'export',
  'inventory'
]

/** Operations over a webhooks file: their targets are the file's. */
export const FILE_OPERATIONS: readonly Operation[] = ['plan', 'apply']

/** Operations that write a hook's config: `url` becomes `config.url` (for update/update-config only with `hook_id`). */
export const CONFIG_WRITERS: readonly Operation[] = ['create', 'update', 'update-config', 'ensure']

/** Operations where `url` with `hook_id` is the hook's NEW url, not a second name of the hook. */
export const URL_MOVERS: readonly Operation[] = ['update', 'update-config']

/** Whether the operation may send a POST, PATCH or DELETE: not a read, not a dry run, not an audit without pings. */
export function mayWrite(operation: Operation, request: { dry_run: boolean; ping_if_needed: boolean }): boolean {
  if (READ_ONLY_OPERATIONS.includes(operation) || request.dry_run) return false
  return operation !== 'audit-secret' || request.ping_if_needed
}

/**
 * The problem of `dry_run: true` on an operation that writes and has no dry run (`create`, `update`,
 * `delete`, `update-config`, `redeliver`, `ping`, `test`, `redeliver-failed`, and `audit-secret`
 * with `ping_if_needed`), or undefined: a dry run never writes, so such a step is refused before any
 * request instead of writing with a warning. The operations with a dry run are `ensure`,
 * `ensure-absent`, `rotate-secret` and `apply`; read-only operations ignore it.
 */
export function dryRunProblem(operation: Operation, request: { dry_run: boolean; ping_if_needed: boolean }): string | undefined {
  if (!request.dry_run || OPERATION_INPUTS[operation].uses.includes('dry_run') || !mayWrite(operation, { ...request, dry_run: false }))
    return undefined
  const instead: Partial<Record<Operation, string>> = {
    create: "'ensure' with dry_run",
    update: "'ensure' with dry_run",
    'update-config': "'ensure' with dry_run",
    delete: "'ensure-absent' with dry_run",
    'redeliver-failed': "'list-deliveries' with status: failure to see what would be redelivered",
    'audit-secret': 'ping_if_needed: false (an audit that sends no ping)'
  }
  const hint = instead[operation] ? `; use ${instead[operation]}` : ''
  return `Input 'dry_run' is true, but operation '${operation}' writes and has no dry run, so the step was refused before any request (dry_run never writes)${hint}, or set dry_run: false. Operations with a dry run: ensure, ensure-absent, rotate-secret, apply.`
}

/**
 * Warns (into `warnings`) about config values to be written that expose the payloads:
 * `insecure_ssl: 1`, a plain `http://` payload URL (`config.url`, already checked by `httpUrl`).
 */
export function warnUnsafe(config: ConfigFields, warnings: string[]): void {
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

/**
 * Checks what the chosen operation needs of the scope ({@link NEEDS_TRAIT}) and of the inputs
 * ({@link OPERATION_INPUTS}), and warns about set inputs it ignores. Presence is judged on `input`
 * (the raw inputs as `getRequest` sees them); `request.hook_fields` are the parsed event settings.
 * Records each error in `problems` and each warning in `warnings`; throws nothing.
 */
export function checkOperation(
  operation: Operation,
  scope: Scope,
  request: { hook_fields: HookFields },
  problems: string[],
  warnings: string[],
  input: ReadInput
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
    // `dry_run` on an operation that writes and cannot honour it is refused instead (see dryRunProblem).
    if (name === 'dry_run' && dryRunProblem(operation, { dry_run: input(name) !== undefined, ping_if_needed: input('ping_if_needed') !== 'false' }))
      continue
    if (!uses.includes(name) && input(name) !== undefined) {
      warnings.push(`Input '${name}' is ignored by operation '${operation}'.`)
    }
  }
  // `export` over repositories also reads the organization's own hooks when `org` is given.
  const exportsOrg = (operation === 'export' || operation === 'inventory') && input('repositories') !== undefined
  const org = input('org')
  if (scope === 'repo' && org !== undefined && (operation === 'export' || operation === 'inventory') && !exportsOrg) {
    // A warning here would let a `fail_on` gate pass over one repository while the user meant the organization.
    problems.push(
      `Input 'org' is '${org}', but operation '${operation}' with scope 'repo' covers one repository, not the organization; ` +
        `to cover the organization set repositories: '${org}/*' (its repositories' webhooks, and with org the organization's own), or scope: org (the organization's own webhooks only).`
    )
  } else if (scope === 'repo' && org !== undefined && !exportsOrg) warnings.push("Input 'org' is ignored with scope 'repo'.")
}
