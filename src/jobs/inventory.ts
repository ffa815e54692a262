/**
 * Inventory: every webhook a repository or an organization has, and what is wrong with each
 * ({@link FINDINGS}). Read-only: it sends only GETs (REST "List repository webhooks" /
 * "List organization webhooks", and for an organization hook "List deliveries for an organization
 * webhook" with one item, since organization hooks carry no `last_response`).
 *
 * Secret safety: a hook's URL is kept only redacted ({@link redact}: the URL-credential rule of
 * ../github/redact.ts), and its secret only as `secret_set`; nothing this module returns or writes (the
 * CSV included) holds either.
 */
import { stringify } from 'csv-stringify/sync'
import { hooks as endpoints, redact, urlCredentials, describeTarget, SCOPE_TRAITS, targetName, type Target } from '../github/index.js'
import { FINDINGS, type Finding, type GitHubClient, type Hook } from '../model.js'

export { FINDINGS, type Finding } from '../model.js'

/** What each finding means, one line (for the job summary and the docs). */
export const FINDING_TEXT: Record<Finding, string> = {
  'no-secret': 'no secret is set: anyone who knows the URL can send forged payloads that the receiver cannot tell apart',
  'insecure-ssl': 'TLS certificate verification is off (insecure_ssl "1"): payloads can be read or changed on the way',
  'plain-http': 'the URL is plain http: payloads and their signature travel unencrypted',
  'url-credentials': 'the URL carries credentials (user info, query values, secret-looking path segments) that everyone who may read the hook sees',
  inactive: 'the hook is inactive: GitHub sends it nothing',
  failing: 'the last delivery did not get a 2xx answer (or could not reach the receiver)',
  'duplicate-url': 'another hook of the same repository or organization has the same URL: the receiver may get events twice',
  'all-events': 'the hook subscribes to every event (*): it receives far more than it probably needs'
}

/**
 * The findings from worst to least bad, the order of {@link worstHooksFirst} and of each hook's
 * `findings`: forgeable payloads (`no-secret`) and leaked URL credentials first (each lets an
 * outsider act), then the transport weaknesses (`insecure-ssl`, `plain-http`), then a hook that does
 * not work (`failing`), then hygiene (`duplicate-url`, `all-events`), and last `inactive`, which is
 * often deliberate.
 */
export const SEVERITY: readonly Finding[] = [
  'no-secret',
  'url-credentials',
  'insecure-ssl',
  'plain-http',
  'failing',
  'duplicate-url',
  'all-events',
  'inactive'
]

/** One webhook of the inventory: what it is, its last response, and its findings. */
export interface InventoryHook {
  /** Whose hook it is. */
  where: 'repository' | 'organization'
  /** `owner/name` for a repository, the login for an organization. */
  target: string
  hook_id: number
  /**
   * The hook's `name`: `web` for a webhook; another name (e.g. `travis`) for a legacy service hook,
   * which may have no URL (`config: {}`).
   */
  name: string
  /** `config.url` with its credentials REDACTED ({@link redact}); '' when the hook has none. */
  url: string
  /** The URL's host (with a port when it has one), lower case, no credentials; '' when the URL does not parse. */
  host: string
  events: string[]
  active: boolean
  /** `config.content_type` (`json` or `form`); '' when GitHub did not return one. */
  content_type: string
  /** `config.insecure_ssl` ("1": TLS certificates are not verified); GitHub's number form is read as text. */
  insecure_ssl: '0' | '1'
  /** True when the hook has a secret (GitHub shows it as `********`); the secret itself is never read. */
  secret_set: boolean
  created_at: string
  updated_at: string
  /**
   * The hook's last response, as its receiver answered. Repository hook: read from its
   * `last_response` ({@link readLastResponse}): `code` the receiver's HTTP status (for a
   * `misconfigured` hook the status in GitHub's `message`, e.g. 404 from "Invalid HTTP Response:
   * 404", not GitHub's `code` 422), `status` GitHub's status (`active`, `misconfigured`, `unused`),
   * `message` GitHub's message; no `delivered_at`. Organization hook: its newest delivery within
   * GitHub's retention (3 days on github.com, 7 on GHES), `code` its `status_code` (null when 0: no
   * HTTP answer), `status` its status text, `delivered_at`; null when it has none.
   */
  last_response: { code: number | null; status: string | null; message?: string | null; delivered_at?: string } | null
  /** What is wrong with it, worst first ({@link SEVERITY}); empty when nothing is. */
  findings: Finding[]
}

