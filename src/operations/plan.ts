/**
 * `plan`: what `apply` would do to make GitHub match the webhooks file, per entry and target
 * (../jobs/plan.ts), read-only and without any secret: outputs `plan` (JSON), `plan_counts` and
 * `plan_file` (Markdown that fits a pull-request comment), the plan in the job summary, and with
 * `fail_on_drift` a failed step when anything would change or a secret could not be checked.
 * `apply` (./apply.ts) computes and shows the plan the same way ({@link planFile}) before it carries it out.
 */
import * as core from '@actions/core'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describeTarget, redact, redactUrlHashed, SCOPE_TRAITS, targetName, withEtags } from '../github/index.js'
import { computePlan, PLAN_ACTIONS, planCounts, SECRET_NOT_CHECKED, type Change, type PlanAction, type PlanItem } from '../jobs/index.js'
import type { WebhooksFile } from '../model.js'
import { escape, hasSummaryFile } from '../report/index.js'
import type { OperationModule, RunContext } from './operation.js'

export const plan: OperationModule = {
  inputs: {
    // Webhooks as code: the targets and hooks come from the file (input `file`), not from these inputs;
    // a repository or organization's hooks only (a GitHub App's is set in its settings).
    needs: [],
    uses: ['file', 'fail_on_drift', 'allow_unknown_events'],
    trait: 'hooks',
    writes: 'never',
    file: 'without-secrets'
  },
  runAll: async (context) => {
    const { request } = context
    const { plan, drift } = await planFile(context)
    // A secret not checked (its variable unset in this run) cannot be vouched for: said, and with
    // fail_on_drift a failure, so that a drift check missing one env line does not pass green.
    const unchecked = plan.filter((item) => item.note === SECRET_NOT_CHECKED).map((item) => `${item.name} on ${describeTarget(item.target)}`)
    if (unchecked.length > 0) {
      const which = `${unchecked.slice(0, 10).join(', ')}${unchecked.length > 10 ? ` and ${unchecked.length - 10} more` : ''}`
      const said = `${unchecked.length} of ${plan.length} planned without checking the secret (its secret_env variable is not set in this run): ${which}.`
      if (request.fail_on_drift) core.setFailed(redact(`${said} fail_on_drift cannot vouch for them: set the variables in the step's env.`))
      else core.warning(redact(said))
    }
    if (request.fail_on_drift && drift > 0)
      core.setFailed(redact(`Drift: ${drift} of ${plan.length} would change (fail_on_drift): see the plan in the job summary.`))
  }
}

/**
 * The plan of the run's webhooks file, computed and shown: logged with its counts, a warning per
 * target that could not be planned and per refused proof, and written out ({@link writePlan}).
 * The plan's hooks lists are read again by `apply` right before it writes: with their ETags
 * (../github/etags.ts, this run only) those reads are answered 304 when nothing changed, free of the
 * primary budget; the client factory returned is the one that keeps them.
 * @returns the plan, how many of its rows would change (`drift`), and the client factory with the ETags
 */
export async function planFile(
  context: RunContext
): Promise<{ plan: PlanItem[]; drift: number; file: WebhooksFile; makeClient: ReturnType<typeof withEtags> }> {
  const { file } = context
  if (!file) throw new Error(`internal error: ${context.request.operation} without a webhooks file`)
  const makeClient = withEtags(context.makeClient)
  const plan = await computePlan(makeClient(), file, { warn: (message) => core.warning(redact(message)) })
  const counts = planCounts(plan)
  core.info(redact(`Plan of ${file.path}: ${PLAN_ACTIONS.map((action) => `${counts[action]} ${action}`).join(', ')}.`))
  for (const item of plan.filter((item) => item.error !== undefined)) {
    core.warning(redact(`${item.name} on ${describeTarget(item.target)}: ${item.action}: ${item.error}`))
  }
  // A refused proof writes nothing (GitHub holds the wanted secret), but the hook does not work: said, never green in silence.
  for (const item of plan.filter((item) => item.finding !== undefined)) {
    core.warning(redact(`${item.name} on ${describeTarget(item.target)} (webhook ${item.hook_id}): ${item.finding}`))
  }
  await writePlan(plan, file.path)
  return { plan, drift: plan.length - counts.unchanged, file, makeClient }
}

