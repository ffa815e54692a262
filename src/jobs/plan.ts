/**
 * Webhooks as code: `plan` and `apply` of a webhooks file (src/inputs/webhooks-file.ts), and `export` of
 * live hooks into one.
 *
 * A plan has one item per (entry, target): the repositories an entry's `repositories` rules select
 * (REST "List organization repositories" …), or the organization it names. Each item is computed by
 * `ensure` in a dry run ({@link ensureHook}), so a plan and `ensure` never disagree, and the secret is
 * proven from a signed delivery instead of being rewritten (what Terraform, Otterdog and
 * safe-settings cannot do, since GitHub never returns a secret). A hook found at one of an entry's
 * `previous_urls` is moved (`move-url`), not recreated. A hook on a covered target whose URL matches
 * `prune` and that no entry declares is deleted; hooks outside `prune`, and targets the file does
 * not cover, are never touched. `apply` computes the plan again and carries it out through the run's
 * fleet (./fleet.ts), one fleet item per target: on a target, its creations, moves and updates first,
 * its deletions only once they all succeeded; `max_writes`, `fail_fast` and the pacing hold. The
 * invariants this keeps (docs/webhooks-as-code.md, "What always holds") are checked by the
 * model-based test __tests__/apply-model.test.ts.
 */
import {
  type ClientFactory,
  describeApiError,
  isApiError,
  hooks,
  RateLimitStop,
  selectRepositories,
  urlCredentials,
  describeTarget,
  targetName,
  type Target
} from '../github/index.js'
import { ensureHook, type Change, type WantedHook } from './ensure.js'
import { countResults, isFailure, runFleet, thrownResult, type FleetCounts, type FleetOptions, type TargetResult } from './fleet.js'
import {
  sameUrl,
  urlGlobMatches,
  type Clock,
  type ExportEntry,
  type GitHubClient,
  type Hook,
  type WebhookEntry,
  type WebhooksFile
} from '../model.js'
import type { OperationResult } from './result.js'

/**
 * What a plan does for one (entry, target): `create`; `update` (settings differ); `write-secret`
 * (settings equal, the secret not proven); `unchanged` (settings equal, the secret proven, not
 * managed, or unprovable because the hook is inactive); `move-url` (the hook is at one of
 * `previous_urls`); `delete` (an undeclared hook whose URL matches `prune`). Two more say the target
 * could not be planned for the entry, and are written nothing: `ambiguous` (several hooks at the
 * entry's `url`: a webhooks file names no `hook_id` to choose with) and `failed` (the target's hooks
 * could not be read, e.g. no access). Every action but `unchanged` counts as drift.
 */
export type PlanAction = 'create' | 'update' | 'write-secret' | 'unchanged' | 'move-url' | 'delete' | 'ambiguous' | 'failed'

/** Every plan action, in the order a summary lists them (changes first). */
export const PLAN_ACTIONS: readonly PlanAction[] = ['create', 'move-url', 'update', 'write-secret', 'delete', 'ambiguous', 'failed', 'unchanged']

/** The actions that write a hook of an entry (not a deletion): on one target they run before its deletions. */
const WRITING: ReadonlySet<PlanAction> = new Set(['create', 'move-url', 'update', 'write-secret'])

/** One item of a plan. */
export interface PlanItem {
  /** The entry's name; `prune` for a deletion. */
  name: string
  target: Target
  action: PlanAction
  /** The fields that differ (a secret as `{ field: 'secret', from, to: 'set' }`, never a value). */
  changes: Change[]
  /** The hook acted on; absent for a creation. */
  hook_id?: number
  /** The URL the item is about: the entry's, or the hook's for a deletion. */
  url: string
  /** Why the secret is (not) proven, for the summary. */
  note?: string
  /** For `ambiguous` and `failed`: why the target could not be planned for the entry (hook ids, GitHub's answer). */
  error?: string
  /**
   * Something wrong that the plan does not change: the delivery that proves the secret was refused
   * by the receiver (`the receiver answered 401 to delivery 123, which proves the secret`). `ensure`
   * fails on it; a plan shows it on the row.
   */
  finding?: string
}

/** The note of an entry whose `secret_env` variable is unset during `plan`: its secret is not checked. */
export const SECRET_NOT_CHECKED = 'not checked (no secret in this run)'