/** Statuses of a last response without an HTTP code that do not mean a failure (`unused`: never delivered). */
const NOT_FAILED = /^(unused|active|ok|pending)$/i

/**
 * True when a last response is a failure: GitHub's status `misconfigured` (whatever the code), a
 * code outside 200–299, or no code (null/0) with a status that says the receiver could not be
 * reached (`failed`, `failed to connect`, `timed out`, …). A hook never delivered (status `unused`,
 * with code null or 0, or no delivery at all) is not failing.
 */
export function isFailing(last: InventoryHook['last_response']): boolean {
  if (last === null) return false
  const status = last.status?.trim() ?? ''
  if (/^unused$/i.test(status)) return false
  if (/^misconfigured$/i.test(status)) return true
  if (last.code !== null && last.code !== 0) return last.code < 200 || last.code > 299
  return status !== '' && !NOT_FAILED.test(status)
}

/** GitHub's `last_response` of a repository hook (schema `hook-response`); every part may be null. */
export interface HookResponse {
  code?: number | null
  status?: string | null
  message?: string | null
}

/**
 * A repository hook's `last_response` as its receiver answered, in the shapes recorded from GitHub:
 * - `{code: null | 0, status: "unused", message: null | "Unused"}` (never delivered) gives
 *   `{code: null, status: "unused", message: null}`;
 * - `{code: 200, status: "active", message: "OK"}` stays as it is;
 * - `{code: 422, status: "misconfigured", message: "Invalid HTTP Response: 404"}` gives code 404, the
 *   receiver's status from the message (422 is GitHub's, not the receiver's), or null when the
 *   message names none (the receiver could not be reached).
 * Status and message are redacted ({@link redact}).
 */
export function readLastResponse(last: HookResponse): NonNullable<InventoryHook['last_response']> {
  const status = last.status === null || last.status === undefined ? null : redact(last.status)
  const message = last.message === null || last.message === undefined ? null : redact(last.message)
  if (status !== null && /^unused$/i.test(status.trim())) return { code: null, status: 'unused', message: null }
  if (status !== null && /^misconfigured$/i.test(status.trim())) {
    // Only GitHub's own wording names the receiver's status: other digits (an address, a port) are not one.
    const receiver = /Invalid HTTP Response: ([1-5]\d\d)\b/i.exec(message ?? '')
    return { code: receiver ? Number(receiver[1]) : null, status, message }
  }
  return { code: last.code || null, status, message }
}

/**
 * A last response in words, for summaries: `unused`; GitHub's status and message
 * (`misconfigured: Invalid HTTP Response: 404`, `active: OK`); a delivery's code and status text
 * (`502 Invalid HTTP Response: 502`); '—' for none.
 */
export function lastResponseText(last: InventoryHook['last_response'] | undefined): string {
  if (!last) return '—'
  if (last.status === 'unused') return 'unused'
  if (last.message) return `${last.status ?? ''}: ${last.message}`.replace(/^: /, '')
  return [last.code, last.status].filter((part) => part !== null && part !== '').join(' ') || '—'
}

/** The host of a URL (`host:port`), lower case; '' when it does not parse. */
function hostOf(url: string): string {
  return URL.parse(url)?.host.toLowerCase() ?? ''
}

/** The findings of one hook from its own fields and its unredacted URL (all but `duplicate-url`, which needs its neighbours). */
function ownFindings(hook: InventoryHook, rawUrl: string): Finding[] {
  const found = new Set<Finding>()
  if (!hook.secret_set) found.add('no-secret')
  if (hook.insecure_ssl === '1') found.add('insecure-ssl')
  if (/^http:/i.test(rawUrl)) found.add('plain-http')
  if (urlCredentials(rawUrl).length > 0) found.add('url-credentials')
  if (!hook.active) found.add('inactive')
  if (isFailing(hook.last_response)) found.add('failing')
  if (hook.events.includes('*')) found.add('all-events')
  return [...found]
}