/** A plan action in the job summary and the plan file. */
const PLAN_SIGNS: Record<PlanAction, string> = {
  create: '➕ create',
  'move-url': '➡️ move-url',
  update: '✏️ update',
  'write-secret': '🔑 write-secret',
  delete: '🗑️ delete',
  ambiguous: '⚠️ ambiguous',
  failed: '❌ failed',
  unchanged: '✅ unchanged'
}

/** GitHub's limit on a pull-request comment's body, in characters. */
export const COMMENT_LIMIT = 65_536

/** The most characters of the plan file (a pull-request comment): GitHub's limit with room for a sticky comment's marker and a header. */
export const PLAN_COMMENT_CAP = 60_000

/** The most characters of the plan in the job summary (GitHub's limit is 1 MiB per step, shared with the step's other summary lines). */
export const PLAN_SUMMARY_CAP = 800_000

/** Options of {@link planMarkdown}. */
export interface PlanMarkdownOptions {
  /** The most characters of the Markdown (default {@link PLAN_COMMENT_CAP}). */
  cap?: number
  /** Where the whole plan is, said when rows are left out (default: the job summary and the JSON output `plan`). */
  whole?: string
}

/** The rows of one entry that read the same: one action and one description of what it does. */
interface PlanGroup {
  action: PlanAction
  text: string
  items: PlanItem[]
}

/** What a plan row says besides its target: the changes, the URL deleted, why it could not be planned, the secret's note, a finding. */
function planRowText(item: PlanItem): string {
  const parts: string[] = []
  if (item.action === 'delete') parts.push(`${redactUrlHashed(item.url)} (${item.note ?? 'matches prune'})`)
  else if (item.error !== undefined) parts.push(item.error)
  else if (item.changes.length > 0) parts.push(item.changes.map((change) => changeLine(change)).join('; '))
  if (item.action === 'unchanged' && item.note?.startsWith('unproven: inactive'))
    parts.push('secret unproven: inactive (GitHub delivers nothing to it; written at creation and activation)')
  if (item.note === SECRET_NOT_CHECKED) parts.push(`secret ${SECRET_NOT_CHECKED}`)
  if (item.finding !== undefined) parts.push(`⚠️ finding: ${item.finding.replace(/ \(delivery \d+\)$/, '')}`)
  return parts.join('; ')
}

/** One changed field: `events: push → push, release`; a URL with its credential values hashed. */
function changeLine(change: Change): string {
  const value = (v: unknown): string => (change.field === 'url' && typeof v === 'string' ? redactUrlHashed(v) : changeText(v))
  return `${change.field}: ${value(change.from)} → ${value(change.to)}`
}

/** `repository octo-org/api (hook 12; delivery 34)`: a row's target and the live hook it touches. */
function planRowTarget(item: PlanItem): string {
  const ids = [
    ...(item.hook_id !== undefined ? [`hook ${item.hook_id}`] : []),
    ...(item.finding?.match(/\(delivery (\d+)\)$/) ? [`delivery ${/\(delivery (\d+)\)$/.exec(item.finding)?.[1]}`] : [])
  ]
  return `${describeTarget(item.target)}${ids.length > 0 ? ` (${ids.join('; ')})` : ''}`
}

/** `36 repositories`, `1 organization`: how many targets a group covers. */
function targetCount(items: readonly PlanItem[]): string {
  const scopes = new Set(items.map((item) => item.target.scope))
  const noun = scopes.size === 1 ? SCOPE_TRAITS[items[0].target.scope].noun : 'target'
  const plural = noun.endsWith('y') ? `${noun.slice(0, -1)}ies` : noun.endsWith('s') ? noun : `${noun}s`
  return `${items.length.toLocaleString('en-US')} ${items.length === 1 ? noun : plural}`
}