/** The settings an entry asks for, as `ensure` takes them. */
function wantedOf(entry: WebhookEntry): WantedHook {
  return {
    url: entry.url,
    events: entry.events,
    active: entry.active,
    content_type: entry.content_type,
    insecure_ssl: entry.insecure_ssl,
    secret: entry.secret
  }
}

/**
 * The targets each entry covers: its organization, or the repositories its rules select. Archived
 * repositories are left out for `plan` as for `apply` (GitHub answers 403 to any write there, so a
 * plan that showed them would not be what apply does), even with `include_archived: true`, which is
 * said through `warn`.
 * @throws SelectionError when a rule selects nothing; RequestError on API errors
 */
async function coveredTargets(client: GitHubClient, file: WebhooksFile, warn: (message: string) => void): Promise<Map<WebhookEntry, Target[]>> {
  const covered = new Map<WebhookEntry, Target[]>()
  for (const entry of file.hooks) {
    if (entry.org !== undefined) covered.set(entry, [{ scope: 'org', org: entry.org }])
    else if (entry.repositories) {
      const { targets, report } = await selectRepositories(client, entry.repositories, { writes: true })
      covered.set(entry, targets)
      if (entry.repositories.include_archived && report.left_out.archived > 0) {
        const count = report.left_out.archived
        warn(
          `${file.path}: entry '${entry.name}' sets include_archived: true, but archived repositories are read-only on GitHub (it answers 403 to any hook write there): plan and apply leave out ${count} archived ${count === 1 ? 'repository' : 'repositories'}.`
        )
      }
    }
  }
  return covered
}

/** Options of {@link computePlan}. */
export interface PlanOptions {
  /** Told what the user should see without failing the step (archived repositories left out). */
  warn?: (message: string) => void
}

/**
 * Computes the plan of a webhooks file: lists each covered target's hooks once, then, per (entry,
 * target), what `ensure` would do in a dry run; then the deletions `prune` asks for. Writes nothing.
 * A target whose hooks cannot be listed (403, 404) is `failed` for each of its entries, and an entry
 * with several hooks at its `url` on a target is `ambiguous` there (naming the hook ids): the other
 * targets and entries are planned as usual.
 * Costs: the selection's list requests, 1 GET per target (its hooks, listed once for all its
 * entries), plus, where a secret is to be proven, the deliveries it reads (1 list + up to 3 GET), and
 * for an absent hook the lookup `ensure` makes to be sure it is absent.
 * @throws Error when two entries could claim one hook on one target (the same URL through `url` or
 *   `previous_urls`), before any hooks request; SelectionError; RateLimitStop when GitHub stopped the
 *   run; RequestError while listing repositories
 */
export async function computePlan(client: GitHubClient, file: WebhooksFile, options: PlanOptions = {}): Promise<PlanItem[]> {
  const covered = await coveredTargets(client, file, options.warn ?? (() => {}))
  const byTarget = new Map<string, { target: Target; entries: WebhookEntry[] }>()
  for (const [entry, targets] of covered) {
    for (const target of targets) {
      const key = targetKey(target)
      const slot = byTarget.get(key) ?? { target, entries: [] }
      for (const other of slot.entries) {
        const clash = claimClash(other, entry)
        if (clash) {
          throw new Error(
            `${file.path}: entries '${other.name}' (line ${other.line}) and '${entry.name}' (line ${entry.line}) could both claim one hook on ${describeTarget(target)}: ${clash}. A hook belongs to one entry: merge the two entries, keep the target in one of them (an exclusion such as "!${targetName(target)}"), or drop the URL from previous_urls.`
          )
        }
      }
      slot.entries.push(entry)
      byTarget.set(key, slot)
    }
  }
  const plan: PlanItem[] = []
  for (const { target, entries } of byTarget.values()) {
    let live: Hook[]
    try {
      live = (await hooks.listHooks(client, target, { per_page: 100 })).items
    } catch (error) {
      if (error instanceof RateLimitStop) throw error
      const why = `its webhooks could not be listed: ${planError(error, target)}`
      for (const entry of entries) plan.push({ name: entry.name, target, action: 'failed', changes: [], url: entry.url, error: why })
      continue
    }
    for (const entry of entries) {
      const atUrl = live.filter((hook) => hook.config.url === entry.url)
      if (atUrl.length > 1) {
        const ids = atUrl.map((hook) => hook.id)
        plan.push({
          name: entry.name,
          target,
          action: 'ambiguous',
          changes: [],
          url: entry.url,
          error: `${ids.length} webhooks (${ids.join(', ')}) are at the entry's url; a webhooks file holds one hook per url and target and names no hook_id: delete all but one (operation: delete with hook_id), then plan again`
        })
        continue
      }
      try {
        plan.push(await planEntry(client, target, entry, live))
      } catch (error) {
        if (error instanceof RateLimitStop) throw error
        plan.push({ name: entry.name, target, action: 'failed', changes: [], url: entry.url, error: planError(error, target) })
      }
    }
    const declared = new Set(entries.flatMap((entry) => [entry.url, ...entry.previous_urls]))
    for (const hook of live) {
      const url = hook.config.url ?? ''
      if (declared.has(url) || !file.prune.some((glob) => urlGlobMatches(glob, url))) continue
      plan.push({ name: 'prune', target, action: 'delete', changes: [], hook_id: hook.id, url, note: 'matches prune and no entry declares it' })
    }
  }
  return plan
}