/** Findings in {@link SEVERITY} order, without duplicates. */
function bySeverity(findings: Iterable<Finding>): Finding[] {
  const set = new Set(findings)
  return SEVERITY.filter((finding) => set.has(finding))
}

/**
 * The last response of an organization hook: its newest delivery (REST "List deliveries for an
 * organization webhook", `per_page=1`), or null when it has none within GitHub's retention.
 */
async function newestDelivery(client: GitHubClient, target: Target, hook_id: number): Promise<InventoryHook['last_response']> {
  const { items } = await endpoints.listDeliveries(client, target, hook_id, { per_page: 1, limit: 1 })
  const newest = items[0]
  if (newest === undefined) return null
  return { code: newest.status_code || null, status: redact(newest.status), delivered_at: newest.delivered_at }
}

/**
 * The inventory of one repository's or organization's webhooks: REST "List repository webhooks"
 * (`GET /repos/{owner}/{repo}/hooks`) or "List organization webhooks" (`GET /orgs/{org}/hooks`), all
 * pages of 100; for each organization hook one more request, "List deliveries for an organization
 * webhook" (`GET /orgs/{org}/hooks/{hook_id}/deliveries?per_page=1`), since organization hooks carry
 * no `last_response`. Findings: see {@link FINDINGS} and {@link FINDING_TEXT}; `duplicate-url`
 * compares the full `config.url`s of the target's hooks exactly, as written.
 * @returns the hooks in the order GitHub lists them (id order), URLs redacted
 * @throws Error for a GitHub App target (its one webhook has no list, events or active state);
 *   Octokit's RequestError from the API (404 when the target does not exist or the token may not
 *   see its hooks: `admin:repo_hook` / `admin:org_hook`, or the "Webhooks" read permission)
 */
export async function inventoryTarget(client: GitHubClient, target: Target): Promise<InventoryHook[]> {
  if (target.scope === 'app' || !SCOPE_TRAITS[target.scope].hooks) {
    throw new Error(`The inventory covers repository and organization webhooks, not ${describeTarget(target)}.`)
  }
  const where = target.scope === 'repo' ? 'repository' : 'organization'
  const { items: hooks } = await endpoints.listHooks(client, target, { per_page: 100 })
  const urlCount = new Map<string, number>()
  for (const hook of hooks) {
    const url = hook.config.url ?? ''
    if (url !== '') urlCount.set(url, (urlCount.get(url) ?? 0) + 1)
  }
  const inventory: InventoryHook[] = []
  for (const hook of hooks) {
    const rawUrl = hook.config.url ?? ''
    const last_response = await lastResponseOf(client, target, hook)
    const entry: InventoryHook = {
      where,
      target: targetName(target),
      hook_id: hook.id,
      name: typeof hook.name === 'string' && hook.name !== '' ? hook.name : 'web',
      url: redact(rawUrl),
      host: hostOf(rawUrl),
      events: [...hook.events],
      active: hook.active,
      content_type: hook.config.content_type ?? '',
      insecure_ssl: String(hook.config.insecure_ssl ?? '0') === '1' ? '1' : '0',
      secret_set: typeof hook.config.secret === 'string' && hook.config.secret !== '',
      created_at: hook.created_at,
      updated_at: hook.updated_at,
      last_response,
      findings: []
    }
    const findings = ownFindings(entry, rawUrl)
    if ((urlCount.get(rawUrl) ?? 0) > 1) findings.push('duplicate-url')
    entry.findings = bySeverity(findings)
    inventory.push(entry)
  }
  return inventory
}

/** A hook's last response: `last_response` of a repository hook, the newest delivery of an organization hook. */
async function lastResponseOf(client: GitHubClient, target: Target, hook: Hook): Promise<InventoryHook['last_response']> {
  if (SCOPE_TRAITS[target.scope].lastResponse && 'last_response' in hook && hook.last_response) return readLastResponse(hook.last_response)
  return newestDelivery(client, target, hook.id)
}