/**
 * The plan as Markdown, for the job summary and the plan file (a pull-request comment): the counts,
 * then per entry (entries with changes first) one line per change, the rows that read alike grouped
 * (`**✏️ update** 36 repositories: events: push → push, release`) with their targets under a
 * `<details>` fold, each with the hook id it touches; unchanged rows folded into a count (a row with
 * a finding is shown). URLs show a redacted credential with a short hash of it (`?v=***#3f2a`), a
 * secret only as `unproven → set`. At most `cap` characters: the rows beyond it are left out, and a
 * last line says how many and where the whole plan is.
 * @param file the webhooks file's path as the heading names it (relative to the workspace)
 */
export function planMarkdown(plan: readonly PlanItem[], file: string, options: PlanMarkdownOptions = {}): string {
  const cap = options.cap ?? PLAN_COMMENT_CAP
  const counts = planCounts(plan)
  const changing = plan.filter((item) => item.action !== 'unchanged').length
  const unchecked = plan.filter((item) => item.note === SECRET_NOT_CHECKED).length
  const head = [
    `### Webhooks plan: ${escape(file)}`,
    '',
    changing === 0
      ? `No changes: ${plan.length.toLocaleString('en-US')} ${plan.length === 1 ? 'hook matches' : 'hooks match'} the file, secrets proven where set (an inactive hook's cannot be).`
      : `${changing.toLocaleString('en-US')} of ${plan.length.toLocaleString('en-US')} to change: ${PLAN_ACTIONS.filter(
          (action) => counts[action] > 0
        )
          .map((action) => `${counts[action].toLocaleString('en-US')} ${action}`)
          .join(', ')}.`,
    ...(unchecked > 0
      ? [
          '',
          `🔒 ${unchecked.toLocaleString('en-US')} ${unchecked === 1 ? 'row has its' : 'rows have their'} secret ${SECRET_NOT_CHECKED}: this plan ran without the secret variables; apply proves or writes them.`
        ]
      : []),
    ''
  ]
  const names = [...new Set(plan.map((item) => item.name))]
  const rank = (name: string): number => (plan.some((item) => item.name === name && item.action !== 'unchanged') ? 0 : 1)
  const body: string[] = []
  let used = head.join('\n').length
  // Room kept for the last line that says what was left out.
  const reserve = 600
  let shown = 0
  let full = false
  const add = (line: string): boolean => {
    if (full || used + line.length + 1 > cap - reserve) {
      full = true
      return false
    }
    body.push(line)
    used += line.length + 1
    return true
  }
  for (const name of names.sort((a, b) => rank(a) - rank(b))) {
    const items = plan.filter((item) => item.name === name)
    const groups = new Map<string, PlanGroup>()
    // Unchanged rows without a finding: a count per description (a plain one, an inactive hook's, a secret not checked).
    const quiet = new Map<string, PlanItem[]>()
    for (const item of items) {
      const text = planRowText(item)
      if (item.action === 'unchanged' && item.finding === undefined) {
        quiet.set(text, [...(quiet.get(text) ?? []), item])
        continue
      }
      const key = `${item.action}\n${text}`
      const group = groups.get(key) ?? { action: item.action, text, items: [] }
      group.items.push(item)
      groups.set(key, group)
    }
    const ordered = [...groups.values()].sort((a, b) => PLAN_ACTIONS.indexOf(a.action) - PLAN_ACTIONS.indexOf(b.action))
    if (!add(`#### ${escape(name)}`) || !add('')) break
    for (const group of ordered) {
      const what = group.text === '' ? '' : `: ${escape(group.text)}`
      if (group.items.length === 1) {
        if (!add(`- **${PLAN_SIGNS[group.action]}** ${escape(planRowTarget(group.items[0]))}${what}`)) break
        shown++
        continue
      }
      if (!add(`- **${PLAN_SIGNS[group.action]}** ${targetCount(group.items)}${what}`)) break
      if (!add(`  <details><summary>${targetCount(group.items)}</summary>`) || !add('')) break
      for (const item of group.items) {
        if (!add(`  - ${escape(planRowTarget(item))}`)) break
        shown++
      }
      if (!add('') || !add('  </details>')) break
    }
    for (const [text, rows] of quiet) add(`- **${PLAN_SIGNS.unchanged}** ${targetCount(rows)}${text === '' ? '' : `: ${escape(text)}`}`)
    add('')
    if (full) break
  }
  const rows = plan.filter((item) => item.action !== 'unchanged' || item.finding !== undefined).length
  const lines = [...head, ...body]
  if (full) {
    // Close a fold left open by the cut.
    const opened = lines.filter((line) => line.startsWith('  <details>')).length
    if (opened > lines.filter((line) => line === '  </details>').length) lines.push('', '  </details>')
    const left = rows - shown
    lines.push(
      '',
      `> ⚠️ ${left.toLocaleString('en-US')} of ${rows.toLocaleString('en-US')} ${rows === 1 ? 'row is' : 'rows are'} left out here to keep this plan under ${cap.toLocaleString('en-US')} characters (GitHub's limit on a comment is ${COMMENT_LIMIT.toLocaleString('en-US')}). The whole plan: ${options.whole ?? "this run's job summary, and the step's JSON output `plan`"}.`,
      ''
    )
  }
  return lines.join('\n')
}