/**
 * Why two entries on one target could claim the same hook (one's `url` or `previous_urls` is the
 * other's `url` or in its `previous_urls`), naming the keys but not the URL; undefined when they cannot.
 */
function claimClash(a: WebhookEntry, b: WebhookEntry): string | undefined {
  const keyOf = (entry: WebhookEntry, url: string): string => (url === entry.url ? 'url' : 'previous_urls')
  const claimed = new Set([b.url, ...b.previous_urls].map(sameUrl))
  for (const url of [a.url, ...a.previous_urls]) {
    if (claimed.has(sameUrl(url))) return `the ${keyOf(a, url)} of '${a.name}' is the ${keyOf(b, url)} of '${b.name}'`
  }
  return undefined
}

/** An error of planning one target, as its plan item says it: GitHub's answer with the permission hint, or the message. */
function planError(error: unknown, target: Target): string {
  if (isApiError(error)) return describeApiError(error, target.scope).replace(/\n/g, ' ')
  return error instanceof Error ? error.message : String(error)
}

/** The plan item of one entry on one target whose hooks are `live`. */
async function planEntry(client: GitHubClient, target: Target, entry: WebhookEntry, live: readonly Hook[]): Promise<PlanItem> {
  const atUrl = live.some((hook) => hook.config.url === entry.url)
  const moved = atUrl ? undefined : live.find((hook) => entry.previous_urls.includes(hook.config.url ?? ''))
  const ref = moved ? { hook_id: moved.id } : { url: entry.url }
  const dry = await ensureHook(client, target, ref, wantedOf(entry), { dryRun: true, listed: live })
  // A plan run without the secret (its variable unset): everything else is planned, the secret is
  // not checked, and a creation would set it.
  const unchecked = entry.secret_env !== undefined && entry.secret === undefined
  // A creation, or a hook that GitHub shows without any secret, gets the secret from apply: that much
  // is known without it.
  const bare = unchecked && (dry.outcome === 'created' || (dry.hook !== undefined && !dry.hook.config.secret))
  const changes = bare ? [...dry.changes, { field: 'secret' as const, from: 'none', to: 'set' }] : dry.changes
  const refused = dry.refused_proof
  const finding = refused
    ? `the receiver ${refused.status_code === 0 ? `could not be reached (${refused.status})` : `answered ${refused.status_code}`} to the delivery that proves the secret: ensure fails on it (delivery ${refused.id})`
    : undefined
  const action: PlanAction = moved
    ? 'move-url'
    : dry.outcome === 'created'
      ? 'create'
      : changes.length === 0
        ? 'unchanged'
        : changes.every((change) => change.field === 'secret')
          ? 'write-secret'
          : 'update'
  return {
    name: entry.name,
    target,
    action,
    changes,
    hook_id: dry.hook_id,
    url: entry.url,
    note: unchecked ? SECRET_NOT_CHECKED : dry.secret_note,
    ...(finding ? { finding } : {})
  }
}