/** The rank of a hook's worst finding in {@link SEVERITY}; {@link SEVERITY}.length when it has none. */
function worstRank(hook: InventoryHook): number {
  return Math.min(SEVERITY.length, ...hook.findings.map((finding) => SEVERITY.indexOf(finding)))
}

/**
 * The hooks worst first: those with findings before those without, by their worst finding's rank
 * in {@link SEVERITY}, then by how many findings they have (more first); hooks that tie keep their
 * order. Returns a new array; the input is not changed.
 */
export function worstHooksFirst(hooks: readonly InventoryHook[]): InventoryHook[] {
  return [...hooks].sort((a, b) => worstRank(a) - worstRank(b) || b.findings.length - a.findings.length)
}

/** How many hooks have each finding: every id of {@link FINDINGS} present, 0 when no hook has it. */
export function findingCounts(hooks: readonly InventoryHook[]): Record<Finding, number> {
  const counts = Object.fromEntries(FINDINGS.map((finding) => [finding, 0])) as Record<Finding, number>
  for (const hook of hooks) for (const finding of new Set(hook.findings)) counts[finding]++
  return counts
}

/**
 * Where a hook points, in words: its host; for a hook without a URL, what it is (`no URL (legacy
 * service hook "travis")`, `no URL`); `URL that does not parse` otherwise.
 */
export function hostLabel(hook: Pick<InventoryHook, 'host' | 'url' | 'name'>): string {
  if (hook.host !== '') return hook.host
  if (hook.url === '') return hook.name !== 'web' ? `no URL (legacy service hook "${hook.name}")` : 'no URL'
  return 'URL that does not parse'
}

/**
 * One line per host, saying how many hooks point there: most hooks first, then by host name. Hooks
 * without a host count under their {@link hostLabel} (a legacy service hook without a URL, a URL
 * that does not parse).
 */
export function hostCounts(hooks: readonly InventoryHook[]): { host: string; hooks: number }[] {
  const counts = new Map<string, number>()
  for (const hook of hooks) {
    const label = hostLabel(hook)
    counts.set(label, (counts.get(label) ?? 0) + 1)
  }
  return [...counts]
    .map(([host, count]) => ({ host, hooks: count }))
    .sort((a, b) => b.hooks - a.hooks || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0))
}

/** The columns of {@link inventoryCsv}, in order. */
export const CSV_COLUMNS = [
  'where',
  'target',
  'hook_id',
  'name',
  'url',
  'host',
  'events',
  'active',
  'content_type',
  'insecure_ssl',
  'secret_set',
  'created_at',
  'updated_at',
  'last_response_code',
  'last_response_status',
  'last_response_message',
  'last_delivery_at',
  'findings'
] as const

/**
 * The inventory as CSV (RFC 4180 quoting, by `csv-stringify` of the `csv` project), a header row of
 * {@link CSV_COLUMNS} and one row per hook: `events` and `findings` joined with a space, booleans as
 * `true` / `false`, a missing last response (or its missing parts) as an empty cell. The URL is the
 * redacted one of {@link InventoryHook}; no secret is in it. Rows end with `\n`. Cells that a
 * spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or carriage return, e.g.
 * the host of `https://=1+1.example.com/hook`) are prefixed with `'` (`csv-stringify`'s
 * `escape_formulas`, OWASP "CSV Injection").
 */
export function inventoryCsv(hooks: readonly InventoryHook[]): string {
  const rows = hooks.map((hook) => [
    hook.where,
    hook.target,
    String(hook.hook_id),
    hook.name,
    hook.url,
    hook.host,
    hook.events.join(' '),
    String(hook.active),
    hook.content_type,
    hook.insecure_ssl,
    String(hook.secret_set),
    hook.created_at,
    hook.updated_at,
    hook.last_response?.code === null || hook.last_response?.code === undefined ? '' : String(hook.last_response.code),
    hook.last_response?.status ?? '',
    hook.last_response?.message ?? '',
    hook.last_response?.delivered_at ?? '',
    hook.findings.join(' ')
  ])
  return stringify(rows, { header: true, columns: [...CSV_COLUMNS], record_delimiter: 'unix', escape_formulas: true })
}