/** A changed value in a plan row: lists joined, null as `none`. */
function changeText(value: unknown): string {
  if (value === null || value === undefined) return 'none'
  return Array.isArray(value) ? value.join(', ') : String(value)
}

/**
 * Sets the plan's outputs — `plan` (JSON: one item per entry and target, `{ name, target, action,
 * changes, hook_id, and `note` (how the secret was or was not proven), `error` (why a target could
 * not be planned) and `finding` (a refused proof) when set }`), `plan_counts` (per action) and `plan_file` (the Markdown, written as
 * `webhooks-plan.md` in a new folder `webhooks-plan-XXXXXX` of `RUNNER_TEMP`, or of the system's
 * temporary folder, so that each plan step of a job has its own file; at most {@link PLAN_COMMENT_CAP}
 * characters, so that it fits a pull-request comment) — and appends the Markdown to the job summary
 * (at most {@link PLAN_SUMMARY_CAP} characters). Where rows are left out, the Markdown says where the whole plan is.
 * @returns the plan file's path
 */
export async function writePlan(plan: readonly PlanItem[], file: string): Promise<string> {
  const entries = plan.map((item) => ({
    name: item.name,
    target: targetName(item.target),
    action: item.action,
    changes: item.changes,
    hook_id: item.hook_id,
    ...(item.note !== undefined && item.action !== 'delete' ? { note: item.note } : {}),
    ...(item.error !== undefined ? { error: item.error } : {}),
    ...(item.finding !== undefined ? { finding: item.finding } : {})
  }))
  core.setOutput('plan', redact(JSON.stringify(entries)))
  core.setOutput('plan_counts', JSON.stringify(planCounts(plan)))
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: run } = process.env
  const summary =
    server && repository && run ? `the job summary of [this run](${server}/${repository}/actions/runs/${run})` : "this run's job summary"
  // The file is what a pull-request comment can hold; the job summary holds more; the JSON output all.
  const markdown = redact(planMarkdown(plan, file, { cap: PLAN_COMMENT_CAP, whole: `${summary}, and the step's JSON output \`plan\`` }))
  // A folder of its own per step: a second plan step in the same job keeps the first one's file.
  const path = join(mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'webhooks-plan-')), 'webhooks-plan.md')
  writeFileSync(path, markdown)
  core.setOutput('plan_file', path)
  if (hasSummaryFile()) {
    await core.summary.addRaw(redact(planMarkdown(plan, file, { cap: PLAN_SUMMARY_CAP, whole: "the step's JSON output `plan`" })), true).write()
  }
  return path
}