/** Counts per plan action, every action present (0 when none). */
export function planCounts(plan: readonly PlanItem[]): Record<PlanAction, number> {
  return Object.fromEntries(PLAN_ACTIONS.map((action) => [action, plan.filter((item) => item.action === action).length])) as Record<
    PlanAction,
    number
  >
}

/** Options of {@link applyPlan}. */
export interface ApplyOptions {
  /** How long the verification of a written hook may wait for its delivery, in MILLISECONDS. */
  timeout_ms: number
  clock?: Clock
}

/**
 * Carries out a plan, target by target: per item that changes something, `ensure` (creating,
 * updating, writing the secret where it is not proven, verified by GitHub's creation ping or a ping,
 * so that the next plan proves it), the URL move (`PATCH …/hooks/{hook_id}/config` with the new
 * `url`, then `ensure`), or the deletion. On each target the creations, moves and updates go first,
 * and its deletions only once every one of them succeeded: a deletion after a failed, refused or
 * skipped write is `skipped` with the reason, so that a target never loses its old hook to a new one
 * that was not made (a URL renamed under `prune`). Runs as a fleet of targets: `max_writes` counts a
 * target's writes as one (its create and delete together), `fail_fast` and the pacing apply.
 * `ambiguous` and `failed` plan items are reported `failed` with their reason, and nothing is
 * written for them.
 * @param fleet `onResult` is told each plan item's result, `done` of `plan.length`
 * @returns one result per plan item, in the plan's order (`unchanged` ones reported as they are), and the totals
 */
