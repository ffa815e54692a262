/**
 * Webhooks as code: `plan` and `apply` of a webhooks file (src/webhooks-file.ts), and `export` of
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
 * fleet (./fleet.ts): `max_writes`, `fail_fast` and the pacing hold.
 */
import type { ClientFactory } from './client.js'
import { ensureHook, type Change, type WantedHook } from './ensure.js'
import { countResults, runFleet, type FleetCounts, type FleetOptions, type TargetResult } from './fleet.js'
import * as hooks from './hooks.js'
import type { Clock, GitHubClient, Hook, WebhookEntry, WebhooksFile } from './model.js'
import type { OperationResult } from './operations.js'
import { selectRepositories } from './selection.js'
import { urlCredentials } from './redact.js'
import { describeTarget, targetName, type Target } from './target.js'
import type { ExportEntry } from './webhooks-file.js'

/**
 * What a plan does for one (entry, target): `create`; `update` (settings differ); `write-secret`
 * (settings equal, the secret not proven); `unchanged` (settings equal, the secret proven or not
 * managed); `move-url` (the hook is at one of `previous_urls`); `delete` (an undeclared hook whose URL
 * matches `prune`).
 */
export type PlanAction = 'create' | 'update' | 'write-secret' | 'unchanged' | 'move-url' | 'delete'

/** Every plan action, in the order a summary lists them (changes first). */
export const PLAN_ACTIONS: readonly PlanAction[] = ['create', 'move-url', 'update', 'write-secret', 'delete', 'unchanged']

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
}

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
 * The targets each entry covers: its organization, or the repositories its rules select (archived
 * ones left out when the plan may write).
 * @throws SelectionError when a rule selects nothing; RequestError on API errors
 */
async function coveredTargets(client: GitHubClient, file: WebhooksFile, writes: boolean): Promise<Map<WebhookEntry, Target[]>> {
  const covered = new Map<WebhookEntry, Target[]>()
  for (const entry of file.hooks) {
    if (entry.org !== undefined) covered.set(entry, [{ scope: 'org', org: entry.org }])
    else if (entry.repositories) covered.set(entry, (await selectRepositories(client, entry.repositories, { writes })).targets)
  }
  return covered
}

/**
 * Computes the plan of a webhooks file: lists each covered target's hooks once, then, per (entry,
 * target), what `ensure` would do in a dry run; then the deletions `prune` asks for. Writes nothing.
 * Costs: the selection's list requests, 1 GET per target (its hooks, listed once for all its
 * entries), plus, where a secret is to be proven, the deliveries it reads (1 list + up to 3 GET), and
 * for an absent hook the lookup `ensure` makes to be sure it is absent.
 * @throws Error when two entries put the same URL on one target; SelectionError, RequestError
 */
export async function computePlan(client: GitHubClient, file: WebhooksFile, options: { writes: boolean }): Promise<PlanItem[]> {
  const covered = await coveredTargets(client, file, options.writes)
  const byTarget = new Map<string, { target: Target; entries: WebhookEntry[] }>()
  for (const [entry, targets] of covered) {
    for (const target of targets) {
      const key = targetKey(target)
      const slot = byTarget.get(key) ?? { target, entries: [] }
      const twin = slot.entries.find((other) => other.url === entry.url)
      if (twin)
        throw new Error(
          `${file.path}: entries '${twin.name}' and '${entry.name}' both put ${entry.url} on ${describeTarget(target)}; one hook per URL and target.`
        )
      slot.entries.push(entry)
      byTarget.set(key, slot)
    }
  }
  const plan: PlanItem[] = []
  for (const { target, entries } of byTarget.values()) {
    const { items: live } = await hooks.listHooks(client, target, { per_page: 100 })
    for (const entry of entries) plan.push(await planEntry(client, target, entry, live))
    const declared = new Set(entries.flatMap((entry) => [entry.url, ...entry.previous_urls]))
    for (const hook of live) {
      const url = hook.config.url ?? ''
      if (declared.has(url) || !file.prune.some((glob) => urlGlobMatches(glob, url))) continue
      plan.push({ name: 'prune', target, action: 'delete', changes: [], hook_id: hook.id, url, note: 'matches prune and no entry declares it' })
    }
  }
  return plan
}

