/**
 * The checks of a request against the chosen operation and scope (see ./input-helper.ts): what the
 * operation declares it needs of the inputs ({@link OperationInputs}, from its module in
 * src/operations/) checked by {@link checkOperation}, {@link mayWrite}, {@link dryRunProblem} and
 * {@link warnUnsafe}. {@link inputNames} is every input of `action.yml`; __tests__/inputs.test.ts
 * keeps the two in step.
 */
import type { ConfigFields, HookFields, OperationInputs, OperationInputTable } from '../model.js'
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
 * Inputs of a fleet run (several repositories in one step): the selection and its filters, and how
 * the run goes on after a failure and how many repositories it may write. Without `repositories`
 * they are ignored with a warning.
 */
export const FLEET_INPUTS = ['repositories', 'include_archived', 'include_forks', 'topics', 'repository_property', 'fail_fast', 'max_writes'] as const

/** What a needed input accepts, for the error when it is missing. */
const ACCEPTS: Record<string, string> = {
  url: 'an absolute http(s) URL: the payload URL (config.url)',
  hook_id: "the hook's id",
  delivery_id: 'a delivery id (a positive integer)',
  secret: "the secret the hooks should sign with (for 'rotate-secret', the new one); 'previous_secret' alone cannot tell which secret is current"
}

/** The inputs that only some operations read (a set one that the operation ignores gets a warning), in the table's order. */
function optionalInputs(operations: OperationInputTable): string[] {
  return [...new Set(Object.values(operations).flatMap((operation) => operation.inputs.uses))]
}

/** Every input of `action.yml`: the connection's, the fleet's, and those the operations of the table read. */
export function inputNames(operations: OperationInputTable): string[] {
  return [...CONNECTION_INPUTS, ...FLEET_INPUTS, ...optionalInputs(operations)]
}

/** Whether the operation may send a POST, PATCH or DELETE: not a read, not a dry run, not an audit without pings. */
export function mayWrite(spec: OperationInputs, request: { dry_run: boolean; ping_if_needed: boolean }): boolean {
  if (spec.writes === 'never' || request.dry_run) return false
  return spec.writes !== 'with-pings' || request.ping_if_needed
}

/**
 * The problem of `dry_run: true` on an operation that writes and has no dry run (`create`, `update`,
 * `delete`, `update-config`, `redeliver`, `ping`, `test`, `redeliver-failed`, and `audit-secret`
 * with `ping_if_needed`), or undefined: a dry run never writes, so such a step is refused before any
 * request instead of writing with a warning. The operations with a dry run are `ensure`,
 * `ensure-absent`, `rotate-secret` and `apply`; read-only operations ignore it.
 */
export function dryRunProblem(operation: string, spec: OperationInputs, request: { dry_run: boolean; ping_if_needed: boolean }): string | undefined {
  if (!request.dry_run || spec.uses.includes('dry_run') || !mayWrite(spec, { ...request, dry_run: false })) return undefined
  const hint = spec.dryRunInstead ? `; use ${spec.dryRunInstead}` : ''
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
 * Checks what the chosen operation needs of the scope (its `trait`, or its `scopeProblems`) and of
 * the inputs (its `needs`), and warns about set inputs it ignores. Presence is judged on `input`
 * (the raw inputs as `getRequest` sees them); `request.hook_fields` are the parsed event settings.
 * Records each error in `problems` and each warning in `warnings`; throws nothing.
 */
export function checkOperation(
  operation: string,
  operations: OperationInputTable,
  scope: Scope,
  request: { hook_fields: HookFields },
  problems: string[],
  warnings: string[],
  input: ReadInput
): void {
  const spec = operations[operation].inputs
  const { needs, uses } = spec
  const traits = SCOPE_TRAITS[scope]
  const needed = spec.trait
  const unfit = spec.scopeProblems?.[scope]
  if (unfit !== undefined) {
    problems.push(unfit)
  } else if (needed !== undefined && !traits[needed]) {
    const works = Object.keys(operations).filter((name) => {
      const trait = operations[name].inputs.trait
      return trait === undefined || traits[trait]
    })
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
  for (const name of optionalInputs(operations)) {
    // `dry_run` on an operation that writes and cannot honour it is refused instead (see dryRunProblem).
    if (
      name === 'dry_run' &&
      dryRunProblem(operation, spec, { dry_run: input(name) !== undefined, ping_if_needed: input('ping_if_needed') !== 'false' })
    )
      continue
    if (!uses.includes(name) && input(name) !== undefined) {
      warnings.push(`Input '${name}' is ignored by operation '${operation}'.`)
    }
  }
  // `export` over repositories also reads the organization's own hooks when `org` is given.
  const exportsOrg = spec.coversOrg === true && input('repositories') !== undefined
  const org = input('org')
  if (scope === 'repo' && org !== undefined && spec.coversOrg === true && !exportsOrg) {
    // A warning here would let a `fail_on` gate pass over one repository while the user meant the organization.
    problems.push(
      `Input 'org' is '${org}', but operation '${operation}' with scope 'repo' covers one repository, not the organization; ` +
        `to cover the organization set repositories: '${org}/*' (its repositories' webhooks, and with org the organization's own), or scope: org (the organization's own webhooks only).`
    )
  } else if (scope === 'repo' && org !== undefined && !exportsOrg) warnings.push("Input 'org' is ignored with scope 'repo'.")
}
