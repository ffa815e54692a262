/**
 * `rotate-secret`: every hook (or the one `hook_id` / `url` names) of every target moved to the new
 * `secret`, a canary first, then batches, each proven with a ping and rolled back to
 * `previous_secret` when the receiver refuses it (../jobs/rotate.ts). It runs over all targets at
 * once and reports one result per hook.
 */
import { rotateSecrets, type RotationOptions, type RotationPlan } from '../jobs/index.js'
import type { WebhookRequest } from '../model.js'
import type { OperationModule } from './operation.js'

export const rotateSecret: OperationModule = {
  inputs: {
    needs: ['secret'],
    uses: ['hook_id', 'url', 'secret', 'previous_secret', 'canary', 'batch_size', 'max_failures', 'rotate_unknown', 'wait_timeout', 'dry_run'],
    writes: 'always'
  },
  runTargets: (targets, { request, makeClient, clock }, options, log) =>
    rotateSecrets(targets, makeClient, request.hook, { ...rotation(request), onSurveyed: log }, options, clock),
  fleetOnly: true,
  resultsPer: 'hook'
}

/** The options of `rotate-secret` from the request. */
function rotation(request: WebhookRequest): RotationOptions & RotationPlan {
  const { secret } = request.config
  if (secret === undefined) throw new Error('internal error: rotate-secret without a secret')
  return {
    secret,
    previous_secret: request.previous_secret,
    timeout_ms: request.wait_timeout * 1000,
    dryRun: request.dry_run,
    canary: request.canary,
    batch_size: request.batch_size,
    max_failures: request.max_failures,
    rotate_unknown: request.rotate_unknown
  }
}
