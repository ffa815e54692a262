/**
 * `audit-secret`: which secret each hook signs with (the hook `hook_id` / `url` names, or every hook),
 * proven from its signed deliveries, a ping where none can tell (../jobs/audit.ts). Outputs `audit`
 * (JSON list, one entry per hook) and `verdict_counts`; the job summary has one table per target.
 */
import { describeTarget, redact, targetFields } from '../github/index.js'
import { auditTarget, VERDICTS, type HookAudit, type OperationResult, type TargetResult } from '../jobs/index.js'
import { code, count, escape, header, ROWS_SHOWN, type Summary, type SummaryTableRow } from '../report/index.js'
import type { Clock, GitHubClient } from '../model.js'
import { required, type OperationModule, type TargetRequest } from './operation.js'

export const auditSecret: OperationModule = {
  inputs: {
    // Without hook_id or url: every hook of the target.
    needs: ['secret'],
    uses: ['hook_id', 'url', 'secret', 'previous_secret', 'ping_if_needed', 'wait_timeout', 'fail_on_mismatch'],
    writes: 'with-pings',
    dryRunInstead: 'ping_if_needed: false (an audit that sends no ping)'
  },
  run: (client, request, clock) => auditOperation(client, request, clock),
  fleetOutputs: (results): Record<string, string> => {
    const audit = auditEntries(results)
    if (audit === undefined) return {}
    const verdicts: Record<string, number> = Object.fromEntries(
      VERDICTS.map((verdict) => [verdict, audit.filter((entry) => entry.verdict === verdict).length])
    )
    return { audit: redact(JSON.stringify(audit)), verdict_counts: JSON.stringify(verdicts) }
  },
  section: (summary, results) => addAudits(summary, results)
}

/**
 * `audit-secret` on one target: the hook `hook_id` / `url` names, or every hook; a mismatch (a hook
 * not signed with `secret`) fails the step with `fail_on_mismatch`.
 */
async function auditOperation(client: GitHubClient, request: TargetRequest, clock: Clock): Promise<OperationResult> {
  const { target } = request
  const options = {
    secret: required(request.config.secret),
    previous_secret: request.previous_secret,
    ping_if_needed: request.ping_if_needed,
    timeout_ms: request.wait_timeout * 1000
  }
  const { hooks: audited, audits } = await auditTarget(client, target, request.hook, options, clock)
  const tally = VERDICTS.map((verdict) => [verdict, audits.filter((audit) => audit.verdict === verdict).length] as const)
    .filter(([, n]) => n > 0)
    .map(([verdict, n]) => `${n} ${verdict}`)
  const message = `${count(audits.length, 'webhook')} of ${describeTarget(target)}${tally.length > 0 ? `: ${tally.join(', ')}` : ''}.`
  const mismatched = audits.filter((audit) => audit.verdict !== 'current')
  const result: OperationResult = { message, outcome: 'audited', hooks: audited, audit: audits }
  if (mismatched.length === 0 || !request.fail_on_mismatch) return result
  const which = mismatched.map((audit) => `webhook ${audit.hook_id} (${audit.url}): ${audit.verdict} — ${audit.note}`)
  const failure = `${count(mismatched.length, 'webhook')} of ${describeTarget(target)} ${mismatched.length === 1 ? 'does' : 'do'} not sign with the current secret: ${which.join('; ')}.`
  return { ...result, outcome: 'mismatch', failure }
}

/**
 * The audits of the results as entries of the `audit` output: `{ repository (or organization),
 * hook_id, url, verdict, proved_by, note }`, in result then hook order; undefined when no result carries one.
 */
function auditEntries(results: readonly TargetResult[]): HookAudit[] | undefined {
  if (!results.some((result) => result.operation?.audit)) return undefined
  return results.flatMap((result) =>
    (result.operation?.audit ?? []).map(({ hook_id, url, verdict, proved_by, note }) => ({
      ...targetFields(result.target),
      hook_id,
      url,
      verdict,
      proved_by,
      note
    }))
  )
}

/** Words for the verdicts, as a security reviewer would write them in a ticket. */
const VERDICT_WORDS: Record<HookAudit['verdict'], string> = {
  current: '✅ signs with the current secret',
  previous: '⚠️ still signs with the PREVIOUS secret',
  unknown: '❌ signs with an UNKNOWN secret (neither the current nor the previous one)',
  none: '❌ has NO secret: its deliveries are not signed',
  unproven: '❔ unproven: no signed delivery to check'
}

/** The audit tables: one per target, its hooks with their verdicts and how each was told; beyond {@link ROWS_SHOWN} targets folded. */
function addAudits(summary: Summary, results: readonly TargetResult[]): void {
  const audited = results.filter((result) => result.operation?.audit)
  audited.forEach((result, index) => {
    if (index === ROWS_SHOWN) summary.addRaw(`<details><summary>${escape(count(audited.length - ROWS_SHOWN, 'more audited target'))}</summary>`, true)
    summary.addHeading(`Secret audit: ${escape(describeTarget(result.target))}`, 4)
    const audits = result.operation?.audit ?? []
    if (audits.length === 0) summary.addRaw('<p>No webhooks.</p>', true)
    else summary.addTable([header('hook', 'url', 'verdict', 'how it was told'), ...audits.map(auditRow)])
  })
  if (audited.length > ROWS_SHOWN) summary.addRaw('</details>', true)
}

function auditRow(audit: HookAudit): SummaryTableRow {
  return [String(audit.hook_id), code(audit.url), escape(VERDICT_WORDS[audit.verdict]), escape(audit.note)]
}
