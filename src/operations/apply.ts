/**
 * `apply`: the plan of the webhooks file (computed and shown as `plan` shows it, ./plan.ts) carried
 * out as a fleet (../jobs/plan.ts `applyPlan`): `results`, the counts and the fleet table; a failed
 * step for what failed or what GitHub's limits left undone. With `dry_run` it stops after the plan:
 * it is what apply would do, and nothing is written.
 */
import * as core from '@actions/core'
import { redact } from '../github/index.js'
import { applyPlan } from '../jobs/index.js'
import { setFleetOutputs, writeFleetSummary } from '../report/index.js'
import type { OperationModule } from './operation.js'
import { planFile } from './plan.js'
import { failFleet, fleetProgress } from './run.js'

export const apply: OperationModule = {
  inputs: { needs: [], uses: ['file', 'wait_timeout', 'allow_unknown_events', 'dry_run'], trait: 'hooks', writes: 'always', file: 'with-secrets' },
  runAll: async (context) => {
    const { request, clock } = context
    const { plan, drift, file, makeClient } = await planFile(context)
    if (request.dry_run) {
      core.info(redact(`Dry run: nothing was written; apply would carry out this plan (${drift} of ${plan.length} to change).`))
      return
    }
    const { options, ticker } = fleetProgress({ request, makeClient }, plan.length)
    const applied = await applyPlan(plan, file, makeClient, { timeout_ms: request.wait_timeout * 1000, clock }, options).finally(() => ticker.stop())
    const { conditional, notModified } = makeClient.etags
    if (conditional > 0)
      core.info(
        `${notModified} of ${conditional} ${conditional === 1 ? 'hooks list' : 'hooks lists'} read again ${conditional === 1 ? 'was' : 'were'} answered 304 Not Modified (free of the primary budget).`
      )
    setFleetOutputs(applied.results, applied.counts)
    await writeFleetSummary(request, `Applied the plan of ${file.path}.`, applied.results, applied.counts)
    failFleet(applied, makeClient, 'not applied')
  }
}
