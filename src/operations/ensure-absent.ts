/** `ensure-absent`: the hook `hook_id` or `url` names deleted if it exists (DELETE /…/hooks/{hook_id}); none is `absent`, not a failure. */
import { ensureAbsent as ensureHookAbsent } from '../jobs/index.js'
import { describeEnsure, ensureOutcome, ENSURE_PRESENTATION } from './ensure.js'
import { required, type OperationModule } from './operation.js'

export const ensureAbsent: OperationModule = {
  inputs: { needs: ['hook_id|url'], uses: ['hook_id', 'url', 'dry_run'], trait: 'hooks', writes: 'always' },
  run: async (client, request) => {
    const ensure = await ensureHookAbsent(client, request.target, required(request.hook), request.dry_run)
    return { message: describeEnsure(request, ensure), ...ensureOutcome(ensure), hook_id: ensure.hook_id, hook: ensure.hook, ensure }
  },
  ...ENSURE_PRESENTATION
}
