/**
 * `ensure`: the hook at `url` made to match the inputs, created when missing, its secret proven from
 * signed deliveries before it is ever written (../jobs/ensure.ts), then, with `verify`, a ping judged
 * like `ping`'s. Outputs `result` (created, updated, unchanged, deleted, absent), `changes` (JSON
 * `[{field, from, to}]`) and `secret_proof` (proven, written, would-write, unproven, not-given); the
 * job summary shows the changes before the hook.
 */
import { describeHook, describeTarget, SCOPE_TRAITS } from '../github/index.js'
import { ensureHook, wantedSettings, type EnsureResult, type OperationResult } from '../jobs/index.js'
import { CHANGE_HEADER, changeRow, commonTables, count, type Presentation } from '../report/index.js'
import type { OperationModule, TargetRequest } from './operation.js'
import { judgeDelivery } from './verdict.js'

/** How `ensure` and `ensure-absent` present a result: the outputs `result`, `changes`, `secret_proof`, and the changes table first. */
export const ENSURE_PRESENTATION: Presentation = {
  outputs: ({ ensure }) => (ensure ? { result: ensure.outcome, changes: ensure.changes, secret_proof: ensure.secret_proof } : {}),
  tables: (summary, result, target) => {
    if (result.ensure && result.ensure.changes.length > 0) summary.addTable([CHANGE_HEADER, ...result.ensure.changes.map(changeRow)])
    commonTables(summary, result, target)
  }
}

export const ensure: OperationModule = {
  inputs: {
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
    ],
    writes: 'always',
    url: 'new',
    writesConfig: true
  },
  run: async (client, request, clock) => {
    const { target } = request
    const verify = request.verify ? { timeout_ms: request.wait_timeout * 1000 } : undefined
    const ensure = await ensureHook(
      client,
      target,
      request.hook,
      wantedSettings(request.config, request.hook_fields, SCOPE_TRAITS[target.scope].hooks),
      {
        dryRun: request.dry_run,
        verify,
        clock
      }
    )
    const result: OperationResult = {
      message: describeEnsure(request, ensure),
      ...ensureOutcome(ensure),
      hook_id: ensure.hook_id,
      hook: ensure.hook,
      ensure
    }
    if (ensure.refused_proof && !ensure.verification && ensure.hook_id !== undefined) {
      // The secret is proven by a delivery the receiver refused (a 401 from a receiver that checks
      // another secret): nothing to write, but the hook does not work, and the step says so as the first run did.
      const judged = judgeDelivery(request, ensure.hook_id, ensure.refused_proof.event, ensure.refused_proof)
      return {
        ...result,
        message: `${result.message} The delivery that proves the secret was refused${judged.message}.`,
        ...judged.result
      }
    }
    if (!ensure.verification || ensure.hook_id === undefined) return result
    if (ensure.verification.error !== undefined) {
      const what = ensure.outcome === 'created' ? 'the wait for the ping GitHub sends a new hook' : 'its verifying ping'
      const problem = `The webhook was ${ensure.outcome} as reported, but ${what} failed: ${ensure.verification.error}`
      return { ...result, ...(request.fail_on_delivery_error ? { failure: problem } : { warning: problem }) }
    }
    const judged = judgeDelivery(request, ensure.hook_id, 'ping', ensure.verification.delivery)
    const how = ensure.outcome === 'created' ? 'by the ping GitHub sends a new hook' : 'with a ping'
    return { ...result, message: `${result.message} Verified ${how}${judged.message || ''}.`, ...judged.result }
  },
  ...ENSURE_PRESENTATION
}

/** The outcome word of `ensure` / `ensure-absent`, and whether the hook was (or, in a dry run, would be) written. */
export function ensureOutcome(ensure: EnsureResult): Pick<OperationResult, 'outcome' | 'changed'> {
  return { outcome: ensure.outcome, changed: ensure.outcome !== 'unchanged' && ensure.outcome !== 'absent' }
}

/** `Webhook 12 of repository o/r: updated (2 changes: events, secret); secret written (…).` plus a dry-run note. */
export function describeEnsure({ target, dry_run }: TargetRequest, ensure: EnsureResult): string {
  const which = ensure.hook_id === undefined ? `The webhook of ${describeTarget(target)}` : describeHook(target, ensure.hook_id, true)
  const fields = ensure.changes.map((change) => change.field).join(', ')
  const changes = ensure.outcome === 'updated' ? ` (${count(ensure.changes.length, 'change')}: ${fields})` : ''
  const proof = ensure.secret_proof === 'would-write' ? 'would be written' : ensure.secret_proof
  const secret = ensure.secret_proof === 'not-given' ? '' : `; secret ${proof}${ensure.secret_note ? ` (${ensure.secret_note})` : ''}`
  const note = ensure.note ? `; ${ensure.note}` : ''
  const dry = dry_run ? ' Dry run: nothing was written; this is what would happen.' : ''
  return `${which}: ${ensure.outcome}${changes}${secret}${note}.${dry}`
}