/** The plan item of one entry on one target whose hooks are `live`. */
async function planEntry(client: GitHubClient, target: Target, entry: WebhookEntry, live: readonly Hook[]): Promise<PlanItem> {
  const atUrl = live.some((hook) => hook.config.url === entry.url)
  const moved = atUrl ? undefined : live.find((hook) => entry.previous_urls.includes(hook.config.url ?? ''))
  const ref = moved ? { hook_id: moved.id } : { url: entry.url }
  const dry = await ensureHook(client, target, ref, wantedOf(entry), { dryRun: true, listed: live })
  const action: PlanAction = moved
    ? 'move-url'
    : dry.outcome === 'created'
      ? 'create'
      : dry.outcome === 'unchanged'
        ? 'unchanged'
        : dry.changes.every((change) => change.field === 'secret')
          ? 'write-secret'
          : 'update'
  return { name: entry.name, target, action, changes: dry.changes, hook_id: dry.hook_id, url: entry.url, note: dry.secret_note }
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
 * Carries out a plan: per item that changes something, `ensure` (creating, updating, writing the
 * secret where it is not proven, verified by GitHub's creation ping or a ping, so that the next plan
 * proves it), the URL move (`PATCH …/hooks/{hook_id}/config` with the new `url`, then `ensure`), or the
 * deletion. Runs as a fleet: `max_writes`, `fail_fast` and the pacing apply.
 * @returns one result per plan item (`unchanged` ones reported as they are), and the totals
 */
export async function applyPlan(
  plan: readonly PlanItem[],
  file: WebhooksFile,
  makeClient: ClientFactory,
  options: ApplyOptions,
  fleet: FleetOptions
): Promise<{ results: TargetResult[]; counts: FleetCounts }> {
  const entries = new Map(file.hooks.map((entry) => [entry.name, entry]))
  const items = plan.map((item) => ({ target: item.target, item }))
  const verify = { timeout_ms: options.timeout_ms }
  const run = async (client: GitHubClient, { target, item }: (typeof items)[number]): Promise<OperationResult> => {
    const where = `${item.name} on ${describeTarget(target)}`
    if (item.action === 'unchanged') return { message: `${where}: unchanged.`, outcome: 'unchanged', hook_id: item.hook_id }
    if (item.action === 'delete') {
      await hooks.deleteHook(client, target, item.hook_id as number, true)
      return { message: `${where}: deleted webhook ${item.hook_id} (${item.url}).`, outcome: 'deleted', changed: true, hook_id: item.hook_id }
    }
    const entry = entries.get(item.name)
    if (!entry) throw new Error(`internal error: no entry '${item.name}'`)
    const ref = item.action === 'move-url' ? { hook_id: item.hook_id as number } : { url: entry.url }
    const done = await ensureHook(client, target, ref, wantedOf(entry), { dryRun: false, verify, clock: options.clock })
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
  const done = await runFleet(items, makeClient, run, fleet)
  return { results: done.results, counts: countResults(done.results) }
}

/** The result word of an applied plan action. */
const DONE: Record<PlanAction, string> = {
  create: 'created',
  'move-url': 'moved',
  update: 'updated',
  'write-secret': 'secret-written',
  delete: 'deleted',
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
 * left out: the file is meant to be committed.
 * @param read the hooks of each target, as the `export` operation read them
 * @returns the entries, and the hooks left out (`repository octo-org/api webhook 12`)
 */
export function exportEntries(read: readonly { target: Target; hooks: readonly Hook[] }[]): { entries: ExportEntry[]; left_out: string[] } {
  const groups = new Map<string, ExportEntry>()
  const used = new Set<string>()
  const left_out: string[] = []
  for (const { target, hooks: found } of read) {
    for (const hook of found) {
      const url = hook.config.url ?? ''
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
  return { entries: [...groups.values()], left_out }
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