export async function applyPlan(
  plan: readonly PlanItem[],
  file: WebhooksFile,
  makeClient: ClientFactory,
  options: ApplyOptions,
  fleet: FleetOptions
): Promise<{ results: TargetResult[]; counts: FleetCounts }> {
  const entries = new Map(file.hooks.map((entry) => [entry.name, entry]))
  const verify = { timeout_ms: options.timeout_ms }
  const groups = new Map<string, { target: Target; items: PlanItem[] }>()
  for (const item of plan) {
    const group = groups.get(targetKey(item.target)) ?? { target: item.target, items: [] }
    group.items.push(item)
    groups.set(targetKey(item.target), group)
  }
  const baseOf = (item: PlanItem): Omit<TargetResult, 'result'> => ({
    target: item.target,
    name: targetName(item.target),
    hook_id: item.hook_id,
    changed: false,
    ok: false
  })
  const carryOut = async (client: GitHubClient, item: PlanItem): Promise<OperationResult> => {
    const where = `${item.name} on ${describeTarget(item.target)}`
    if (item.action === 'delete') {
      await hooks.deleteHook(client, item.target, item.hook_id as number, true)
      return { message: `${where}: deleted webhook ${item.hook_id} (${item.url}).`, outcome: 'deleted', changed: true, hook_id: item.hook_id }
    }
    const entry = entries.get(item.name)
    if (!entry) throw new Error(`internal error: no entry '${item.name}'`)
    const ref = item.action === 'move-url' ? { hook_id: item.hook_id as number } : { url: entry.url }
    const done = await ensureHook(client, item.target, ref, wantedOf(entry), { dryRun: false, verify, clock: options.clock })
    const verified = done.verification?.delivery
    const failure =
      done.verification?.error ??
      (verified && !(verified.status_code >= 200 && verified.status_code < 300) ? `the receiver answered ${verified.status_code}` : undefined)
    const message = `${where}: ${item.action} (${done.outcome}; secret ${done.secret_proof}).`
    return {
      message,
      outcome: DONE[item.action],
      changed: done.outcome !== 'unchanged',
      hook_id: done.hook_id,
      ensure: done,
      ...(failure ? { failure: `${where}: written, but its verification failed: ${failure}` } : {})
    }
  }
  /** The results of one target's items, as its run left them. */
  const applied = new Map<string, Map<PlanItem, TargetResult>>()
  const runTarget = async (client: GitHubClient, group: { target: Target; items: PlanItem[] }): Promise<OperationResult> => {
    const results = new Map<PlanItem, TargetResult>()
    applied.set(targetKey(group.target), results)
    let wrote = false
    client.hook.after('request', (_response, request) => {
      if (request.method !== 'GET') wrote = true
    })
    let blocked: string | undefined
    const order = (item: PlanItem): number => (item.action === 'delete' ? 1 : 0)
    for (const item of [...group.items].sort((a, b) => order(a) - order(b))) {
      if (!WRITING.has(item.action) && item.action !== 'delete') {
        results.set(item, settledResult(item))
        continue
      }
      if (item.action === 'delete' && blocked !== undefined) {
        results.set(item, {
          ...baseOf(item),
          result: 'skipped',
          error: `not deleted: ${blocked}, so webhook ${item.hook_id} stays until a run where it succeeds`
        })
        continue
      }
      let result: TargetResult
      try {
        const operation = await carryOut(client, item)
        const done = {
          ...baseOf(item),
          hook_id: operation.hook_id ?? item.hook_id,
          result: operation.outcome,
          changed: operation.changed ?? false,
          operation
        }
        result = operation.failure ? { ...done, error: operation.failure } : { ...done, ok: true }
      } catch (error) {
        result = thrownResult(baseOf(item), error, { wrote })
      }
      results.set(item, result)
      if (WRITING.has(item.action) && !result.ok)
        blocked ??= `${item.name}'s ${item.action} on this target ended ${result.result}${result.error ? ` (${result.error.split('\n')[0]})` : ''}`
    }
    const failed = [...results.values()].filter(isFailure)
    return {
      message: `${describeTarget(group.target)}: applied.`,
      outcome: 'applied',
      changed: [...results.values()].some((result) => result.changed),
      ...(failed.length > 0 ? { failure: failed.map((result) => result.error).join('; ') } : {})
    }
  }
  /** The results of a target's items: as its run left them, or all as the target's (skipped before it ran, or thrown). */
  const itemResults = (group: { target: Target; items: PlanItem[] }, outcome: TargetResult): TargetResult[] => {
    const results = applied.get(targetKey(group.target))
    return group.items.map((item) => {
      const result = results?.get(item)
      if (result) return result
      if (!WRITING.has(item.action) && item.action !== 'delete') return settledResult(item)
      return { ...baseOf(item), result: outcome.result === 'applied' ? 'skipped' : outcome.result, error: outcome.error, thrown: outcome.thrown }
    })
  }
  let done = 0
  const list = [...groups.values()]
  const ran = await runFleet(list, makeClient, runTarget, {
    ...fleet,
    state: undefined,
    onResult: (result) => {
      const group = list.find((candidate) => targetKey(candidate.target) === targetKey(result.target))
      if (group) for (const item of itemResults(group, result)) fleet.onResult?.(item, ++done, plan.length)
    }
  })
  const byItem = new Map<PlanItem, TargetResult>()
  for (const [index, group] of list.entries()) {
    const results = itemResults(group, ran.results[index])
    group.items.forEach((item, k) => byItem.set(item, results[k]))
  }
  const results = plan.map((item) => byItem.get(item) as TargetResult)
  return { results, counts: countResults(results) }
}

/** The result of a plan item that writes nothing: `unchanged` (ok), or its `ambiguous` / `failed` outcome with the reason. */
function settledResult(item: PlanItem): TargetResult {
  const base = { target: item.target, name: targetName(item.target), hook_id: item.hook_id, changed: false }
  const where = `${item.name} on ${describeTarget(item.target)}`
  if (item.action === 'unchanged') {
    return { ...base, result: 'unchanged', ok: true, operation: { message: `${where}: unchanged.`, outcome: 'unchanged', hook_id: item.hook_id } }
  }
  const message = `${where}: ${item.action}, nothing written: ${item.error ?? ''}`
  return { ...base, result: item.action, ok: false, error: message, operation: { message, outcome: item.action, failure: message } }
}

/** The result word of an applied plan action. */
const DONE: Record<PlanAction, string> = {
  create: 'created',
  'move-url': 'moved',
  update: 'updated',
  'write-secret': 'secret-written',
  delete: 'deleted',
  ambiguous: 'ambiguous',
  failed: 'failed',
  unchanged: 'unchanged'
}

/** `octo-org/api`, or the organization's login: one key per target. */
function targetKey(target: Target): string {
  return `${target.scope}:${targetName(target)}`.toLowerCase()
}

