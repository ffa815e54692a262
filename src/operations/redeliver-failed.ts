/**
 * `redeliver-failed`: the deliveries of a hook since `since` whose guid never got a 2xx, each asked
 * again once (POST …/deliveries/{delivery_id}/attempts), at most `max_redeliveries`. Outputs
 * `redelivered` (count), `redelivered_ids` (JSON), `failed_guids` (JSON list of the guids that never
 * got a 2xx) and `failed_count`; the job summary lists the redeliveries.
 */
import { describeHook } from '../github/index.js'
import { redeliverFailed } from '../jobs/index.js'
import { commonTables, count, REDELIVERY_HEADER, redeliveryRow } from '../report/index.js'
import { onHook, required, type OperationModule } from './operation.js'

export const redeliverFailedOperation: OperationModule = {
  inputs: {
    needs: ['hook_id|url'],
    uses: ['hook_id', 'url', 'since', 'max_redeliveries'],
    writes: 'always',
    defaults: ['since'],
    dryRunInstead: "'list-deliveries' with status: failure to see what would be redelivered"
  },
  run: onHook(async (client, { target, since, max_redeliveries }, { hook_id }) => {
    const from = required(since)
    const report = await redeliverFailed(client, target, hook_id, { since: from, max: max_redeliveries })
    const capped = report.failed.length > max_redeliveries ? ` (capped by max_redeliveries ${max_redeliveries}; run again for the rest)` : ''
    const refused =
      report.errors.length > 0
        ? `GitHub refused ${count(report.errors.length, 'redelivery', 'redeliveries')}:\n- ${report.errors.join('\n- ')}`
        : undefined
    return {
      message:
        `${describeHook(target, hook_id, true)}: ${count(report.scanned, 'delivery', 'deliveries')} since ${from.toISOString()}, ` +
        `${count(report.failed.length, 'guid')} never got a 2xx; asked GitHub to redeliver ${report.redelivered.length}${capped}.`,
      outcome: report.redelivered.length > 0 ? 'redelivered' : 'none-failed',
      hook_id,
      redeliver: report,
      failure: refused
    }
  }),
  outputs: ({ redeliver }) =>
    redeliver
      ? {
          redelivered: redeliver.redelivered.length,
          redelivered_ids: redeliver.redelivered.map((item) => Number(item.newest.id)),
          failed_guids: redeliver.failed.map((item) => item.guid),
          failed_count: redeliver.failed.length
        }
      : {},
  tables: (summary, result, target) => {
    commonTables(summary, result, target)
    if (result.redeliver && result.redeliver.redelivered.length > 0) {
      summary.addTable([REDELIVERY_HEADER, ...result.redeliver.redelivered.map(redeliveryRow)])
    }
  }
}