/**
 * Groups the hooks read from each target into entries of a webhooks file ({@link ExportEntry}):
 * identical hooks of repositories become one entry listing its repositories; an organization's hook
 * is an entry of its own. Names come from the URL's host and path, made unique (`deploy-example-com`,
 * `…-2`); `secret_env` is the name in upper case with `_SECRET`.
 * Hooks whose URL carries credentials (the README's URL-credential rule, {@link urlCredentials}) are
 * left out: the file is meant to be committed. So are hooks that share their URL with another hook of
 * the same target (GitHub allows it when their events differ, or as an exact duplicate): a webhooks
 * file holds one hook per URL and target, so any way to write them would be refused by `plan` (or
 * make it `ambiguous`); they stay as they are, untouched by a plan of the file (an export writes no `prune`).
 * @param read the hooks of each target, as the `export` operation read them
 * @returns the entries; the hooks left out for credentials (`repository octo-org/api webhook 12`);
 *   those left out for a shared URL (`repository octo-org/api webhooks 12, 13`), one line per URL and
 *   target; and those left out for having no URL (legacy service hooks, `config: {}`)
 */
export function exportEntries(read: readonly { target: Target; hooks: readonly Hook[] }[]): {
  entries: ExportEntry[]
  left_out: string[]
  shared_url: string[]
  no_url: string[]
} {
  const groups = new Map<string, ExportEntry>()
  const used = new Set<string>()
  const left_out: string[] = []
  const shared_url: string[] = []
  const no_url: string[] = []
  for (const { target, hooks: everyHook } of read) {
    // A legacy service hook (config {}) has no URL a file could declare: left out, and said.
    for (const hook of everyHook) if (!hook.config.url) no_url.push(`${describeTarget(target)} webhook ${hook.id} ("${hook.name}")`)
    const found = everyHook.filter((hook) => hook.config.url)
    const atUrl = new Map<string, number[]>()
    // Hooks whose URLs are one URL once serialized (`https://h?x`, `https://h/?x`) share it: plan would refuse both.
    for (const hook of found) atUrl.set(sameUrl(hook.config.url ?? ''), [...(atUrl.get(sameUrl(hook.config.url ?? '')) ?? []), hook.id])
    for (const ids of atUrl.values()) if (ids.length > 1) shared_url.push(`${describeTarget(target)} webhooks ${ids.join(', ')}`)
    for (const hook of found) {
      const url = hook.config.url ?? ''
      if ((atUrl.get(sameUrl(url))?.length ?? 0) > 1) continue
      // A URL that carries credentials would put them in a file meant for a repository: left out, and said.
      if (urlCredentials(url).length > 0) {
        left_out.push(`${describeTarget(target)} webhook ${hook.id}`)
        continue
      }
      const settings = {
        url,
        events: [...hook.events].sort(),
        content_type: hook.config.content_type === 'form' ? ('form' as const) : ('json' as const),
        insecure_ssl: String(hook.config.insecure_ssl ?? '0') === '1' ? ('1' as const) : ('0' as const),
        active: hook.active,
        secret_set: Boolean(hook.config.secret)
      }
      const key = JSON.stringify([target.scope === 'org' ? `org:${target.org}` : 'repos', settings])
      const group = groups.get(key)
      if (group && target.scope === 'repo') {
        group.repositories?.push(targetName(target))
        continue
      }
      const base =
        `${URL.parse(url)?.hostname ?? 'hook'}${URL.parse(url)?.pathname ?? ''}`
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-')
          .replace(/^-|-$/g, '') || 'hook'
      let name = base
      for (let n = 2; used.has(name); n++) name = `${base}-${n}`
      used.add(name)
      const where = target.scope === 'org' ? { org: target.org } : { repositories: [targetName(target)] }
      const upper = name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')
      // An environment variable's name does not start with a digit (a host such as 10.0.0.7).
      const secret_env = /^[A-Z_]/.test(upper) ? `${upper}_SECRET` : `HOOK_${upper}_SECRET`
      groups.set(key, { name, ...settings, ...where, secret_env })
    }
  }
  return { entries: [...groups.values()], left_out, shared_url, no_url }
}
